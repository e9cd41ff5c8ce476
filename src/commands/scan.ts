import { knownSecrets } from '../config/credentials.js';
import { exportRootOf } from '../core/agents/registry.js';
import { scanFile, type FileFinding } from '../core/redact/scan.js';
import { discoverSessions } from '../core/sessions/discover.js';
import { EXIT } from '../errors.js';
import { writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { agentsFor, loadContext, scanRoots } from './context.js';
import { settingsRedactor } from './redaction.js';
import type { ScanFlags } from './scan.def.js';

interface ScanJson {
  files: number;
  findings: { file: string; line: number; path: string; rule: string; preview: string }[];
  clean: boolean;
}

export async function scan(args: string[], flags: ScanFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  const secrets = knownSecrets(io.env);
  const logger = createLogger(io, { verbose: false, secrets });
  const redactor = await settingsRedactor(context.settings, io.env);
  let problems = 0;
  const candidates = await discoverSessions(args.length ? args : scanRoots(context), {
    required: args.length > 0,
    agents: agentsFor(context, args),
    exportRoot: exportRootOf(context.stateDir),
    onProblem: (file, reason) => {
      problems++;
      logger.warn(`${file}: ${reason}`);
    },
  });
  const findings: FileFinding[] = [];
  for (const candidate of candidates) {
    try {
      findings.push(...(await scanFile(candidate.path, redactor)));
    } catch (error) {
      problems++;
      logger.warn(`${candidate.path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  const exit = findings.length || problems ? EXIT.failed : EXIT.ok;
  if (flags.json) {
    const doc: ScanJson = {
      files: candidates.length,
      findings: findings.map((f) => ({ file: f.file, line: f.line, path: f.path, rule: f.ruleId, preview: f.preview })),
      clean: findings.length === 0,
    };
    writeJson(io, doc);
    return exit;
  }
  for (const f of findings) io.stdout.write(`${f.file}:${f.line}  ${f.path || '-'}  ${f.ruleId}  ${f.preview}\n`);
  const files = new Set(findings.map((f) => f.file)).size;
  io.stderr.write(
    findings.length
      ? `${findings.length} secret(s) in ${files} of ${candidates.length} file(s)\n`
      : `no secrets found in ${candidates.length} file(s)\n`,
  );
  return exit;
}
