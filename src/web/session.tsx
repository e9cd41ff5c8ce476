import { useState } from 'preact/hooks';
import type { ViewSession } from '../contracts/view.js';
import { EditRefused, patchSession } from './api.js';
import { Conversation } from './conversation.js';
import { field, tagsOf } from './form.js';
import { displayText, formatCost, formatDuration, formatTime, formatTokens } from './text.js';
import { Tree } from './tree.js';

export interface SessionProps {
  session: ViewSession;
  /** The served page lets the title and tags be edited (until the server refuses); a written page does not. */
  editable: boolean;
  /** Where a tree node links to, or null when that session is not on this page. */
  hrefOf: (id: string) => string | null;
  onSelect: (id: string) => void;
}

/** One session: its tree beside its conversation. */
export function SessionView({ session, editable, hrefOf, onSelect }: SessionProps) {
  const s = session.summary;
  return (
    <main class="session" id={`session-${s.session_id}`} data-session-id={s.session_id}>
      <Heading session={session} editable={editable} />
      <dl class="facts">
        <dt>agent</dt>
        <dd>
          {s.agent}
          {s.agent_version ? ` ${displayText(s.agent_version)}` : ''}
        </dd>
        <dt>kind</dt>
        <dd>{s.kind}</dd>
        <dt>model</dt>
        <dd>{displayText(s.model ?? '–')}</dd>
        <dt>cwd</dt>
        <dd>{displayText(s.cwd ?? '–')}</dd>
        <dt>started</dt>
        <dd>{formatTime(s.started_at)}</dd>
        <dt>duration</dt>
        <dd>{formatDuration(s.duration_ms)}</dd>
        <dt>messages</dt>
        <dd>{s.messages}</dd>
        <dt>tokens</dt>
        <dd>{formatTokens(s.tokens.total)}</dd>
        <dt>cost</dt>
        <dd>{formatCost(s.cost)}</dd>
      </dl>
      {s.problem && <p class="problem">{displayText(s.problem)}</p>}
      <div class="columns">
        <nav class="tree" id="tree" aria-label="recursion tree">
          <Tree root={session.tree} selected={s.session_id} hrefOf={hrefOf} onSelect={onSelect} />
        </nav>
        <Conversation key={s.session_id} session={session} />
      </div>
    </main>
  );
}

function Heading({ session, editable }: { session: ViewSession; editable: boolean }) {
  const s = session.summary;
  const [title, setTitle] = useState(s.title);
  const [tags, setTags] = useState(s.tags);
  const [editing, setEditing] = useState(false);
  const [allowed, setAllowed] = useState(editable);
  const [problem, setProblem] = useState<string | null>(null);
  const save = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const nextTitle = field(data, 'title') || null;
    const nextTags = tagsOf(field(data, 'tags'));
    patchSession(s.session_id, { title: nextTitle, tags: nextTags }).then(
      () => {
        setTitle(nextTitle);
        setTags(nextTags);
        setEditing(false);
        setProblem(null);
      },
      (error: unknown) => {
        if (error instanceof EditRefused) {
          setAllowed(false);
          setEditing(false);
        }
        setProblem(error instanceof Error ? error.message : String(error));
      },
    );
  };
  return (
    <header class="session-head">
      {editing ? (
        <form id="title-editor" class="title-editor" onSubmit={save}>
          <input id="title-input" name="title" value={title ?? ''} placeholder="title" />
          <input id="tags-input" name="tags" value={tags.join(', ')} placeholder="tags, comma-separated" />
          <button id="title-save" type="submit">
            save
          </button>
          <button id="title-cancel" type="button" onClick={() => setEditing(false)}>
            cancel
          </button>
        </form>
      ) : (
        <>
          <h1 id="session-title">{displayText(title ?? s.session_id)}</h1>
          <p class="tags" id="session-tags">
            {tags.map((t) => (
              <span class="tag">{displayText(t)}</span>
            ))}
          </p>
          {allowed && (
            <button id="title-edit" type="button" class="edit" onClick={() => setEditing(true)}>
              edit title and tags
            </button>
          )}
        </>
      )}
      {problem && <p class="problem edit-problem">{problem}</p>}
    </header>
  );
}
