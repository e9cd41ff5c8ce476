import { parseBackend } from '../config/backend.js';
import { homeDir } from '../config/paths.js';
import { readSettings } from '../config/settings.js';
import { openCopyEnds, planCopy, runCopy, type CopyResult } from '../backend/store-copy.js';
import { backendId } from '../contracts/backend-id.js';
import { EXIT, SIGNAL_EXIT } from '../errors.js';
import { formatMiB, plural } from '../output/format.js';
import { writeJson, type Io } from '../output/io.js';
import { createProgress } from '../output/progress.js';
import { interruption } from '../util/signals.js';
import type { CopyFlags } from './store.def.js';

/** `traces store copy <from> <to>`: every key of one store written to the same key of the other, only what changed. */
export async function copy(args: string[], flags: CopyFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const options = { allowHttp: true, cwd: io.cwd, home: homeDir(io.env), env: io.env, settings: readSettings(io.env) };
  const from = parseBackend(args[0]!, '<from>', options);
  const to = parseBackend(args[1]!, '<to>', options);
  const ends = await openCopyEnds(from, to, { env: io.env, retries: flags.retries, timeoutMs: flags.timeout });
  const [fromName, toName] = [from, to].map((end) => (end.kind === 'dir' ? end.dir : backendId(end)));
  try {
    const plan = await planCopy(ends.from, ends.to);
    const bytes = plan.copy.reduce((n, k) => n + k.size, 0);
    if (plan.copy.length === 0 && plan.skipped === 0) {
      if (flags.json) writeJson(io, { copied: 0, skipped: 0, bytes: 0, failed: [], pending: [] });
      io.stderr.write(`nothing to copy: ${fromName} holds no keys\n`);
      return EXIT.ok;
    }
    if (flags.dryRun) {
      if (flags.json)
        writeJson(io, { dry_run: true, would_copy: plan.copy.map(({ key, size }) => ({ key, size })), skipped: plan.skipped, bytes });
      else for (const key of plan.copy) io.stdout.write(`${key.key}  ${formatMiB(key.size)}\n`);
      io.stderr.write(
        `would copy ${plural(plan.copy.length, 'key')} (${formatMiB(bytes)}) to ${toName}, skipped ${plan.skipped} unchanged\n`,
      );
      return EXIT.ok;
    }
    const progress = createProgress(io, { label: 'Copying', json: flags.json, quiet: flags.quiet || flags.verbose, color: flags.color });
    const counts = { done: 0, total: plan.copy.length, failed: 0, bytes: 0, totalBytes: bytes };
    progress.update(counts);
    const stop = interruption(signals);
    let result: CopyResult;
    try {
      result = await runCopy(ends.from, ends.to, plan, {
        concurrency: flags.concurrency,
        signal: stop.signal,
        onKey: (key, outcome) => {
          Object.assign(counts, { done: counts.done + 1, bytes: counts.bytes + key.size, failed: counts.failed + (outcome.error ? 1 : 0) });
          progress.update(counts);
          if (flags.json) return;
          if (outcome.error) progress.line(`failed  ${key.key}  ${outcome.error}`);
          else if (flags.verbose) progress.line(`copied  ${key.key}  ${formatMiB(key.size)}`);
        },
      });
    } finally {
      stop.dispose();
      progress.stop();
    }
    const by = stop.by();
    if (flags.json) writeJson(io, { ...result, ...(by ? { interrupted: true } : {}) });
    io.stderr.write(`${summary(result)}${by ? '; stopped: run the same command again to finish' : ''}\n`);
    if (by) return SIGNAL_EXIT[by];
    return result.failed.length || result.pending.length ? EXIT.failed : EXIT.ok;
  } finally {
    ends.close();
  }
}

function summary(r: CopyResult): string {
  const parts = [`copied ${plural(r.copied, 'key')} (${formatMiB(r.bytes)})`, `skipped ${r.skipped} unchanged`];
  if (r.failed.length) parts.push(`${r.failed.length} failed`);
  if (r.pending.length) parts.push(`${r.pending.length} not attempted`);
  return parts.join(', ');
}
