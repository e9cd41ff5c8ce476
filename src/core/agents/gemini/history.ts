/**
 * Gemini CLI's chat file folded into a tree of messages. The CLI appends, it never edits: a
 * message is written again (same `id`) each time it changes, `{$rewindTo: id}` drops that message
 * and every later one, and `{$set: {messages}}` replaces the whole list (a checkpoint). Its own
 * loader keeps only the final list; traces keeps what was dropped as abandoned branches too, since
 * the model calls in them were made (and billed).
 */

export type Json = Record<string, unknown>;

/** One place in the tree: a message (its last copy), or a checkpoint that cut the context. */
export type Item =
  | { kind: 'message'; key: string; parent?: string; record: Json }
  | { kind: 'compaction'; key: string; parent?: string; summary: string; firstKept?: string; timestamp: string };

export interface History {
  /** Every item, in the order it took its place. */
  items: Map<string, Item>;
  /** The item the next message would follow: the leaf of the active path (undefined: none). */
  tail?: string;
  /** The last `summary` the file set (the CLI's title). */
  summary?: string;
  /** The last `lastUpdated` the file set. */
  lastUpdated?: string;
}

/** What the CLI's loader would take a record for (it tries these in this order). */
export function recordKind(r: Json): 'rewind' | 'message' | 'set' | 'metadata' | 'unknown' {
  if (typeof r.$rewindTo === 'string') return 'rewind';
  if (typeof r.id === 'string') return 'message';
  if (isObject(r.$set)) return 'set';
  if (typeof r.sessionId === 'string') return 'metadata';
  return 'unknown';
}

export class HistoryBuilder {
  private readonly items = new Map<string, Item>();
  /** Each item's rank in the order it took its place. */
  private readonly rank = new Map<string, number>();
  /** The message list as the CLI holds it now (ids), in order, and as a set. */
  private active: string[] = [];
  private listed = new Set<string>();
  private tail: string | undefined;
  private summary: string | undefined;
  private lastUpdated: string | undefined;

  /** Folds one record of the file; `line` names checkpoints. Unknown shapes are passed over. */
  add(record: Json, line: number): void {
    switch (recordKind(record)) {
      case 'rewind':
        return this.rewind(record.$rewindTo as string);
      case 'message':
        return this.message(record);
      case 'set':
        return this.set(record.$set as Json, line);
      case 'metadata':
        return this.meta(record);
      default:
    }
  }

  /** A legacy one-object file: its metadata, then its messages in order. */
  addLegacy(record: Json): void {
    this.meta(record);
    if (Array.isArray(record.messages)) for (const m of record.messages) if (isObject(m) && typeof m.id === 'string') this.message(m);
  }

  result(): History {
    return { items: this.items, tail: this.tail, summary: this.summary, lastUpdated: this.lastUpdated };
  }

  private meta(record: Json): void {
    if (typeof record.summary === 'string') this.summary = record.summary;
    if (typeof record.lastUpdated === 'string') this.lastUpdated = record.lastUpdated;
  }

  private place(item: Item): void {
    this.items.set(item.key, item);
    this.rank.set(item.key, this.rank.size);
  }

  private setActive(ids: string[]): void {
    this.active = ids;
    this.listed = new Set(ids);
  }

  private message(record: Json): void {
    const id = record.id as string;
    const known = this.items.get(id);
    // A message written again takes its last copy; its place in the tree stays where it was first
    // put (the CLI's loader keeps its position in the list too).
    if (known?.kind === 'message') {
      known.record = record;
      if (!this.listed.has(id)) this.setActive([...this.active, id]);
      return;
    }
    this.place({ kind: 'message', key: id, parent: this.tail, record });
    this.active.push(id);
    this.listed.add(id);
    this.tail = id;
  }

  private rewind(id: string): void {
    const at = this.active.indexOf(id);
    // An unknown id makes the CLI's loader drop every message: the next one starts a new root.
    this.setActive(at < 0 ? [] : this.active.slice(0, at));
    this.tail = at < 0 ? undefined : this.items.get(id)!.parent;
  }

  /**
   * A checkpoint: the CLI rewrote its whole message list. Three cases, told apart by where the
   * messages it already had end up:
   * - same order, fewer or more (masked content, an aborted turn rolled back, a resume adding the
   *   tool-response turns it rebuilds): messages dropped from the end are a branch left behind,
   *   new ones at the end follow on; new ones in the middle hang beside the path (they repeat
   *   what is on it);
   * - new messages before the known ones, or known ones out of order (a compression puts its
   *   summary first, then the turns it kept): the context was cut, and a compaction stands for
   *   the cut on the active path.
   */
  private set(update: Json, line: number): void {
    this.meta(update);
    if (!Array.isArray(update.messages)) return;
    const list = update.messages.filter((m): m is Json => isObject(m) && typeof m.id === 'string');
    const ids = list.map((m) => m.id as string);
    const isKnown = (id: string) => this.items.get(id)?.kind === 'message';
    const known = ids.filter(isKnown);
    const cut =
      known.length > 0 &&
      (!isKnown(ids[0]!) || known.some((id, i) => !this.listed.has(id) || (i > 0 && this.rank.get(id)! < this.rank.get(known[i - 1]!)!)));
    const lastKnown = cut ? -1 : ids.lastIndexOf(known.at(-1) ?? '');
    if (cut) {
      const compaction = this.compaction(list, line);
      this.place(compaction);
      this.tail = compaction.key;
    } else {
      const keep = lastKnown < 0 ? 0 : this.active.indexOf(ids[lastKnown]!) + 1;
      if (keep < this.active.length) this.rewind(this.active[keep]!);
    }
    for (const [i, m] of list.entries()) {
      const item = this.items.get(ids[i]!);
      if (item?.kind === 'message') item.record = m;
      else if (i > lastKnown) this.message(m);
      else this.place({ kind: 'message', key: ids[i]!, parent: ids[i - 1], record: m });
    }
    this.setActive(ids);
  }

  private compaction(list: Json[], line: number): Item {
    const rank = (m: Json | undefined) => (m ? (this.rank.get(m.id as string) ?? -1) : -1);
    // The kept turns start at the first known message after new ones, or where the list goes back
    // in time (older messages after newer ones: the summary was recorded before the checkpoint).
    const firstKnown = list.findIndex((m) => rank(m) >= 0);
    let kept = firstKnown > 0 ? firstKnown : list.findIndex((m, i) => i > 0 && rank(m) >= 0 && rank(m) < rank(list[i - 1]));
    if (kept < 0) kept = list.length;
    const summary = list
      .slice(0, kept)
      .filter((m) => m.type === 'user')
      .map((m) => textOf(m.content))
      .join('\n');
    const last = list.at(-1);
    const timestamp = typeof last?.timestamp === 'string' ? last.timestamp : (this.lastUpdated ?? '');
    return {
      kind: 'compaction',
      key: `checkpoint-${line}`,
      parent: this.tail,
      summary,
      firstKept: list[kept]?.id as string | undefined,
      timestamp,
    };
  }
}

/** The text of a Gemini `PartListUnion` (a string, a part, or a list of them): its text parts. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? content : [content];
  return parts
    .map((p) => (typeof p === 'string' ? p : isObject(p) && typeof p.text === 'string' && p.thought !== true ? p.text : ''))
    .join('');
}
import { isObject } from '../../../util/is-object.js';
export { isObject };
