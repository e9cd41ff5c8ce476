import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSessionsApi } from '../backend/connect.js';
import { PATCH_ID, patchIdOf, type SessionPatch } from '../contracts/wire.js';
import { saveSessions, type SaveOverrides, type SaveResult } from '../core/save.js';
import { discoverSessions } from '../core/sessions/discover.js';
import { findSessionFile, sessionFiles } from '../core/sessions/find.js';
import { AGENT_NAMES, describeSession, exportRootOf, Scope } from '../core/agents/registry.js';
import { notRegular } from '../core/sessions/open-file.js';
import { EXIT, TracesError, UsageError } from '../errors.js';
import { backendId } from '../config/backend.js';
import { countStatuses, plural } from '../output/format.js';
import { unreachableLine } from '../output/upload-report.js';
import { writeJson, type Io } from '../output/io.js';
import { flagOrSetting } from '../util/defaults.js';
import { connectApi, scanRoots } from './context.js';
import { redactionChoice, redactionLine, redactorFor } from './redaction.js';
import { redactValue } from '../core/redact/value.js';
import { dryRunCredential } from './dry-run.js';
import type { PatchFlags, SaveFlags } from './sessions.def.js';
import { asText } from '../util/text.js';

export function parseLabels(pairs: string[] = []): Record<string, string[]> {
  const labels: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label ${pair}: expected key=value`);
    (labels[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return labels;
}

export async function save(args: string[], flags: SaveFlags, io: Io): Promise<number> {
  if (!flags.all && args.length === 0) throw new UsageError('name the sessions to save (files or ids), or pass --all');
  const { context, api, logger } = await connectApi(io, flags, 'sessions', createSessionsApi, { offline: Boolean(flags.dryRun) });
  if (flags.dryRun) dryRunCredential(io, context.backend, 'sessions');
  const org = flags.org ?? context.settings.org;
  const workspace = flags.workspace ?? context.settings.workspace;
  const missing = [!org && '--org', !workspace && '--workspace'].filter(Boolean);
  if (missing.length && !flags.dryRun) {
    throw new UsageError(
      `a metadata save needs ${missing.join(' and ')}`,
      'Pass them, or set them once: `traces config set org SLUG`, `traces config set workspace SLUG`.',
    );
  }
  // A store that cannot be read is named, and the run ends with exit 1 whatever else was saved.
  let unreadable = 0;
  const onProblem = (file: string, reason: string) => {
    unreadable++;
    logger.warn(`${file}: ${reason}`);
  };
  const exportRoot = exportRootOf(context.stateDir);
  // An id is looked up; a path is read as found: a file is saved (or said not to be a session), a
  // folder or an agent's store (opencode's database) gives the sessions in it.
  const named = async (arg: string): Promise<string[]> => {
    if (!existsSync(arg)) return [await findSessionFile(arg, context.roots, context.agents.paths, exportRoot)];
    const found = await discoverSessions([arg], { required: true, agents: context.agents.paths, exportRoot, onProblem });
    if (found.length === 1 && found[0]!.path === resolve(arg)) return [found[0]!.path];
    return sessionFiles(found, context.agents.paths);
  };
  const files = flags.all
    ? sessionFiles(
        await discoverSessions(scanRoots(context), { required: false, agents: context.agents.scan, exportRoot, onProblem }),
        context.agents.scan,
      )
    : (await Promise.all(args.map(named))).flat();
  const overrides: SaveOverrides = {
    model: flags.model,
    title: flags.title,
    labels: parseLabels(flags.label),
    origin: flags.origin,
    visibility: flags.visibility,
    project_id: flags.projectId,
    runtime_id: flags.runtimeId,
  };
  const line = (r: SaveResult) => `${r.status.padEnd(6)}  ${r.session_id ?? '-'}  ${r.error ?? r.file}\n`;
  try {
    const { sessions: results, unreachable } = await saveSessions(
      files,
      {
        org: org ?? '',
        workspace: workspace ?? '',
        overrides,
        dryRun: Boolean(flags.dryRun),
        concurrency: flagOrSetting(flags.concurrency, context.settings, 'concurrency'),
        agents: flags.all ? context.agents.scan : context.agents.paths,
        redactor: await redactorFor(context.settings, io.env, flags),
      },
      api,
      // Each outcome as it comes; not-attempted ones are summed up in one line at the end.
      // With --quiet only the failures, then the summary.
      flags.json || flags.dryRun
        ? undefined
        : (r) => r.status !== 'pending' && (!flags.quiet || r.status === 'failed') && io.stderr.write(line(r)),
    );
    const counts = countStatuses(results, ['saved', 'exists', 'failed', 'pending'] as const);
    const failed = counts.failed;
    // For people, with --json too (stderr), as for any error that stops a run.
    if (unreachable) io.stderr.write(`${unreachableLine(backendId(context.backend), unreachable, failed + counts.pending)}\n`);
    const redaction = redactionChoice(flags, context.settings);
    if (flags.json) {
      writeJson(io, {
        ...counts,
        ...(flags.dryRun ? { redact: redaction.on } : {}),
        unreachable,
        sessions: results.map((r) => ({ ...r.session, file: r.file, session_id: r.session_id, status: r.status, error: r.error })),
      });
    } else if (flags.dryRun) {
      for (const r of results) {
        if (r.status === 'pending') io.stdout.write(`${r.file}\n${JSON.stringify(r.session, null, 2)}\n`);
        else io.stderr.write(line(r));
      }
      io.stderr.write(`dry run: ${redactionLine(redaction)}\n`);
      io.stderr.write(`dry run: ${plural(results.length - failed, 'body', 'bodies')} shown, nothing sent\n`);
    } else {
      const notAttempted = counts.pending ? `, ${counts.pending} not attempted` : '';
      io.stderr.write(`${plural(counts.saved, 'session')} saved, ${counts.exists} already there, ${failed} failed${notAttempted}\n`);
    }
    return failed || unreachable || unreadable ? EXIT.failed : EXIT.ok;
  } finally {
    await api.close();
  }
}

/** ID may be `session_<32 hex>`, a UUID, or a session file; anything else is refused before a request. */
export function patchTarget(arg: string): string {
  if (PATCH_ID.test(arg)) return arg;
  const fromUuid = patchIdOf(arg);
  if (fromUuid && /^[0-9a-f-]{36}$/i.test(arg)) return fromUuid;
  const notFile = notRegular(arg);
  if (notFile) throw new UsageError(`${arg}: ${notFile}`);
  if (existsSync(arg)) {
    const read = describeSession(arg, AGENT_NAMES, new Scope());
    if (!read.ok) throw new UsageError(`${arg}: not a session file: ${read.reason}`);
    const id = patchIdOf(read.info.id);
    if (!id) throw new UsageError(`${arg}: session id "${read.info.id}" is not a UUID, so it has no session_<32 hex> form`);
    return id;
  }
  throw new UsageError(`"${arg}" is not a session id (session_<32 hex> or a UUID) nor a session file`);
}

export async function patch(args: string[], flags: PatchFlags, io: Io): Promise<number> {
  const id = patchTarget(args[0]!);
  if (flags.title !== undefined && flags.clearTitle) throw new UsageError('--title and --clear-title contradict each other');
  if (flags.tag?.length && flags.clearTags) throw new UsageError('--tag and --clear-tags contradict each other');
  const change: SessionPatch = {};
  if (flags.title !== undefined) change.title = flags.title;
  if (flags.clearTitle) change.title = null;
  if (flags.tag?.length) change.tags = flags.tag;
  if (flags.clearTags) change.tags = null;
  if (Object.keys(change).length === 0) throw new UsageError('nothing to change: give --title, --clear-title, --tag or --clear-tags');
  const { context, api } = await connectApi(io, flags, 'sessions', createSessionsApi);
  try {
    let session: Record<string, unknown>;
    try {
      session = await api.patch(id, redactValue(change, await redactorFor(context.settings, io.env, flags)));
    } catch (error) {
      if (!flags.json || !(error instanceof TracesError)) throw error;
      writeJson(io, { id, status: 'failed', error: error.message });
      return error.exitCode;
    }
    if (flags.json) {
      writeJson(io, { ...session, status: 'patched' });
    } else {
      const usage = (session.usage ?? {}) as Record<string, unknown>;
      io.stdout.write(
        [
          `${asText(session.id, id)}  ${asText(session.status)}`,
          `  title: ${asText(session.title, '(none)')}`,
          `  tags:  ${Array.isArray(session.tags) && session.tags.length ? session.tags.join(', ') : '(none)'}`,
          `  usage: ${['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens'].map((k) => `${k.replace('_tokens', '')} ${asText(usage[k], '0')}`).join(', ')}`,
          '',
        ].join('\n'),
      );
    }
    return EXIT.ok;
  } finally {
    await api.close();
  }
}
