import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ViewFacts } from '../../core/view/session.js';
import { describeError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

/** Bumped whenever what a file's facts hold changes: a cache of another version is read as none. */
const VERSION = 1;

/** What a session file said, for the version (sha256) it was read at. */
export interface CachedFacts {
  sha256: string;
  facts: ViewFacts;
}

interface CacheFile {
  version: number;
  entries: Record<string, CachedFacts>;
}

/**
 * The figures of the list's session files, kept between runs of `traces serve` in the state
 * folder, one file per store (named by a hash of its location): a restarted server reads again
 * only the files whose sha256 changed. Only what the files say is kept; the store's own data
 * (patches, the parent links the sub-agents are counted from) is read at answer time.
 */
export class SummaryCache {
  readonly path: string;

  constructor(stateDir: string, location: string) {
    const name = createHash('sha256').update(location).digest('hex').slice(0, 32);
    this.path = join(stateDir, 'view-cache', `${name}.json`);
  }

  /** The cached facts by session id; none when the file is missing, damaged or of another version (it is rewritten after the next build). */
  async load(log?: (line: string) => void): Promise<Map<string, CachedFacts>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log?.(`warning: view cache ${this.path} not read: ${describeError(error)}`);
      return new Map();
    }
    const entries = new Map<string, CachedFacts>();
    try {
      const file = JSON.parse(text) as CacheFile;
      if (file?.version !== VERSION || typeof file.entries !== 'object' || file.entries === null)
        throw new Error('not a cache of this version');
      for (const [id, entry] of Object.entries(file.entries)) if (isEntry(entry)) entries.set(id, entry);
    } catch (error) {
      log?.(`warning: view cache ${this.path} ignored (${describeError(error)}); it is rebuilt from the store`);
      return new Map();
    }
    return entries;
  }

  /** Replaces the cache with `entries`; a failure is logged, never fatal (the next start reads the files again). */
  save(entries: Iterable<[string, CachedFacts]>, log?: (line: string) => void): void {
    const file: CacheFile = { version: VERSION, entries: Object.fromEntries(entries) };
    try {
      writeFileAtomic(this.path, JSON.stringify(file));
    } catch (error) {
      log?.(`warning: view cache ${this.path} not written: ${describeError(error)}`);
    }
  }
}

/** An entry whose shape a summary can be built from (a hand-edited or truncated one is read as missing). */
function isEntry(value: unknown): value is CachedFacts {
  const entry = value as Partial<CachedFacts> | null;
  const facts = entry?.facts as Partial<ViewFacts> | undefined;
  return (
    typeof entry?.sha256 === 'string' &&
    typeof facts === 'object' &&
    facts !== null &&
    typeof facts.agent === 'string' &&
    typeof facts.kind === 'string' &&
    typeof facts.messages === 'number' &&
    typeof facts.tokens === 'object' &&
    facts.tokens !== null
  );
}
