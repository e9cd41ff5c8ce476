import { backendId } from '../config/backend.js';
import { discoverSessions } from '../core/sessions/discover.js';
import { exportRootOf } from '../core/agents/registry.js';
import { buildForest, type SessionNode } from '../core/sessions/forest.js';
import { fileState } from '../core/sessions/state.js';
import { EXIT } from '../errors.js';
import { formatBytes } from '../output/format.js';
import { writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { agentsFor, loadContext, loadLedger, scanRoots } from './context.js';
import type { TreeFlags } from './tree.def.js';

interface TreeJson {
  agent: string;
  id: string;
  file: string;
  kind: string;
  bytes: number;
  state: string;
  trace_id: string;
  parent_session: string | null;
  problem: string | null;
  children: TreeJson[];
}

export async function tree(args: string[], flags: TreeFlags, io: Io): Promise<number> {
  const path = args[0];
  const context = await loadContext(io, flags);
  const logger = createLogger(io, { verbose: false });
  const ledger = loadLedger(context.stateDir, logger);
  const backend = backendId(context.backend);
  const agents = agentsFor(context, path ? [path] : []);
  // A store that cannot be read is named, and the tree of the rest is shown with exit 1.
  let unreadable = 0;
  const candidates = await discoverSessions(path ? [path] : scanRoots(context), {
    required: Boolean(path),
    agents,
    exportRoot: exportRootOf(context.stateDir),
    onProblem: (file, reason) => {
      unreadable++;
      logger.warn(`${file}: ${reason}`);
    },
  });
  const forest = buildForest(candidates, agents);
  const toJson = (node: SessionNode): TreeJson => ({
    id: node.info.id,
    agent: node.info.agent,
    file: node.path,
    kind: node.lineage.kind,
    bytes: node.size,
    state: fileState(node, ledger.get(backend, node.path)),
    trace_id: node.lineage.traceId,
    parent_session: node.lineage.parentId ?? null,
    problem: node.lineage.problem ?? null,
    children: node.children.map(toJson),
  });
  const nodes = forest.map(toJson);
  if (flags.json) {
    writeJson(io, nodes);
    return unreadable ? EXIT.failed : EXIT.ok;
  }
  if (nodes.length === 0) {
    io.stderr.write(`no sessions found in ${path ?? context.roots.join(' or ')}\n`);
    return unreadable ? EXIT.failed : EXIT.ok;
  }
  const lines: string[] = [];
  const walk = (node: TreeJson, prefix: string, last: boolean, top: boolean) => {
    const branch = top ? '' : last ? '└─ ' : '├─ ';
    const note = node.problem ? `  (${node.problem})` : '';
    lines.push(`${prefix}${branch}${node.id}  ${node.kind}  ${node.agent}  ${formatBytes(node.bytes)}  ${node.state}${note}`);
    const childPrefix = top ? prefix : prefix + (last ? '   ' : '│  ');
    node.children.forEach((child, i) => walk(child, childPrefix, i === node.children.length - 1, false));
  };
  for (const node of nodes) walk(node, '', true, true);
  io.stdout.write(`${lines.join('\n')}\n`);
  return unreadable ? EXIT.failed : EXIT.ok;
}
