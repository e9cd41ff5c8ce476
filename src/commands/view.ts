import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ViewPage, ViewSession, ViewSummary, ViewTreeNode } from '../contracts/view.js';
import { AGENT_NAMES, describeSession, exportRootOf, Scope } from '../core/agents/registry.js';
import { findSessionFile } from '../core/sessions/find.js';
import { sessionWithSubAgents } from '../core/sessions/subtree.js';
import { readSessionView } from '../core/view/session.js';
import { treeOf } from '../core/view/tree.js';
import { ConfigError, EXIT, SessionFileError, UsageError } from '../errors.js';
import { formatBytes, plural } from '../output/format.js';
import { say, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { PAGE_GENERATOR, viewPageHtml, type WebAssets } from '../output/view-page.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { localContext } from './context.js';
import type { ViewFlags } from './view.def.js';

/** Texts longer than this are cut in the page (the session file keeps them whole); the page shows the first part of any long text anyway. */
const MAX_TEXT = 1_000_000;

export async function view(args: string[], flags: ViewFlags, io: Io): Promise<number> {
  const context = localContext(io, flags);
  const logger = createLogger(io, { verbose: false });
  const exportRoot = exportRootOf(context.stateDir);
  const named: string[] = [];
  for (const arg of args) {
    const path = resolve(io.cwd, arg);
    named.push(await findSessionFile(existsSync(path) ? path : arg, context.roots, context.agents.paths, exportRoot));
  }
  const { page, skipped } = await pageOf(named, (file, reason) => logger.warn(`${file}: ${reason}`));
  const first = page.sessions[0]!.summary.session_id;
  const out = flags.output ? resolve(io.cwd, flags.output) : join(io.cwd, `${first.replace(/[^\w.-]/g, '_')}.html`);
  refuseToClobber(out, Boolean(flags.force));
  const html = viewPageHtml(page, webAssets());
  writeFileAtomic(out, html);
  io.stdout.write(`${out}\n`);
  say(io, `wrote ${plural(page.sessions.length, 'session')} (${formatBytes(Buffer.byteLength(html))})`);
  if (flags.open) await openPage(out, io);
  return skipped ? EXIT.failed : EXIT.ok;
}

/**
 * The named sessions and every sub-agent found beside them (as the hook finds them), each with
 * its conversation and its place in the tree. A named file that is not a session stops the run;
 * a sub-agent file that is not one (yet) is left out with a warning.
 */
async function pageOf(named: string[], warn: (file: string, reason: string) => void): Promise<{ page: ViewPage; skipped: number }> {
  const scope = new Scope();
  const read = new Map<string, { path: string; summary: ViewSummary; items: ViewSession['items'] }>();
  const order: string[] = [];
  const namedIds: string[] = [];
  let skipped = 0;
  for (const root of named) {
    for (const path of sessionWithSubAgents(root, AGENT_NAMES)) {
      const described = describeSession(path, AGENT_NAMES, scope);
      if (!described.ok) {
        if (path === root) throw new SessionFileError(`${root}: ${described.reason}`);
        warn(path, described.reason);
        skipped++;
        continue;
      }
      if (path === root) namedIds.push(described.info.id);
      if (read.has(described.info.id)) continue;
      const { facts, items } = await readSessionView(path, described.info, { maxText: MAX_TEXT, items: true });
      const stat = statSync(path);
      const summary: ViewSummary = {
        ...facts,
        trace_id: facts.session_id,
        sub_agents: 0,
        tags: [],
        bytes: stat.size,
        updated: stat.mtime.toISOString(),
        problem: null,
      };
      read.set(facts.session_id, { path, summary, items });
      order.push(facts.session_id);
    }
  }
  const summaries = order.map((id) => read.get(id)!.summary);
  for (const s of summaries) {
    if (s.parent_session !== null && read.has(s.parent_session)) read.get(s.parent_session)!.summary.sub_agents++;
  }
  // Each named session first, then the sessions below it, depth first: the order of its tree.
  const shown = new Set<string>();
  const walk = (node: ViewTreeNode) => {
    if (read.has(node.session_id)) shown.add(node.session_id);
    node.children.forEach(walk);
  };
  for (const id of namedIds) walk(nodeOf(treeOf(summaries, id)!, id)!);
  for (const id of order) shown.add(id);
  const sessions = [...shown].map((id): ViewSession => {
    const tree = treeOf(summaries, id)!;
    const { summary, items } = read.get(id)!;
    return { summary: { ...summary, trace_id: tree.session_id }, tree, items, max_text: MAX_TEXT };
  });
  return { page: { generated_at: new Date().toISOString(), sessions }, skipped };
}

function nodeOf(tree: ViewTreeNode, id: string): ViewTreeNode | undefined {
  if (tree.session_id === id) return tree;
  for (const child of tree.children) {
    const found = nodeOf(child, id);
    if (found) return found;
  }
  return undefined;
}

/**
 * A page this command wrote is replaced; any other file only with --force (as gh's downloads
 * refuse to clobber without --clobber): `-o notes.md` by mistake must not cost the notes.
 */
function refuseToClobber(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (statSync(out).isDirectory()) throw new UsageError(`${out}: is a folder; name the page's file with -o`);
  if (force || writtenByUs(out)) return;
  throw new UsageError(`${out}: exists and is not a page traces view wrote`, 'Pass --force to replace it, or name another file with -o.');
}

function writtenByUs(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').includes(PAGE_GENERATOR);
  } finally {
    closeSync(fd);
  }
}

/** The web view's bundle: beside the built CLI (dist/web), or dist/web of the checkout when run from source. */
function webAssets(): WebAssets {
  for (const base of [new URL('./web/', import.meta.url), new URL('../../dist/web/', import.meta.url)]) {
    const js = new URL('app.js', base);
    const css = new URL('app.css', base);
    if (existsSync(js) && existsSync(css)) return { js: readFileSync(js, 'utf8'), css: readFileSync(css, 'utf8') };
  }
  throw new ConfigError("the web view's bundle (dist/web/app.js) is missing", 'Build it: npm run build.');
}

/** Opens the page with the platform's opener; a machine without one only gets a warning (the page is written). */
async function openPage(path: string, io: Io): Promise<void> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [path]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', `"${path}"`]]
        : ['xdg-open', [path]];
  await new Promise<void>((done) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, env: io.env, windowsVerbatimArguments: true });
    child.once('spawn', () => {
      child.unref();
      done();
    });
    child.once('error', (error) => {
      say(io, `warning: could not open ${path} (${command}: ${error.message}); open it in a browser yourself`);
      done();
    });
  });
}
