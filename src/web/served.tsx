import { useEffect, useState } from 'preact/hooks';
import type { ViewSession } from '../contracts/view.js';
import { getSession, SignInNeeded, signIn } from './api.js';
import { List } from './list.js';
import { navigate, onNavigate, routeOf } from './route.js';
import { SessionView } from './session.js';

/** The page `traces serve` serves: the list at `/`, a session at `/s/<id>`, the sign-in form when the API answers 401. */
export function Served() {
  const [location, setLocation] = useState(() => ({ pathname: window.location.pathname, search: window.location.search }));
  const [signedOut, setSignedOut] = useState(false);
  // Bumped after a sign-in, so the page asks again for what was refused.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => onNavigate(() => setLocation({ pathname: window.location.pathname, search: window.location.search })), []);
  const refused = (error: unknown): boolean => {
    if (!(error instanceof SignInNeeded)) return false;
    setSignedOut(true);
    return true;
  };
  if (signedOut) {
    return (
      <SignIn
        onDone={() => {
          setSignedOut(false);
          setAttempt((n) => n + 1);
        }}
      />
    );
  }
  const route = routeOf(location);
  return (
    <div class="page">
      <header class="top">
        <a class="home" href="/" onClick={(e) => (e.preventDefault(), navigate('/'))}>
          traces
        </a>
      </header>
      {route.page === 'list' ? (
        <List key={attempt} query={route.query} refused={refused} />
      ) : (
        <ServedSession key={`${route.id}:${attempt}`} id={route.id} refused={refused} />
      )}
    </div>
  );
}

function ServedSession({ id, refused }: { id: string; refused: (error: unknown) => boolean }) {
  const [session, setSession] = useState<ViewSession | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    getSession(id).then(setSession, (error: unknown) => {
      if (!refused(error)) setProblem(String(error instanceof Error ? error.message : error));
    });
  }, [id]);
  if (problem) return <p class="problem">{problem}</p>;
  if (!session) return <p class="loading">loading…</p>;
  return (
    <SessionView
      session={session}
      editable
      hrefOf={(node) => `/s/${encodeURIComponent(node)}`}
      onSelect={(node) => navigate(`/s/${encodeURIComponent(node)}`)}
    />
  );
}

/** The token goes to the server in a POST body; the server answers with an HttpOnly cookie. Nothing is kept here. */
function SignIn({ onDone }: { onDone: () => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('token') as HTMLInputElement;
    setBusy(true);
    signIn(input.value).then(
      () => {
        input.value = '';
        onDone();
      },
      (error: unknown) => {
        setBusy(false);
        setProblem(error instanceof Error ? error.message : String(error));
      },
    );
  };
  return (
    <form id="sign-in" class="sign-in" method="post" onSubmit={submit}>
      <h1>Sign in</h1>
      <p>This server wants a token (one it accepts for uploads).</p>
      <label>
        token <input id="sign-in-token" name="token" type="password" autocomplete="off" required />
      </label>
      <button type="submit" disabled={busy}>
        sign in
      </button>
      {problem && <p class="problem">{problem}</p>}
    </form>
  );
}
