import type { StoredSessionRecord, TraceStore, PatchedSession } from '../../backend/store/trace-store.js';
import type { ViewSummary } from '../../contracts/view.js';
import { patchIdOf } from '../../contracts/wire.js';
import { readSessionFileView, type ViewFacts } from '../../core/view/session.js';
import { describeError } from '../../errors.js';
import { mapLimit } from '../../util/map-limit.js';
import { BodyFiles } from './body-files.js';
import type { CachedFacts, SummaryCache } from './summary-cache.js';

/** What one stored file was found to say, for the version (sha256) it was read at. */
interface ReadFile {
  sha256: string;
  record: StoredSessionRecord;
  facts: ViewFacts | null;
  problem: string | null;
}

export interface SummaryIndexOptions {
  /** The store is listed again at most this often while requests come (at once after a change through this server). */
  refreshMs: number;
  /** Session files read at once on a (cold) refresh. */
  readers: number;
  /** For a refresh that failed in the background (the requests went on with the list they had), and a cache not read or written. */
  log?: (line: string) => void;
  /** The figures read in earlier runs: loaded before the first build, replaced after a build that read or dropped a file. */
  cache?: SummaryCache;
}

/** Texts of a summary read are not kept: only the figures. */
const FACTS_ONLY = { maxText: 0, items: false } as const;

/**
 * The list of the read API, kept in memory: every stored session's file read once per version
 * (its record's sha256) and its figures kept, the patch contract's title and tags merged in, and
 * the sub-agents counted from the parent links. A request answers from memory; the store is listed
 * again when a PUT or PATCH went through this server, or in the background once `refreshMs` passed.
 */
/** How long the store must be quiet after changes through this server before they are read in the background. */
const SETTLE_MS = 2000;

export class SummaryIndex {
  readonly bodies: BodyFiles;
  private files = new Map<string, ReadFile>();
  private summaries: ViewSummary[] = [];
  private byId = new Map<string, ViewSummary>();
  /** Refreshes asked for (a change through this server) and the last one a finished refresh covered. */
  private wanted = 1;
  private done = 0;
  private running?: Promise<void>;
  private listedAt = 0;
  /** Set once the server listens: from then on changes are read in the background too. */
  private warming = false;
  private settle?: NodeJS.Timeout;
  /** What the cache said, until the first build has taken what still matches. */
  private cached?: Promise<Map<string, CachedFacts>>;
  private saved = false;

  constructor(
    private readonly store: TraceStore,
    private readonly options: SummaryIndexOptions,
  ) {
    this.bodies = new BodyFiles(store);
  }

  /**
   * Builds the list in the background now (as the server starts listening), so the first request
   * finds it built or under way; a failure is logged and the next request tries again.
   */
  warm(): void {
    this.warming = true;
    if (this.done < this.wanted) this.refresh().catch((error: unknown) => this.logFailure(error));
  }

  /**
   * The store changed through this server: the next request lists it again before it answers.
   * Once warming, a burst of changes (a bulk upload) is also read in the background once it has
   * been quiet for SETTLE_MS, so the list, and the cache a restart starts from, stay current.
   */
  changed(): void {
    this.wanted++;
    if (!this.warming) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.warm(), SETTLE_MS);
    this.settle.unref();
  }

  /** Every stored session's summary, sorted by session id. */
  async list(): Promise<ViewSummary[]> {
    await this.current();
    return this.summaries;
  }

  /** A session's summary and record, with the whole list they were taken from (for its tree). */
  async get(sessionId: string): Promise<{ summary: ViewSummary; record: StoredSessionRecord; all: ViewSummary[] } | undefined> {
    await this.current();
    const summary = this.byId.get(sessionId);
    const file = this.files.get(sessionId);
    return summary && file ? { summary, record: file.record, all: this.summaries } : undefined;
  }

  close(): Promise<void> {
    clearTimeout(this.settle);
    return this.bodies.close();
  }

  private async current(): Promise<void> {
    while (this.done < this.wanted) await this.refresh();
    if (Date.now() - this.listedAt >= this.options.refreshMs && !this.running) {
      this.refresh().catch((error: unknown) => this.logFailure(error));
    }
  }

  private logFailure(error: unknown): void {
    this.options.log?.(`error: listing the store for the view: ${describeError(error)}`);
  }

  /** One refresh at a time: a caller that finds one running waits for it (and asks again if it started too early). */
  private refresh(): Promise<void> {
    if (this.running) return this.running;
    const covers = this.wanted;
    this.running = this.rebuild()
      .then(() => {
        this.done = Math.max(this.done, covers);
        this.listedAt = Date.now();
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async rebuild(): Promise<void> {
    const { cache, log } = this.options;
    const cached = await (this.cached ??= cache ? cache.load(log) : Promise.resolve(new Map<string, CachedFacts>()));
    const records = await this.store.sessions.list();
    const files = new Map<string, ReadFile>();
    const patches = new Map<string, PatchedSession>();
    let reads = 0;
    await mapLimit(records, this.options.readers, async (record) => {
      const known = this.files.get(record.session_id);
      const kept = cached.get(record.session_id);
      if (known?.sha256 === record.sha256) files.set(record.session_id, { ...known, record });
      else if (!known && kept?.sha256 === record.sha256) files.set(record.session_id, { ...kept, record, problem: null });
      else {
        reads++;
        files.set(record.session_id, await this.read(record));
      }
    });
    // One listing of the patches, not a read per session (on a bucket, 10,000 requests).
    const byPatchId = new Map((await this.store.listPatches()).map((patch) => [patch.id, patch]));
    for (const record of records) {
      const id = patchIdOf(record.session_id);
      const patch = id === undefined ? undefined : byPatchId.get(id);
      if (patch) patches.set(record.session_id, patch);
    }
    for (const [id, old] of this.files) {
      if (files.get(id)?.sha256 !== old.sha256) await this.bodies.drop(old.record);
    }
    const dropped = [...(this.files.size ? this.files.keys() : cached.keys())].some((id) => !files.has(id));
    this.files = files;
    cached.clear();
    if (cache && (reads > 0 || dropped || !this.saved)) {
      cache.save(readFacts(files), log);
      this.saved = true;
    }
    const children = new Map<string, number>();
    const summaries = records.map((record) => summaryOf(files.get(record.session_id)!, patches.get(record.session_id)));
    for (const s of summaries) if (s.parent_session !== null) children.set(s.parent_session, (children.get(s.parent_session) ?? 0) + 1);
    for (const s of summaries) s.sub_agents = children.get(s.session_id) ?? 0;
    this.summaries = summaries;
    this.byId = new Map(summaries.map((s) => [s.session_id, s]));
  }

  /** The file's figures, read (again) since its content is new to this server. */
  private async read(record: StoredSessionRecord): Promise<ReadFile> {
    try {
      const body = await this.bodies.fileOf(record);
      if (!body) return { sha256: record.sha256, record, facts: null, problem: 'the stored file is gone, or its record names none' };
      const view = await readSessionFileView(body.path, FACTS_ONLY);
      return { sha256: body.record.sha256, record: body.record, facts: view.facts, problem: null };
    } catch (error) {
      return { sha256: record.sha256, record, facts: null, problem: problemText(error, record) };
    }
  }
}

/**
 * The error of a file that could not be read, with the path this server read it at (its folder,
 * its cache) replaced by the key the store keeps it under.
 */
export function problemText(error: unknown, record: StoredSessionRecord): string {
  const text = describeError(error);
  const at = text.indexOf(record.key);
  return at < 0 ? text : `${record.key}${text.slice(at + record.key.length)}`;
}

/** The figures worth keeping between runs: those of files read whole (a problem is looked at again next time). */
function* readFacts(files: Map<string, ReadFile>): Iterable<[string, CachedFacts]> {
  for (const [id, file] of files) if (file.facts && file.problem === null) yield [id, { sha256: file.sha256, facts: file.facts }];
}

/** One list row: the file's figures, the upload's record where the file says nothing, the patch's title and tags over both. */
function summaryOf(file: ReadFile, patch: PatchedSession | undefined): ViewSummary {
  const { record, facts } = file;
  return {
    session_id: record.session_id,
    trace_id: record.trace_id,
    parent_session: record.parent_session ?? facts?.parent_session ?? null,
    kind: facts?.kind ?? (record.parent_session ? 'sub-agent' : 'root'),
    agent: facts?.agent ?? 'unknown',
    agent_version: knownVersion(facts?.agent_version) ?? knownVersion(record.agent_version),
    title: patch?.title ?? facts?.title ?? null,
    cwd: facts?.cwd ?? record.cwd,
    model: facts?.model ?? null,
    started_at: facts?.started_at ?? null,
    ended_at: facts?.ended_at ?? null,
    duration_ms: facts?.duration_ms ?? null,
    messages: facts?.messages ?? 0,
    tokens: facts?.tokens ?? { input: 0, output: 0, cache_read: 0, cache_write: 0, total: 0 },
    cost: facts?.cost ?? null,
    sub_agents: 0,
    tags: patch?.tags ?? [],
    bytes: record.bytes,
    updated: record.updated,
    problem: file.problem,
  };
}

/**
 * A version that says something: uploaders send the word `unknown` when they know no version (the
 * header is expected), which is no version to show.
 */
function knownVersion(version: string | null | undefined): string | null {
  return version && version !== 'unknown' ? version : null;
}
