import { runSucceeded } from '../core/upload-results.js';
import { uploadTargetIn } from '../backend/connect.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendFromId, backendId, backendValue, chooseBackend, resolveBackend } from '../config/backend.js';
import { readUrlSettings } from '../config/settings-file.js';
import { sessionsDir, stateDir } from '../config/paths.js';
import { chooseAgents, parseAgents } from '../core/agents/choice.js';
import { primeRoots } from '../core/agents/prime.js';
import type { Logger } from '../core/logger.js';
import { Queue, type QueueEntry } from '../core/queue.js';
import { sessionWithSubAgents } from '../core/sessions/subtree.js';
import { AGENT_NAMES } from '../core/agents/types.js';
import { sessionInput } from './hook-input.js';
import { notRegular } from '../core/sessions/open-file.js';
import { EXIT, UsageError, describeError } from '../errors.js';
import { knownSecrets } from '../config/credentials.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { DEFAULTS } from '../util/defaults.js';
import type { HookFlags } from './hook.def.js';
import { createFileLogger } from '../output/file-log.js';
import type { Io } from '../output/io.js';
import { plural } from '../output/format.js';
import { hookLogFile, lastFailureFile, recordLastFailure } from '../core/worker-status.js';

/**
 * `traces hook`: record the session and its sub-agents in the durable queue, start a detached
 * worker, return 0 at once. Every problem goes to `<state>/hook.log`; only a missing session (a
 * broken hook setup) is a usage error. With --wait it uploads in the foreground instead.
 */
export async function hook(args: string[], flags: HookFlags, io: Io): Promise<number> {
  const state = stateDir(io.env);
  const log = createFileLogger(hookLogFile(state), {
    verbose: true,
    prefix: flags.worker ? `worker[${process.pid}]` : `hook[${process.pid}]`,
    secrets: knownSecrets(io.env),
  });
  if (flags.worker) return worker(flags, io, log);
  // The file named is read in any agent's format; an id is looked up in the chosen agents' homes.
  const agents = flags.agent?.length ? parseAgents(flags.agent, '--agent') : AGENT_NAMES;
  const file = await sessionInput(flags, args, chooseAgents(flags.agent, readUrlSettings(io.env).agents).scan, io);
  // A missing file is queued (the agent may still be writing it); a FIFO or device never will be a session.
  const notFile = notRegular(resolve(io.cwd, file));
  if (notFile) throw new UsageError(`${file}: ${notFile}`, "The hook records a session: name the agent's .jsonl file.");
  const files = sessionWithSubAgents(resolve(io.cwd, file), agents);
  if (flags.wait) return foreground(files, flags, io, log);
  try {
    // The backend is fixed now, from this hook's flags, env and settings (read without the schema),
    // so a session is never sent where the agent did not point it. One that cannot be resolved is
    // queued under the value as given: it stays queued (see `traces status`), it is not rerouted.
    const urls = readUrlSettings(io.env);
    let backendKey: string;
    let to: string | undefined;
    try {
      const backend = resolveBackend(flags.to, io.env, urls, { allowHttp: Boolean(flags.allowHttp), cwd: io.cwd });
      backendKey = backendId(backend);
      if (flags.to !== undefined) to = backend.kind === 'http' ? flags.to : backendValue(backend); // for --save/--events
    } catch (error) {
      backendKey = chooseBackend(flags.to, io.env, urls, 'upload').value;
      log.warn(`${describeError(error)}; the session stays queued for ${backendKey} until that is fixed`);
    }
    // The follow-ups' backends too: the worker may run with another environment or settings.
    const followUpTo = (operation: 'sessions' | 'events') => {
      try {
        const backend = resolveBackend(flags.to, io.env, urls, { allowHttp: Boolean(flags.allowHttp), cwd: io.cwd, operation });
        return backendValue(backend);
      } catch (error) {
        log.warn(`${describeError(error)}; the ${operation === 'sessions' ? 'metadata save' : 'event push'} will not run`);
        return undefined;
      }
    };
    const sessionsTo = flags.save ? followUpTo('sessions') : undefined;
    const eventsTo = flags.events ? followUpTo('events') : undefined;
    const entries = files.map((f) =>
      Queue.newEntry({
        file: f,
        backend: backendKey,
        to,
        sessionsTo,
        eventsTo,
        allowHttp: flags.allowHttp,
        maxBytes: flags.maxBytes,
        save: flags.save,
        events: flags.events,
        // The worker reads no flags of this hook: --no-redact travels with each session it queued.
        redact: flags.redact === false ? false : undefined,
      }),
    );
    await new Queue(state, { warn: (m) => log.warn(m) }).append(entries);
    if (!existsSync(files[0]!)) log.warn(`${files[0]}: no such file (queued anyway; the worker drops it if it never appears)`);
    log.debug(`queued ${plural(files.length, 'session')} for ${backendKey}: ${files.map((f) => basename(f)).join(', ')}`);
    startWorker(io, flags, log);
  } catch (error) {
    log.warn(`hook failed: ${describeError(error)}`);
    recordLastFailure(lastFailureFile(state), { at: new Date().toISOString(), by: 'hook', reason: describeError(error) });
  }
  return EXIT.ok;
}

/** --wait: the upload run (and --save / --events) in the foreground, with the upload's exit code. */
async function foreground(files: string[], flags: HookFlags, io: Io, log: Logger): Promise<number> {
  const [{ loadContext, requireCredential }, { runUpload }, { createLogger }, report, { redactorFor }] = await Promise.all([
    import('./context.js'),
    import('../core/upload-run.js'),
    import('../output/logger.js'),
    import('../output/upload-report.js'),
    import('./redaction.js'),
  ]);
  const context = await loadContext(io, flags);
  const credential = requireCredential(io, context.backend);
  const token = credential?.token;
  const started = performance.now();
  const result = await runUpload(
    {
      ...context,
      maxBytes: flags.maxBytes,
      credential,
      retries: DEFAULTS.retries,
      timeout: DEFAULTS.timeout,
      failFast: true,
      agentVersion: agentVersionFromEnv(io.env),
      redactor: await redactorFor(context.settings, io.env, flags),
    },
    files,
    {
      logger: createLogger(io, { verbose: false, secrets: [token] }),
      connect: uploadTargetIn(io.env),
      withQueued: true,
      onSession: (r) => {
        if (report.showsSession(r, { interactive: false, quiet: flags.quiet })) io.stderr.write(`${report.sessionLine(r)}\n`);
      },
    },
  );
  report.writeUploadEnd(io, result, {
    where: context.backend.kind === 'dir' ? context.backend.dir : backendId(context.backend),
    seconds: (performance.now() - started) / 1000,
    lookedIn: files.join(', '),
  });
  const code = runSucceeded(result) ? EXIT.ok : EXIT.failed;
  if (code === EXIT.ok && (flags.save || flags.events)) {
    const { saveAndPush } = await import('./follow-up.js');
    const to = flags.to === undefined || context.backend.kind === 'http' ? flags.to : backendValue(context.backend);
    await saveAndPush(
      io,
      { save: flags.save ? files : [], events: flags.events ? files : [] },
      { sessions: to, events: to, allowHttp: flags.allowHttp, redact: flags.redact },
      log,
    );
  }
  return code;
}

/** The detached worker: its own process group, no stdio, not waited for. */
function startWorker(io: Io, flags: HookFlags, log: Logger): void {
  const bin = [new URL('../bin/traces.js', import.meta.url), new URL('../../bin/traces.js', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p));
  if (!bin) {
    log.warn('cannot find bin/traces.js to start the worker; the queue waits for the next run');
    return;
  }
  const child = spawn(process.execPath, [bin, 'hook', '--worker', '--give-up-after', String(flags.giveUpAfter)], {
    detached: true,
    stdio: 'ignore',
    env: io.env,
    cwd: io.cwd,
  });
  child.on('error', (error) => log.warn(`worker did not start: ${error.message}`));
  child.unref();
}

/** `hook --worker`: drains the queue (core/drain.ts) with the upload and the follow-ups. */
async function worker(flags: HookFlags, io: Io, log: Logger): Promise<number> {
  const state = stateDir(io.env);
  const { runWorker } = await import('../core/drain.js');
  await runWorker(
    join(state, 'worker.lock'),
    {
      queue: new Queue(state, { warn: (m) => log.warn(m) }),
      logger: log,
      upload: (backend, entries) => uploadEntries(io, backend, entries, log),
      followUp: (_backend, entries) => followUp(io, entries, log),
    },
    { giveUpAfterMs: flags.giveUpAfter, lastFailureFile: lastFailureFile(state) },
  );
  return EXIT.ok;
}

async function uploadEntries(io: Io, backend: string, entries: QueueEntry[], log: Logger) {
  // A hook run with --no-redact queued its entries so: they are sent as they are, the others
  // as the `redact` setting says. One upload run per choice.
  const plain = entries.filter((e) => e.redact === false);
  const rest = entries.filter((e) => e.redact !== false);
  const sessions = [];
  if (plain.length) sessions.push(...(await uploadGroup(io, backend, plain, log, false)));
  if (rest.length) sessions.push(...(await uploadGroup(io, backend, rest, log, undefined)));
  return sessions;
}

async function uploadGroup(io: Io, backend: string, entries: QueueEntry[], log: Logger, redact: false | undefined) {
  const [{ runUpload }, { readSettings }, { requireCredential }, { redactorFor }] = await Promise.all([
    import('../core/upload-run.js'),
    import('../config/settings.js'),
    import('./context.js'),
    import('./redaction.js'),
  ]);
  const settings = readSettings(io.env);
  const sessions = sessionsDir(undefined, io.env, settings.sessions_dir);
  const spec = backendFromId(backend, io.cwd, Boolean(entries[0]?.allowHttp), { env: io.env, settings });
  const report = await runUpload(
    {
      settings,
      backend: spec,
      roots: primeRoots(sessions.dir),
      // Queued files were named by the hook: read in any agent's format.
      agents: { scan: [...AGENT_NAMES], paths: [...AGENT_NAMES] },
      stateDir: stateDir(io.env),
      credential: requireCredential(io, spec),
      maxBytes: entries[0]?.maxBytes,
      retries: DEFAULTS.retries,
      timeout: DEFAULTS.timeout,
      failFast: true,
      agentVersion: agentVersionFromEnv(io.env),
      redactor: await redactorFor(settings, io.env, { redact }),
    },
    [...new Set(entries.map((e) => e.file))],
    { logger: log, connect: uploadTargetIn(io.env) },
  );
  for (const s of report.sessions) log.debug(`${s.status} ${s.session_id ?? '-'} ${s.file}${s.error ? `: ${s.error}` : ''}`);
  return report.sessions;
}

/** The follow-ups of the entries uploaded, in one run per redaction choice the hooks queued them with. */
async function followUp(io: Io, entries: QueueEntry[], log: Logger): Promise<Set<string>> {
  const { saveAndPush } = await import('./follow-up.js');
  const unfinished = new Set<string>();
  for (const redact of [undefined, false]) {
    const group = entries.filter((e) => (e.redact === false ? false : undefined) === redact);
    if (group.length === 0) continue;
    const files = { save: group.filter((e) => e.save).map((e) => e.file), events: group.filter((e) => e.events).map((e) => e.file) };
    const first = group[0];
    const to = { sessions: first?.sessionsTo ?? first?.to, events: first?.eventsTo ?? first?.to, allowHttp: first?.allowHttp, redact };
    for (const file of await saveAndPush(io, files, to, log)) unfinished.add(file);
  }
  return unfinished;
}
