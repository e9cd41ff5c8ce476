import { backendId } from '../config/backend.js';
import { Ledger } from '../core/ledger.js';
import { discover } from '../core/sessions/discover.js';
import { countStates } from '../core/status.js';
import { EXIT } from '../errors.js';
import { writeJson, type Io } from '../output/io.js';
import { loadContext } from './context.js';

export interface StatusFlags {
  to?: string;
  sessionsDir?: string;
  allowHttp?: boolean;
  json?: boolean;
}

export async function status(flags: StatusFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  const ledger = Ledger.load(context.stateDir);
  const current = backendId(context.backend);
  const backends = [current, ...Object.keys(ledger.backends()).filter((b) => b !== current)];
  const candidates = discover(context.roots, { required: false });
  const counts = countStates(candidates, ledger, backends);
  if (flags.json) {
    writeJson(io, { sessions_dir: context.sessionsDir, state_dir: context.stateDir, current_backend: current, backends: counts });
    return EXIT.ok;
  }
  io.stdout.write(`sessions: ${context.sessionsDir} (${context.sessionsDirSource})\n`);
  for (const c of counts) {
    const mark = c.backend === current ? ' (current)' : '';
    io.stdout.write(
      `${c.backend}${mark}\n  uploaded ${c.uploaded}  pending ${c.pending}  failed ${c.failed}  too large ${c.too_large}  invalid ${c.invalid}\n`,
    );
  }
  return EXIT.ok;
}
