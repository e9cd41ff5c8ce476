import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { Redactor } from '../../src/core/redact/redactor.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { plantedSecrets, TRACES_TOKEN } from '../helpers/secrets-corpus.js';
import { storeText } from '../helpers/store-text.js';

/** Where secrets hid from the first redactor: half-written lines, cut strings, structured headers. */
let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
const secret = (rule: string) => plantedSecrets().find((p) => p.rule === rule)!.secret;
const github = () => secret('github');
const pem = () => secret('privatekey');

beforeEach(() => {
  tmp = tempDir();
  env = isolatedEnv(tmp.path, { TRACES_TOKEN });
});
afterEach(() => tmp.cleanup());

describe('redaction at the edges', () => {
  it('a line that is not JSON still has the secrets in its strings found (after a \\n escape), in upload and scan', async () => {
    const torn = `{"type":"message","message":{"role":"user","content":"see\\n${github()}"},"timestamp":"2026-11-01T10:00:02.0`;
    expect(new Redactor().redactLine(torn).text).not.toContain(github());
    const id = uuidFrom('edges:torn');
    const file = writeSession(join(tmp.path, 'sessions', `${id}.jsonl`), header({ id }), [
      `${torn}{"type":"label","id":"a1","parentId":null,"timestamp":"t"}`,
      '{"type":"label","id":"a2","parentId":null,"timestamp":"t"}',
    ]);
    const scan = await runCli(['scan', file, '--json'], { env });
    expect(scan.code).toBe(1);
    expect(scan.json().findings.map((f: any) => f.rule)).toContain('github');
    const store = join(tmp.path, 'store');
    await runCli(['upload', file, '--to', store], { env });
    expect(storeText(store)).not.toContain(github());
  });

  it('events push redacts before it cuts long strings: no half of a key is sent', async () => {
    const id = uuidFrom('edges:cut');
    const long = `${'x'.repeat(900)}\n${pem()}\n`;
    const file = writeSession(join(tmp.path, 'sessions', `${id}.jsonl`), header({ id }), [
      JSON.stringify({
        type: 'message',
        id: 'b1',
        parentId: null,
        timestamp: '2026-11-01T10:00:01Z',
        message: { role: 'user', content: 'go' },
      }),
      JSON.stringify({
        type: 'message',
        id: 'b2',
        parentId: 'b1',
        timestamp: '2026-11-01T10:00:02Z',
        message: { role: 'assistant', content: [{ type: 'text', text: long }], model: 'm', usage: {}, stopReason: 'stop' },
      }),
    ]);
    const store = join(tmp.path, 'store');
    const push = await runCli(['events', 'push', file, '--to', store, '--max-string', '1K'], { env });
    expect(push.code, push.stderr).toBe(0);
    const text = storeText(join(store, 'events'));
    const firstBodyLine = pem().split('\n')[1]!;
    expect(text).not.toContain(firstBodyLine.slice(0, 20));
  });

  it('a structured Authorization header (Basic or a raw token) is redacted like the text one', () => {
    const basic = 'ZGVwbG95Omh1bnRlcjJodW50ZXIy';
    const line = JSON.stringify({ headers: { Authorization: `Basic ${basic}`, 'Proxy-Authorization': 'tok_4f9a8b7c6d5e4f3a2b1c' } });
    const out = new Redactor().redactLine(line);
    expect(out.text).not.toContain(basic);
    expect(out.text).not.toContain('tok_4f9a8b7c6d5e4f3a2b1c');
    expect(JSON.parse(out.text)).toHaveProperty('headers.Authorization');
  });
});
