import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ViewPage, ViewSession } from '../contracts/view.js';
import { entryOfHash } from './conversation.js';
import { decoded } from './text.js';
import { SessionView } from './session.js';

/** The session a page address names: `#session-<id>`, or the one holding `#entry-<id>`, else the first. */
function sessionOfHash(hash: string, byId: Map<string, ViewSession>, first: string): string {
  if (hash.startsWith('#session-')) {
    const id = decoded(hash.slice('#session-'.length));
    if (id !== null && byId.has(id)) return id;
  }
  const entry = entryOfHash(hash);
  if (entry !== null) {
    for (const [id, session] of byId) if (session.items.some((item) => item.id === entry)) return id;
  }
  return first;
}

/**
 * A page written by `traces view`: its sessions are in the page, so nothing is fetched. Each session
 * is its own section, reached from the tree (`#session-<id>`); nothing can be edited here.
 */
export function Embedded({ page }: { page: ViewPage }) {
  const byId = useMemo(() => new Map(page.sessions.map((s) => [s.summary.session_id, s])), [page]);
  const first = page.sessions[0]?.summary.session_id ?? '';
  const [selected, setSelected] = useState(() => sessionOfHash(window.location.hash, byId, first));
  useEffect(() => {
    const follow = () => setSelected(sessionOfHash(window.location.hash, byId, first));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, [byId, first]);
  const session = byId.get(selected);
  if (!session) return <p class="empty">this page holds no session</p>;
  return (
    <div class="page embedded">
      <header class="top">
        <span class="home">traces</span>
        <span class="generated">written {page.generated_at.slice(0, 16).replace('T', ' ')}</span>
      </header>
      <SessionView
        key={selected}
        session={session}
        editable={false}
        hrefOf={(id) => (byId.has(id) ? `#session-${encodeURIComponent(id)}` : null)}
        onSelect={(id) => {
          window.location.hash = `session-${encodeURIComponent(id)}`;
        }}
      />
    </div>
  );
}
