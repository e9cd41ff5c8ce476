/**
 * A backend and its one name. The name keys the ledger and the hook's queue and is what people
 * see, so every place that names a backend (config, the upload targets, the queue) calls backendId.
 */

/** A store in S3-compatible object storage: `s3://bucket/prefix`, at an endpoint (AWS itself when unset). */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  /** A custom endpoint (MinIO, R2, a local server): from AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the settings. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`) instead of virtual-hosted (`bucket.endpoint/key`). */
  pathStyle?: boolean;
}

/** Where data goes: an HTTP service, a folder holding the embedded local store, or a bucket store. */
export type BackendSpec =
  { kind: 'http'; url: URL; source: string } | { kind: 'dir'; dir: string; source: string } | ({ kind: 's3'; source: string } & S3Location);

/** The part of a BackendSpec that names it. */
export type BackendLocation = { kind: 'http'; url: URL } | { kind: 'dir'; dir: string } | ({ kind: 's3' } & S3Location);

const FOLDER_PREFIX = 'file:';
const S3_PREFIX = 's3://';

/** A URL as shown to people and used as the ledger's key: no credentials, no trailing slash. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/+$/, '');
}

/** `s3://bucket/prefix`, as people write it. */
export function s3Url(location: S3Location): string {
  return `${S3_PREFIX}${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

/**
 * The ledger's and the queue's name for a backend: its URL without credentials, `file:` + folder,
 * or `s3://bucket/prefix` with `?endpoint=` when not AWS (one bucket name at two endpoints is two stores).
 */
export function backendId(backend: BackendLocation): string {
  if (backend.kind === 'http') return redactUrl(backend.url);
  if (backend.kind === 'dir') return `${FOLDER_PREFIX}${backend.dir}`;
  const url = s3Url(backend);
  return backend.endpoint ? `${url}?endpoint=${encodeURIComponent(backend.endpoint)}` : url;
}

/** The folder a `file:` backend id names, or undefined for any other id. */
export function folderOfBackendId(id: string): string | undefined {
  return id.startsWith(FOLDER_PREFIX) ? id.slice(FOLDER_PREFIX.length) : undefined;
}

/** The `s3://` URL and endpoint an s3 backend id names, or undefined for any other id. */
export function bucketOfBackendId(id: string): { url: string; endpoint?: string } | undefined {
  if (!id.startsWith(S3_PREFIX)) return undefined;
  const at = id.indexOf('?endpoint=');
  if (at < 0) return { url: id };
  return { url: id.slice(0, at), endpoint: decodeURIComponent(id.slice(at + '?endpoint='.length)) };
}
