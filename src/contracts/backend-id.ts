/**
 * A backend and its one name. The name keys the ledger and the hook's queue and is what people
 * see, so every place that names a backend (config, the upload targets, the queue) calls backendId.
 */

/** Where data goes: an HTTP service, or a folder holding the embedded local store. */
export type BackendSpec = { kind: 'http'; url: URL; source: string } | { kind: 'dir'; dir: string; source: string };

/** The part of a BackendSpec that names it. */
export type BackendLocation = { kind: 'http'; url: URL } | { kind: 'dir'; dir: string };

const FOLDER_PREFIX = 'file:';

/** A URL as shown to people and used as the ledger's key: no credentials, no trailing slash. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/+$/, '');
}

/** The ledger's and the queue's name for a backend: its URL without credentials, or `file:` + folder. */
export function backendId(backend: BackendLocation): string {
  return backend.kind === 'http' ? redactUrl(backend.url) : `${FOLDER_PREFIX}${backend.dir}`;
}

/** The folder a `file:` backend id names, or undefined for any other id. */
export function folderOfBackendId(id: string): string | undefined {
  return id.startsWith(FOLDER_PREFIX) ? id.slice(FOLDER_PREFIX.length) : undefined;
}
