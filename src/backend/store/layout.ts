import { safeName } from './names.js';

/**
 * Where a store keeps each thing, as keys relative to its root: files under a folder store,
 * objects under a bucket store's prefix. One layout for both, so a store copied key by key reads
 * back the same.
 */
export const layout = {
  /** An uploaded session file: the `key` a PUT answers. */
  sessionBody: (traceId: string, sessionId: string) => `agent-traces/${safeName(traceId)}/${safeName(sessionId)}.jsonl`,
  sessionIndex: (sessionId: string) => `index/sessions/${safeName(sessionId)}.json`,
  sessionIndexPrefix: 'index/sessions/',
  /** A PUT that moves a session to another key says so here first, so a crash leaves no body unnamed. */
  pendingMove: (sessionId: string) => `index/pending/${safeName(sessionId)}.json`,
  /** The bucket store's form: one intent per PUT (`unique`), since PUTs of one session do not wait for each other there. */
  pendingMoveOf: (sessionId: string, unique: string) => `index/pending/${safeName(sessionId)}/${unique}.json`,
  pendingPrefix: 'index/pending/',
  metadata: (org: string, workspace: string, id: string) => `metadata/${safeName(org)}/${safeName(workspace)}/${safeName(id)}.json`,
  metadataIndex: (id: string) => `index/metadata/${safeName(id)}.json`,
  /** `id` is a checked `session_<32 hex>`. */
  patch: (id: string) => `patches/${id}.json`,
  patchPrefix: 'patches/',
  sessionStart: (sessionId: string) => `events/${safeName(sessionId)}/session.json`,
  /** Events appended in place (the folder store); a bucket store reads it but never writes it. */
  eventsFile: (sessionId: string) => `events/${safeName(sessionId)}/events.ndjson`,
  /**
   * Events as a log of immutable segments `<10-digit seq>.ndjson` (the bucket store, where objects
   * cannot be appended to); the folder store reads them too, after the events file.
   */
  eventsLog: (sessionId: string) => `events/${safeName(sessionId)}/log/`,
} as const;

/** A log segment's key: its sequence number, zero-padded so that key order is log order. */
export function segmentKey(prefix: string, seq: number, suffix = ''): string {
  return `${prefix}${String(seq).padStart(10, '0')}${suffix}.ndjson`;
}

/** A segment's sequence number from its key, or undefined for a key that is not one. */
export function segmentSeq(key: string): number | undefined {
  const match = /\/(\d{10})(?:-[A-Za-z0-9]+)?\.ndjson$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** What safeName makes of any id: the only characters a key part of ours can hold. */
const SAFE_PART = '[A-Za-z0-9_%~-]+';
const SESSION_BODY = new RegExp(`^agent-traces/${SAFE_PART}/${SAFE_PART}\\.jsonl$`);

/**
 * Whether `key`, read from a stored record or intent, has the form of a session body's key. A
 * store's records may come from elsewhere (a bucket copied into a folder): a key of any other
 * form (`../x`, an absolute path) is never opened or removed, as if the record were absent.
 */
export function isSessionBodyKey(key: unknown): key is string {
  return typeof key === 'string' && SESSION_BODY.test(key);
}

/** The folders a store keeps its keys in: anything else under a store's root is not the store's. */
export const STORE_FOLDERS = ['agent-traces', 'index', 'metadata', 'patches', 'events'];
const STORE_TOP = new Set(STORE_FOLDERS);

/**
 * Whether `key` is one a store holds (not a working file: a temp file, a lock, the marker, a
 * probe, something another tool left beside it). `store copy` copies only these.
 */
export function isStoreKey(key: string): boolean {
  return STORE_TOP.has(key.split('/')[0]!) && !key.endsWith('.tmp') && !key.endsWith('/');
}
