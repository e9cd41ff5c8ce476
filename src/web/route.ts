import type { ViewQuery } from '../contracts/view.js';
import { decoded } from './text.js';

/** Where the served page is: the list (its filters in the query string) or one session (`/s/<id>`). */
export type Route = { page: 'list'; query: ViewQuery } | { page: 'session'; id: string };

const SORTS = ['started', 'tokens', 'cost', 'duration'] as const;

export function routeOf(location: { pathname: string; search: string }): Route {
  const session = /^\/s\/([^/]+)\/?$/.exec(location.pathname);
  // A malformed escape stays as written: the server finds no such session and the page says so.
  if (session) return { page: 'session', id: decoded(session[1]!) ?? session[1]! };
  return { page: 'list', query: queryOf(location.search) };
}

/** The list's filters from a query string; anything unknown is ignored. */
export function queryOf(search: string): ViewQuery {
  const params = new URLSearchParams(search);
  const query: ViewQuery = {};
  for (const key of ['q', 'agent', 'cwd', 'model', 'from', 'to'] as const) {
    const value = params.get(key);
    if (value) query[key] = value;
  }
  const tags = params.getAll('tag').filter(Boolean);
  if (tags.length) query.tag = tags;
  if (params.get('all') === 'true') query.all = true;
  const sort = params.get('sort');
  if (sort && (SORTS as readonly string[]).includes(sort)) query.sort = sort as ViewQuery['sort'];
  return query;
}

const listeners = new Set<() => void>();

/** Moves to `url` in this page (history entry included) and tells the app. */
export function navigate(url: string): void {
  history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

/** Calls `listener` on every move, by `navigate` or by back/forward; returns the unsubscribe. */
export function onNavigate(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** A click on an in-app link moves without reloading (a modified click still opens a tab). */
export function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.currentTarget as HTMLAnchorElement;
  event.preventDefault();
  navigate(link.getAttribute('href')!);
}
