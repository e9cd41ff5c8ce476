import { Writable } from 'node:stream';
import type { Logger } from '../core/logger.js';
import type { Io } from '../output/io.js';
import { NET_DEFAULTS } from './options.js';

/**
 * --save and --events of `hook` and `watch`: the metadata save and the event push for sessions
 * just uploaded, run as their own commands with their output discarded and their outcome logged.
 */
export async function saveAndPush(
  io: Io,
  files: { save: string[]; events: string[] },
  backend: { to?: string; allowHttp?: boolean },
  log: Logger,
): Promise<void> {
  const net = { ...backend, ...NET_DEFAULTS, json: true };
  const quiet = { ...io, stdout: discard(), stderr: discard() };
  if (files.save.length) {
    const { save } = await import('./sessions.js');
    const code = await save(files.save, net, quiet).catch((error: Error) => `error: ${error.message}`);
    log.debug(`metadata save of ${files.save.length} session(s): exit ${code}`);
  }
  if (files.events.length) {
    const { push } = await import('./events.js');
    const code = await push(files.events, net, quiet).catch((error: Error) => `error: ${error.message}`);
    log.debug(`event push of ${files.events.length} session(s): exit ${code}`);
  }
}

function discard(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
