import { backendId } from '../config/backend.js';
import { discover } from '../core/sessions/discover.js';
import { countStates } from '../core/status.js';
import { Queue } from '../core/queue.js';
import { EXIT } from '../errors.js';
import { writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { loadContext, loadLedger } from './context.js';
import type { StatusFlags } from './status.def.js';

export async function status(_args: string[], flags: StatusFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  const logger = createLogger(io, { verbose: false });
  const ledger = loadLedger(context.stateDir, logger);
  const current = backendId(context.backend);
  const backends = [current, ...Object.keys(ledger.backends()).filter((b) => b !== current)];
  const candidates = discover(context.roots, { required: false });
  const counts = countStates(candidates, ledger, backends);
  const entries = new Queue(context.stateDir, { warn: (m) => logger.warn(m) }).read();
  const queue = {
    queued: entries.length,
    oldest: entries.reduce<string | null>((min, e) => (min === null || e.at < min ? e.at : min), null),
    backends: Object.fromEntries([...new Set(entries.map((e) => e.backend))].map((b) => [b, entries.filter((e) => e.backend === b).length])),
  };
  if (flags.json) {
    writeJson(io, { sessions_dir: context.sessionsDir, state_dir: context.stateDir, current_backend: current, backends: counts, queue });
    return EXIT.ok;
  }
  io.stdout.write(`sessions: ${context.sessionsDir} (${context.sessionsDirSource})\n`);
  for (const c of counts) {
    const mark = c.backend === current ? ' (current)' : '';
    io.stdout.write(
      `${c.backend}${mark}\n  uploaded ${c.uploaded}  pending ${c.pending}  failed ${c.failed}  too large ${c.too_large}  invalid ${c.invalid}\n`,
    );
  }
  io.stdout.write(
    queue.queued
      ? `queue: ${queue.queued} session(s) waiting since ${queue.oldest} (${Object.entries(queue.backends).map(([b, n]) => `${n} for ${b}`).join(', ')})\n`
      : 'queue: empty\n',
  );
  return EXIT.ok;
}
