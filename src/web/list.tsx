import { useEffect, useState } from 'preact/hooks';
import type { ViewList, ViewQuery, ViewSummary } from '../contracts/view.js';
import { listSessions, queryString } from './api.js';
import { field, tagsOf } from './form.js';
import { followLink, navigate } from './route.js';
import { displayText, formatCost, formatDuration, formatTime, formatTokens } from './text.js';

const AGENTS = ['prime-agent', 'claude-code', 'codex', 'gemini-cli', 'opencode'];

/** The list of stored sessions: filters in the URL, one page at a time from the read API, "load more" for the next. */
export function List({ query, refused }: { query: ViewQuery; refused: (error: unknown) => boolean }) {
  const [pages, setPages] = useState<ViewList | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const load = (cursor?: string) => {
    setLoading(true);
    listSessions(cursor ? { ...query, cursor } : query).then(
      (page) => {
        setLoading(false);
        setProblem(null);
        setPages((before) => (cursor && before ? { ...page, sessions: [...before.sessions, ...page.sessions] } : page));
      },
      (error: unknown) => {
        setLoading(false);
        if (!refused(error)) setProblem(error instanceof Error ? error.message : String(error));
      },
    );
  };
  useEffect(() => {
    setPages(null);
    load();
  }, [queryString(query)]);
  return (
    <main class="list">
      <Filters query={query} />
      {problem && <p class="problem">{problem}</p>}
      {pages && (
        <p id="list-total" class="total">
          {pages.total} {pages.total === 1 ? 'session' : 'sessions'}
        </p>
      )}
      {pages && <Table sessions={pages.sessions} />}
      {pages?.next_cursor && (
        <button id="load-more" type="button" class="load-more" disabled={loading} onClick={() => load(pages.next_cursor!)}>
          {loading ? 'loading…' : 'load more'}
        </button>
      )}
      {!pages && !problem && <p class="loading">loading…</p>}
    </main>
  );
}

function Filters({ query }: { query: ViewQuery }) {
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => field(data, name) || undefined;
    const next: ViewQuery = {
      q: text('q'),
      agent: text('agent'),
      model: text('model'),
      cwd: text('cwd'),
      from: text('from'),
      to: text('to'),
      tag: tagsOf(field(data, 'tag')),
      all: data.get('all') === 'on' || undefined,
      sort: text('sort') as ViewQuery['sort'],
    };
    navigate(`/${queryString(next)}`);
  };
  // Keyed by the query: back and forward put the form back to what the URL says.
  return (
    <form id="filters" class="filters" key={queryString(query)} onSubmit={submit}>
      <input id="filter-q" name="q" type="search" placeholder="search titles, cwd, model, ids" value={query.q ?? ''} />
      <select id="filter-agent" name="agent" value={query.agent ?? ''}>
        <option value="">any agent</option>
        {AGENTS.map((a) => (
          <option value={a}>{a}</option>
        ))}
      </select>
      <input id="filter-model" name="model" placeholder="model" value={query.model ?? ''} />
      <input id="filter-cwd" name="cwd" placeholder="cwd" value={query.cwd ?? ''} />
      <label>
        from <input id="filter-from" name="from" placeholder="YYYY-MM-DD" value={query.from ?? ''} />
      </label>
      <label>
        to <input id="filter-to" name="to" placeholder="YYYY-MM-DD" value={query.to ?? ''} />
      </label>
      <input id="filter-tag" name="tag" placeholder="tags, comma-separated" value={(query.tag ?? []).join(', ')} />
      <select id="filter-sort" name="sort" value={query.sort ?? ''}>
        <option value="">newest first</option>
        <option value="tokens">most tokens</option>
        <option value="cost">most cost</option>
        <option value="duration">longest</option>
      </select>
      <label>
        <input id="filter-all" name="all" type="checkbox" checked={query.all === true} /> sub-agents too
      </label>
      <button type="submit">filter</button>
    </form>
  );
}

function Table({ sessions }: { sessions: ViewSummary[] }) {
  if (sessions.length === 0) return <p class="empty">no sessions match</p>;
  return (
    <table id="sessions" class="sessions">
      <thead>
        <tr>
          <th>agent</th>
          <th>title</th>
          <th>cwd</th>
          <th>model</th>
          <th>started</th>
          <th class="num">duration</th>
          <th class="num">messages</th>
          <th class="num">tokens</th>
          <th class="num">cost</th>
          <th class="num">sub-agents</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <Row key={s.session_id} session={s} />
        ))}
      </tbody>
    </table>
  );
}

function Row({ session: s }: { session: ViewSummary }) {
  return (
    <tr class={`session-row kind-${s.kind}${s.problem ? ' has-problem' : ''}`} data-session-id={s.session_id}>
      <td class="agent">{s.agent}</td>
      <td class="title">
        <a href={`/s/${encodeURIComponent(s.session_id)}`} onClick={followLink}>
          {displayText(s.title ?? s.session_id)}
        </a>
        {s.tags.map((t) => (
          <span class="tag">{displayText(t)}</span>
        ))}
        {s.problem && <span class="problem">{displayText(s.problem)}</span>}
      </td>
      <td class="cwd">{displayText(s.cwd ?? '')}</td>
      <td class="model">{displayText(s.model ?? '')}</td>
      <td class="started">{formatTime(s.started_at)}</td>
      <td class="num duration">{formatDuration(s.duration_ms)}</td>
      <td class="num messages">{s.messages}</td>
      <td
        class="num tokens"
        title={`in ${s.tokens.input}, out ${s.tokens.output}, cache read ${s.tokens.cache_read}, cache write ${s.tokens.cache_write}`}
      >
        {formatTokens(s.tokens.total)}
      </td>
      <td class="num cost">{formatCost(s.cost)}</td>
      <td class="num sub-agents">{s.sub_agents}</td>
    </tr>
  );
}
