import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ViewItem, ViewSession } from '../contracts/view.js';
import { Item } from './item.js';
import { decoded } from './text.js';

/** Items rendered at once; the rest follow a slice at a time, so a long session shows its start at once. */
const STEP = 150;

/** The entry a `#entry-<id>` address names, if any. */
export function entryOfHash(hash: string): string | null {
  return hash.startsWith('#entry-') ? decoded(hash.slice('#entry-'.length)) : null;
}

interface Index {
  byId: Map<string, ViewItem>;
  children: Map<string, ViewItem[]>;
}

function indexOf(items: ViewItem[]): Index {
  const byId = new Map<string, ViewItem>();
  const children = new Map<string, ViewItem[]>();
  for (const item of items) {
    byId.set(item.id, item);
    if (item.parent_id !== null) {
      const list = children.get(item.parent_id);
      if (list) list.push(item);
      else children.set(item.parent_id, [item]);
    }
  }
  return { byId, children };
}

/** The first entry of the other branch `item` is on: walk up while the parent is off the active branch too. */
function branchStart(item: ViewItem, index: Index): string {
  let start = item;
  for (let parent = index.byId.get(start.parent_id ?? ''); parent && !parent.active; parent = index.byId.get(start.parent_id ?? '')) {
    start = parent;
  }
  return start.id;
}

/** The conversation of one session: the active branch, other branches on request, deep links to entries. */
export function Conversation({ session }: { session: ViewSession }) {
  const index = useMemo(() => indexOf(session.items), [session]);
  const [openBranches, setOpenBranches] = useState<ReadonlySet<string>>(new Set());
  const [limit, setLimit] = useState(STEP);
  const [target, setTarget] = useState<string | null>(null);

  // The entries of the opened branches: each start and everything below it that is off the active branch.
  const visible = useMemo(() => {
    const extra = new Set<string>();
    const stack = [...openBranches];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (extra.has(id)) continue;
      extra.add(id);
      for (const child of index.children.get(id) ?? []) if (!child.active) stack.push(child.id);
    }
    return session.items.filter((item) => item.active || extra.has(item.id));
  }, [session, index, openBranches]);

  useEffect(() => {
    if (limit >= visible.length) return;
    const timer = setTimeout(() => setLimit((n) => n + STEP), 0);
    return () => clearTimeout(timer);
  }, [limit, visible.length]);

  // A deep link: open the branch the entry is on, render up to it, then scroll to it.
  useEffect(() => {
    const follow = () => {
      const id = entryOfHash(window.location.hash);
      const item = id === null ? undefined : index.byId.get(id);
      if (!item) return;
      if (!item.active) {
        const start = branchStart(item, index);
        setOpenBranches((before) => (before.has(start) ? before : new Set(before).add(start)));
      }
      setTarget(item.id);
    };
    follow();
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, [index]);

  const targetAt = target === null ? -1 : visible.findIndex((item) => item.id === target);
  useEffect(() => {
    if (targetAt < 0) return;
    if (targetAt >= limit) {
      setLimit(targetAt + STEP);
      return;
    }
    document.getElementById(`entry-${target}`)?.scrollIntoView({ block: 'start' });
  }, [target, targetAt, limit]);

  const toggleBranch = (start: string) =>
    setOpenBranches((before) => {
      const next = new Set(before);
      if (!next.delete(start)) next.add(start);
      return next;
    });

  const shown = visible.slice(0, limit);
  return (
    <section class="conversation" id="conversation">
      {session.items.length === 0 && <p class="empty">no messages</p>}
      {shown.map((item) => (
        <Item
          key={item.id}
          item={item}
          target={item.id === target}
          maxText={session.max_text}
          openBranches={openBranches}
          onToggleBranch={toggleBranch}
        />
      ))}
      {shown.length < visible.length && (
        <p class="loading">
          {shown.length} of {visible.length} entries…
        </p>
      )}
    </section>
  );
}
