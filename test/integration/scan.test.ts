import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { nearMisses, PLACES, plantedSecrets, TRACES_TOKEN, uEscaped, USER_PATTERN } from '../helpers/secrets-corpus.js';

interface ScanDoc {
  files: number;
  findings: { file: string; line: number; path: string; rule: string; preview: string }[];
  clean: boolean;
}

describe('traces scan', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string | undefined>;
  let sessions: string;
  beforeEach(() => {
    tmp = tempDir();
    env = isolatedEnv(tmp.path, { TRACES_TOKEN });
    sessions = join(tmp.path, 'sessions');
    mkdirSync(sessions, { recursive: true });
  });
  afterEach(() => tmp.cleanup());

  /** One session holding every planted secret in every place (raw, then \u-escaped): its lines and what each holds. */
  function writeCorpusSession(): { file: string; expected: { line: number; rule: string; secret: string }[] } {
    const id = uuidFrom('scan:corpus');
    const lines: string[] = [];
    const expected: { line: number; rule: string; secret: string }[] = [];
    for (const planted of plantedSecrets()) {
      for (const build of Object.values(PLACES)) {
        const raw = JSON.stringify(build(planted.text));
        for (const line of [raw, uEscaped(raw, planted.secret)]) {
          lines.push(line);
          expected.push({ line: lines.length + 1, rule: planted.rule, secret: planted.secret });
        }
      }
    }
    lines.push(...nearMisses());
    return { file: writeSession(join(sessions, `${id}.jsonl`), header({ id }), lines), expected };
  }

  it('lists every planted secret with its line, path, rule and a masked preview, and exits 1', async () => {
    await runCli(['config', 'set', 'redact_patterns', USER_PATTERN], { env });
    const { file, expected } = writeCorpusSession();
    const r = await runCli(['scan', sessions, '--json'], { env });
    expect(r.code).toBe(1);
    const doc = r.json<ScanDoc>();
    expect(doc.files).toBe(1);
    expect(doc.clean).toBe(false);
    for (const want of expected) {
      const at = doc.findings.filter((f) => f.line === want.line);
      expect(
        at.map((f) => f.rule),
        `line ${want.line}`,
      ).toContain(want.rule);
      expect(at.every((f) => f.file === file)).toBe(true);
    }
    // Nothing on the near-miss lines after the planted ones.
    expect(Math.max(...doc.findings.map((f) => f.line))).toBe(expected.length + 1);
    for (const { secret } of expected) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
    expect(doc.findings.find((f) => f.rule === 'github')).toMatchObject({
      path: 'message.content[0].text',
      preview: expect.stringMatching(/^ghp_…\(40\)$/),
    });
  });

  it('prints one finding a line and a count, never the secret', async () => {
    const { file } = writeCorpusSession();
    const r = await runCli(['scan', file], { env });
    expect(r.code).toBe(1);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2  message\\.content\\[0\\]\\.text  github  ghp_…\\(40\\)$`),
    );
    expect(r.stderr).toMatch(/secret\(s\) in 1 of 1 file\(s\)/);
    for (const { secret } of plantedSecrets()) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('exits 0 on clean sessions, and the allow-list keeps a known string out of the findings', async () => {
    const id = uuidFrom('scan:clean');
    const [gh] = plantedSecrets();
    writeSession(join(sessions, `${id}.jsonl`), header({ id }), [...nearMisses(), JSON.stringify(PLACES['user prompt']!(gh!.text))]);
    expect((await runCli(['scan', sessions], { env })).code).toBe(1);
    expect((await runCli(['config', 'set', 'redact_allow', gh!.secret], { env })).code).toBe(0);
    const r = await runCli(['scan', sessions, '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.json<ScanDoc>()).toEqual({ files: 1, findings: [], clean: true });
  });

  it('scans the sessions dir when no PATH is named', async () => {
    writeCorpusSession();
    const r = await runCli(['scan', '--json'], { env: { ...env, TRACES_SESSIONS_DIR: sessions } });
    expect(r.code).toBe(1);
    expect(r.json<ScanDoc>().files).toBe(1);
  });

  it('refuses a pattern that is not a regular expression, naming it (exit 2)', async () => {
    const r = await runCli(['config', 'set', 'redact_patterns', 'good_[0-9]+\nbad_[0-9'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('redact_patterns: "bad_[0-9" is not a usable regular expression');
    const allow = await runCli(['config', 'set', 'redact_allow', 'a plain string\n/broken(/'], { env });
    expect(allow.code).toBe(2);
    expect(allow.stderr).toContain('"/broken(/" is not a usable regular expression');
  });

  it('names a settings file whose pattern does not compile (exit 2)', async () => {
    mkdirSync(join(tmp.path, 'config'), { recursive: true });
    writeFileSync(join(tmp.path, 'config', 'config.json'), JSON.stringify({ redact_patterns: '(' }));
    const r = await runCli(['scan', sessions], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('setting "redact_patterns" "(" is not a usable regular expression');
  });
});
