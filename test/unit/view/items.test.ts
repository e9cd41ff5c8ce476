import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { header, uuidFrom, writeSession } from '../../../fixtures/builder.mjs';
import type { ViewItem } from '../../../src/contracts/view.js';
import { readSessionFileView } from '../../../src/core/view/session.js';
import { cutText } from '../../../src/core/view/text.js';

const dir = mkdtempSync(join(tmpdir(), 'traces-view-items-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let clock = Date.parse('2026-11-01T10:00:00.000Z');
const entry = (id: string, parentId: string | null, rest: Record<string, unknown>) => ({
  ...rest,
  id,
  parentId,
  timestamp: new Date((clock += 1000)).toISOString(),
});
const user = (id: string, parent: string | null, text: string) =>
  entry(id, parent, { type: 'message', message: { role: 'user', content: text } });
const usage = { input: 100, output: 10, cacheRead: 0, cacheWrite: 0, totalTokens: 110, cost: { total: 0.001 } };
const assistant = (id: string, parent: string, content: unknown[], more: Record<string, unknown> = {}) =>
  entry(id, parent, { type: 'message', message: { role: 'assistant', model: 'm-1', content, usage, stopReason: 'stop', ...more } });
const result = (id: string, parent: string, callId: string, text: string, isError = false) =>
  entry(id, parent, {
    type: 'message',
    message: { role: 'toolResult', toolCallId: callId, toolName: 'read', content: [{ type: 'text', text }], isError },
  });

/**
 * u1 → a1 (calls c1) → r1 → a2, where the user went on twice: first u2 → a3 (an error), then back
 * to a2 with a branch summary, u3 → a4 (calls c2, which fails) → r2 → compaction → model change →
 * title → a5 → a result no call asked for → a bash command that failed. The session ended on the
 * second branch.
 */
function branchedSession(): string {
  const id = uuidFrom('view-items');
  return writeSession(join(dir, `${id}.jsonl`), header({ id }), [
    user('u1', null, 'Read the parser'),
    assistant('a1', 'u1', [
      { type: 'thinking', thinking: 'Look at parser.ts first' },
      { type: 'text', text: 'Reading it.' },
      { type: 'toolCall', id: 'c1', name: 'read', arguments: { path: 'src/parser.ts' } },
    ]),
    result('r1', 'a1', 'c1', 'export function parse() {}'),
    assistant('a2', 'r1', [{ type: 'text', text: 'It exports `parse`.' }]),
    user('u2', 'a2', 'Rewrite it'),
    assistant('a3', 'u2', [], { stopReason: 'error', errorMessage: 'overloaded' }),
    entry('bs', 'a2', { type: 'branch_summary', fromId: 'a3', summary: 'Tried a rewrite; the API was overloaded.' }),
    user('u3', 'bs', 'Just add a test'),
    assistant('a4', 'u3', [{ type: 'toolCall', id: 'c2', name: 'read', arguments: { path: 'test/parser.test.ts' } }]),
    result('r2', 'a4', 'c2', 'ENOENT: no such file', true),
    entry('cmp', 'r2', { type: 'compaction', summary: 'The user wants a parser test.', firstKeptEntryId: 'u3', tokensBefore: 5000 }),
    entry('mc', 'cmp', { type: 'model_change', provider: 'anthropic', modelId: 'm-2' }),
    entry('si', 'mc', { type: 'session_info', name: 'Parser test' }),
    assistant('a5', 'si', [{ type: 'text', text: 'Written.' }], { model: 'm-2' }),
    result('r9', 'a5', 'c-unknown', 'stray'),
    entry('b1', 'r9', { type: 'message', message: { role: 'bashExecution', command: 'npm test', output: '1 failing', exitCode: 2 } }),
  ]);
}

const byId = (items: ViewItem[]) => new Map(items.map((i) => [i.id, i]));

describe('the items of a session with branches and a compaction', () => {
  it('are the entries in file order, tool results folded into the calls they answer', async () => {
    const { items, facts } = await readSessionFileView(branchedSession(), { maxText: 10_000, items: true });
    expect(items.map((i) => `${i.id}:${i.type}`)).toEqual([
      'u1:user',
      'a1:assistant',
      'a2:assistant',
      'u2:user',
      'a3:assistant',
      'bs:branch_summary',
      'u3:user',
      'a4:assistant',
      'cmp:compaction',
      'mc:model_change',
      'si:title',
      'a5:assistant',
      'r9:tool',
      'b1:bash',
    ]);
    const at = byId(items);
    expect(at.get('a1')).toMatchObject({
      text: 'Reading it.',
      thinking: 'Look at parser.ts first',
      model: 'm-1',
      usage: { input: 100, output: 10, cache_read: 0, cache_write: 0, total: 110 },
      cost: 0.001,
      error: null,
      tools: [
        { id: 'c1', name: 'read', arguments: '{\n  "path": "src/parser.ts"\n}', result: 'export function parse() {}', is_error: false },
      ],
    });
    expect(at.get('a4')!.tools).toEqual([
      { id: 'c2', name: 'read', arguments: '{\n  "path": "test/parser.test.ts"\n}', result: 'ENOENT: no such file', is_error: true },
    ]);
    // A folded result's children hang from the item that shows it.
    expect(at.get('a2')!.parent_id).toBe('a1');
    expect(at.get('cmp')!.parent_id).toBe('a4');
    expect(at.get('cmp')!.text).toBe('The user wants a parser test.');
    expect(at.get('bs')!.text).toBe('Tried a rewrite; the API was overloaded.');
    expect(at.get('mc')!.model).toBe('m-2');
    expect(at.get('si')!.text).toBe('Parser test');
    expect(at.get('a3')!.error).toBe('overloaded');
    expect(at.get('r9')).toMatchObject({ error: null, tools: [{ id: 'c-unknown', result: 'stray', is_error: false }] });
    expect(at.get('b1')).toMatchObject({ text: '1 failing', error: 'exit code 2', tools: [{ name: 'bash', is_error: true }] });
    expect(JSON.parse(at.get('b1')!.tools[0]!.arguments)).toMatchObject({ command: 'npm test', exit_code: 2 });
    expect(facts).toMatchObject({ title: 'Parser test', model: 'm-2', messages: 8 });
    expect(facts.tokens.total).toBe(5 * 110);
  });

  it('mark the branch the session ended on, and where another branch leaves', async () => {
    const { items } = await readSessionFileView(branchedSession(), { maxText: 10_000, items: true });
    expect(items.filter((i) => !i.active).map((i) => i.id)).toEqual(['u2', 'a3']);
    expect(items.filter((i) => i.branches.length).map((i) => [i.id, i.branches])).toEqual([['a2', ['u2']]]);
  });
});

describe('hostile content', () => {
  it('comes back as text: NUL, ANSI escapes, markup, a lone surrogate, a 10 MB line (cut, and saying so)', async () => {
    const id = uuidFrom('view-hostile');
    const nasty = 'a\u0000b \u001b[31mred\u001b[0m <script>globalThis.pwned = 1</script> [x](javascript:alert(1)) &lt; \ud800 end';
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const path = writeSession(join(dir, `${id}.jsonl`), header({ id }), [
      user('h1', null, nasty),
      assistant('h2', 'h1', [
        { type: 'text', text: huge },
        { type: 'toolCall', id: 'c', name: 'write', arguments: { content: huge } },
      ]),
    ]);
    const { items } = await readSessionFileView(path, { maxText: 1000, items: true });
    expect(items[0]!.text).toBe(nasty);
    const cut = ` [cut: ${huge.length - 1000} more characters; the raw file has it whole]`;
    expect(items[1]!.text).toBe(`${'x'.repeat(1000)}…${cut}`);
    expect(items[1]!.tools[0]!.arguments.length).toBeLessThan(1200);
    expect(items[1]!.tools[0]!.arguments).toMatch(/the raw file has it whole\]$/);
    expect(JSON.parse(JSON.stringify(items))).toEqual(items);
  });

  it('a cut never splits a character', () => {
    expect(cutText('a😀b', 2)).toBe('a… [cut: 3 more characters; the raw file has it whole]');
    expect(cutText('short', 5)).toBe('short');
  });
});
