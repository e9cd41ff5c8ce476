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

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

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
  /** The message list as the CLI holds it now (ids), in order. */
  private active: string[] = [];
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

  private message(record: Json): void {
    const id = record.id as string;
    const known = this.items.get(id);
    // A message written again takes its last copy; its place in the tree stays where it was first
    // put (the CLI's loader keeps its position in the list too).
    if (known?.kind === 'message') {
      known.record = record;
      if (!this.active.includes(id)) this.active.push(id);
      return;
    }
    this.items.set(id, { kind: 'message', key: id, parent: this.tail, record });
    this.active.push(id);
    this.tail = id;
  }

  private rewind(id: string): void {
    const at = this.active.indexOf(id);
    // An unknown id makes the CLI's loader drop every message: the next one starts a new root.
    this.active = at < 0 ? [] : this.active.slice(0, at);
    this.tail = at < 0 ? undefined : this.items.get(id)!.parent;
  }

  private set(update: Json, line: number): void {
    this.meta(update);
    if (!Array.isArray(update.messages)) return;
    const list = update.messages.filter((m): m is Json => isObject(m) && typeof m.id === 'string');
    const ids = list.map((m) => m.id as string);
    let same = 0;
    while (same < ids.length && same < this.active.length && ids[same] === this.active[same]) same++;
    const rest = list.slice(same);
    const relocated = rest.some((m) => this.items.has(m.id as string));
    if (!relocated) {
      // The list kept a prefix and added new messages: what it dropped is a branch left behind.
      if (same < this.active.length) this.rewind(this.active[same]!);
    } else {
      // Known messages in a new order (a compression put a summary before the turns it kept):
      // the context was cut; a compaction stands for it on the active path.
      this.items.set(`checkpoint-${line}`, this.compaction(list, line));
      this.tail = `checkpoint-${line}`;
    }
    for (const m of list) {
      const known = this.items.get(m.id as string);
      if (known?.kind === 'message') known.record = m;
      else this.message(m);
    }
    this.active = ids;
  }

  private compaction(list: Json[], line: number): Item {
    const order = [...this.items.keys()];
    const place = (m: Json) => order.indexOf(m.id as string);
    // The kept turns are where the list goes back in time: older messages after newer ones.
    let kept = list.findIndex((m, i) => i > 0 && place(m) >= 0 && place(m) < place(list[i - 1]!));
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
