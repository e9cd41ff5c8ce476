import { lintSource } from '@secretlint/core';
import { creator as preset } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact/redactor.js';
import { presetRuleSet, untriggeredPresetRules } from '../../src/core/redact/preset.js';
import { nearMisses, PLACES, plantedSecrets, TRACES_TOKEN, uEscaped, USER_PATTERN } from '../helpers/secrets-corpus.js';

const redactor = new Redactor({ patterns: [USER_PATTERN], extraSecrets: [TRACES_TOKEN] });

/** The line's structure: every string replaced by '' (numbers, keys, nesting kept). */
function shape(value: unknown): unknown {
  if (typeof value === 'string') return '';
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value;
}

describe('the redactor over the secrets corpus', () => {
  const cases = plantedSecrets().flatMap((planted) =>
    Object.entries(PLACES).flatMap(([place, build]) => {
      const raw = JSON.stringify(build(planted.text));
      return [
        { name: `${planted.rule} in ${place}, raw`, planted, line: raw },
        { name: `${planted.rule} in ${place}, \\u-escaped`, planted, line: uEscaped(raw, planted.secret) },
      ];
    }),
  );

  it.each(cases)('$name: redacted, reported, and the line keeps its structure', ({ planted, line }) => {
    const { text, findings } = redactor.redactLine(line);
    expect(findings.map((f) => f.ruleId)).toContain(planted.rule);
    expect(text).not.toContain(planted.secret);
    const decoded = JSON.parse(text) as unknown;
    expect(JSON.stringify(decoded)).not.toContain(planted.secret);
    expect(JSON.stringify(decoded)).toContain(`[REDACTED:${planted.rule}]`);
    expect(shape(decoded)).toEqual(shape(JSON.parse(line)));
    for (const finding of findings) {
      expect(planted.secret).not.toContain(finding.preview.replace(/…\(\d+\)$/, '').padEnd(5, '\u0000'));
      expect(JSON.stringify(finding)).not.toContain(planted.secret);
    }
  });

  it('reports the JSON path of the string that held a secret', () => {
    const secret = plantedSecrets()[0]!.secret;
    const { findings } = redactor.redactLine(JSON.stringify(PLACES['tool arguments']!(secret)));
    expect(findings).toEqual([
      { path: 'message.content[0].arguments.command', ruleId: 'github', preview: `${secret.slice(0, 4)}…(${secret.length})` },
    ]);
  });

  it.each(nearMisses())('leaves a near-miss byte-identical: %s', (line) => {
    const out = redactor.redactLine(line);
    expect(out.findings).toEqual([]);
    expect(out.text).toBe(line);
  });

  it('rewrites only the literal that held the secret: numbers, spacing and other escapes stay as written', () => {
    const secret = plantedSecrets()[0]!.secret;
    const line = `{"n": 1.50, "big": 123456789012345678901234567890, "a": "caf\\u00e9", "t": "x ${secret}"}`;
    expect(redactor.redactLine(line).text).toBe(
      `{"n": 1.50, "big": 123456789012345678901234567890, "a": "caf\\u00e9", "t": "x [REDACTED:github]"}`,
    );
  });

  it('redacts a secret used as a member name, and does not show it in the path', () => {
    const secret = plantedSecrets()[0]!.secret;
    const { text, findings } = redactor.redactLine(JSON.stringify({ tokens: { [secret]: 'repo' } }));
    expect(text).toBe('{"tokens":{"[REDACTED:github]":"repo"}}');
    expect(findings[0]!.path).toBe('tokens.[REDACTED]');
  });

  it('redacts a JSON field named like a secret, whatever its value looks like', () => {
    const line = JSON.stringify({
      config: { db_password: 'correct horse', clientSecret: 'abcd-1234', sort_key: 'name', api_key: '$API_KEY' },
    });
    const { text, findings } = redactor.redactLine(line);
    expect(JSON.parse(text)).toEqual({
      config: { db_password: '[REDACTED:secret-field]', clientSecret: '[REDACTED:secret-field]', sort_key: 'name', api_key: '$API_KEY' },
    });
    expect(findings.map((f) => f.path)).toEqual(['config.db_password', 'config.clientSecret']);
  });

  it('redacts a line that is not JSON as text', () => {
    const secret = plantedSecrets()[0]!.secret;
    expect(redactor.redactLine(`{"torn": "line ${secret}`)).toEqual({
      text: '{"torn": "line [REDACTED:github]',
      findings: [{ path: '', ruleId: 'github', preview: `${secret.slice(0, 4)}…(40)` }],
    });
  });

  it('keeps what the allow-list names, exactly or by regular expression', () => {
    const [gh, fine] = plantedSecrets();
    const allowing = new Redactor({ allow: [gh!.secret, '/^github_pat_/'] });
    const line = JSON.stringify({ a: gh!.text, b: fine!.text });
    expect(allowing.redactLine(line)).toEqual({ text: line, findings: [] });
  });

  it('returns a clean line as the same string', () => {
    const line = JSON.stringify(PLACES['assistant text']!('All tests pass; nothing else to change.'));
    expect(redactor.redactLine(line).text).toBe(line);
  });

  it('gives every rule of the preset a trigger of its own', () => {
    expect(untriggeredPresetRules()).toEqual([]);
  });
});

describe('the preset driven synchronously', () => {
  const driven = presetRuleSet();
  it.each(plantedSecrets().filter((p) => driven.some((rule) => rule.id === p.rule)))(
    '$rule: finds what secretlint itself finds in "$text"',
    async ({ text, secret }) => {
      const result = await lintSource({
        source: { content: text, filePath: '/corpus/session.txt', ext: '.txt', contentType: 'text' },
        options: {
          config: {
            rules: [
              { id: preset.meta.id, rule: preset, rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }] },
            ],
          },
        },
      });
      const engine = new Set(result.messages.map((m) => m.ruleId.replace('@secretlint/secretlint-rule-', '')));
      const ours = new Set(driven.flatMap((rule) => (rule.find(text).length ? [rule.id] : [])));
      expect(engine.size).toBeGreaterThan(0);
      expect(ours).toEqual(engine);
      // What the driver cuts out holds the whole secret (secretlint's own ranges do not always).
      const spans = driven.flatMap((rule) => rule.find(text));
      expect(spans.some(([start, end]) => text.slice(start, end).includes(secret))).toBe(true);
    },
  );
});
