import type { ViewList, ViewQuery, ViewSession } from '../contracts/view.js';
import { patchIdOf } from '../contracts/patch-id.js';

/** The server wants a token: the page shows the sign-in form, then asks again. */
export class SignInNeeded extends Error {}

/** The server refused an edit (401/403 for a PATCH): the page hides the editor. */
export class EditRefused extends Error {}

export class ApiFailure extends Error {}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  // Same-origin only; the cookie set by the sign-in is the credential (never a token in the URL or storage).
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { Accept: 'application/json', ...init.headers } });
  return response;
}

async function failure(response: Response): Promise<ApiFailure> {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { detail?: unknown; error?: { message?: unknown }; message?: unknown };
    const text = body.detail ?? body.error?.message ?? body.message;
    if (typeof text === 'string') detail = `${response.status}: ${text}`;
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ApiFailure(detail);
}

async function getJson<T>(path: string): Promise<T> {
  const response = await call(path);
  if (response.status === 401) throw new SignInNeeded('sign in to see the sessions');
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** The list's query string, in the order the filters appear; empty values are left out. */
export function queryString(query: ViewQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '' || value === false) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function listSessions(query: ViewQuery): Promise<ViewList> {
  return getJson<ViewList>(`/api/v1/view/sessions${queryString(query)}`);
}

export function getSession(id: string): Promise<ViewSession> {
  return getJson<ViewSession>(`/api/v1/view/sessions/${encodeURIComponent(id)}`);
}

/** Sets a session's title or tags through the patch contract (tags replace the list). */
export async function patchSession(id: string, patch: { title?: string | null; tags?: string[] }): Promise<void> {
  const target = patchIdOf(id);
  if (!target) throw new EditRefused(`${id} is not a UUID: the patch contract cannot name it`);
  const response = await call(`/v1/sessions/${target}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(patch),
  });
  if (response.status === 401 || response.status === 403) throw new EditRefused('this server does not let you edit sessions');
  if (!response.ok) throw await failure(response);
}

/** Hands the token to the server, which answers with an HttpOnly cookie; the page keeps nothing. */
export async function signIn(token: string): Promise<void> {
  const response = await call('/api/v1/view/sign-in', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status === 401 || response.status === 403) throw new ApiFailure('the server refused that token');
  if (!response.ok) throw await failure(response);
}
