import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entries as makeEntries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { toBatches } from '../../src/core/events/batch.js';
import { mapSessionEvents, type MappedEvent } from '../../src/core/events/map.js';
import { cutString } from '../../src/core/events/truncate.js';
import { scanEntryTree } from '../../src/core/sessions/entry-tree.js';
import { eventSchema } from '../../src/contracts/wire.js';
import { describeSession, Scope } from '../../src/core/agents/registry.js';
import type { SessionInfo } from '../../src/core/agents/types.js';

function infoOf(path: string): SessionInfo {
  const read = describeSession(path, ['prime'], new Scope());
  if (!read.ok) throw new Error(read.reason);
  return read.info;
}

const dir = mkdtempSync(join(tmpdir(), 'traces-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function mapFile(path: string, maxStringBytes = 256 * 1024): Promise<MappedEvent[]> {
  return mapSessionEvents(path, await scanEntryTree(path, infoOf(path)), 0, maxStringBytes);
}

/** Version 1 files have no `version` and no entry ids; version 2 has a version but still no ids. */
function withoutIds(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.map(({ id: _id, parentId: _p, ...rest }) => rest);
}

describe.each([
  ['v3 (entry ids)', 3, false],
  ['v2 (no entry ids)', 2, true],
  ['v1 (no version, no ids)', undefined, true],
])('the mapping of a %s session', (_name, version, stripIds) => {
  const id = uuidFrom(`map-${version}`);
  const path = join(dir, `${id}.jsonl`);
  const head = header({ id });
  if (version === undefined) delete (head as Record<string, unknown>).version;
  else (head as Record<string, unknown>).version = version;
  const lines = makeEntries(`map-${version}`, 2) as Record<string, unknown>[];
  writeSession(path, head, stripIds ? withoutIds(lines) : lines);

  it('makes a chain per turn, a model event per assistant message and a tool event per result', async () => {
    const events = (await mapFile(path)).map((m) => m.event);
    const types = events.map((e) => e.event_type).sort();
    expect(types).toEqual(['chain', 'chain', 'model', 'model', 'model', 'model', 'tool', 'tool']);
    for (const e of events) expect(eventSchema.safeParse(e).success).toBe(true);
  });

  it('links everything in a turn to its chain, and a tool to the model that called it', async () => {
    const events = (await mapFile(path)).map((m) => m.event);
    const chains = events.filter((e) => e.event_type === 'chain');
    const models = events.filter((e) => e.event_type === 'model');
    const tools = events.filter((e) => e.event_type === 'tool');
    expect(chains[0]).toMatchObject({
      event_name: 'turn',
      inputs: { content: [{ type: 'text', text: 'Question 0 for map-' + version }] },
      outputs: { content: 'Answer 0' },
    });
    expect(models[0]!.parent_id).toBe(chains[0]!.event_id);
    expect(tools[0]!.parent_id).toBe(models[0]!.event_id);
    expect(tools[0]).toMatchObject({ event_name: 'read', inputs: { path: 'src/file0.ts' }, error: null });
    expect(models[0]).toMatchObject({
      config: { model: 'claude-sonnet-4-5', provider: 'anthropic' },
      metrics: { input_tokens: 1200, output_tokens: 80, total_tokens: 1280, cost: 0.004 },
      outputs: { text: '', tool_calls: [{ name: 'read', arguments: { path: 'src/file0.ts' } }] },
    });
    // The second model call of a turn sees the tool result since the previous assistant message.
    expect((models[1]!.inputs.chat_history as { role: string }[]).map((m) => m.role)).toEqual(['toolResult']);
    expect(models[1]!.start_time).toBeLessThanOrEqual(models[1]!.end_time!);
    expect(models[1]!.duration).toBe(models[1]!.end_time! - models[1]!.start_time!);
  });

  it('gives the same ids on every run, all distinct', async () => {
    const a = (await mapFile(path)).map((m) => m.event.event_id);
    const b = (await mapFile(path)).map((m) => m.event.event_id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
  });
});

describe('details of the mapping', () => {
  it('marks errors: aborted model calls, failing tools, bash exit codes', async () => {
    const id = uuidFrom('errors');
    const path = join(dir, `${id}.jsonl`);
    writeSession(path, header({ id }), [
      { type: 'message', timestamp: '2026-01-01T00:00:00Z', message: { role: 'user', content: 'go' } },
      {
        type: 'message',
        timestamp: '2026-01-01T00:00:01Z',
        message: {
          role: 'assistant',
          model: 'm',
          content: [{ type: 'toolCall', id: 'c1', name: 'edit', arguments: { path: 'a' } }],
          stopReason: 'toolUse',
        },
      },
      {
        type: 'message',
        timestamp: '2026-01-01T00:00:02Z',
        message: {
          role: 'toolResult',
          toolCallId: 'c1',
          toolName: 'edit',
          content: [{ type: 'text', text: 'Could not find the text' }],
          isError: true,
        },
      },
      {
        type: 'message',
        timestamp: '2026-01-01T00:00:03Z',
        message: { role: 'assistant', model: 'm', content: [], stopReason: 'aborted', errorMessage: 'Request was aborted.' },
      },
      { type: 'message', timestamp: '2026-01-01T00:00:04Z', message: { role: 'bashExecution', command: 'false', output: '', exitCode: 1 } },
    ]);
    const events = (await mapFile(path)).map((m) => m.event);
    expect(events.find((e) => e.event_name === 'edit')!.error).toBe('Could not find the text');
    expect(events.filter((e) => e.event_type === 'model')[1]!.error).toBe('Request was aborted.');
    expect(events.find((e) => e.event_name === 'bash')).toMatchObject({
      error: 'exit code 1',
      inputs: { command: 'false' },
      outputs: { exit_code: 1 },
    });
  });

  it('leaves entries written after the tree was read to the next push', async () => {
    const id = uuidFrom('racing');
    const path = join(dir, `${id}.jsonl`);
    writeSession(path, header({ id }), makeEntries('racing', 1));
    const tree = await scanEntryTree(path, infoOf(path));
    appendFileSync(
      path,
      `${JSON.stringify({ type: 'message', id: 'late0001', parentId: null, timestamp: '2026-11-01T12:00:00.000Z', message: { role: 'assistant', content: [] } })}\n`,
    );
    const events = await mapSessionEvents(path, tree, 0, 1024);
    expect(events.map((e) => e.event.event_type).sort()).toEqual(['chain', 'model', 'model', 'tool']);
    expect(events.every((e) => e.line <= tree.lastLine)).toBe(true);
  });

  it('reads a version 1 compaction, which names its first kept entry by index', async () => {
    const id = uuidFrom('v1-compaction');
    const path = join(dir, `${id}.jsonl`);
    const head = header({ id }) as Record<string, unknown>;
    delete head.version;
    const lines = withoutIds(makeEntries('v1c', 2) as Record<string, unknown>[]);
    lines.push({ type: 'message', timestamp: '2026-11-01T10:59:00.000Z', message: { role: 'user', content: 'go on' } });
    // Index 9 = the tenth line (the header is index 0): the user message just written.
    lines.push({ type: 'compaction', timestamp: '2026-11-01T11:00:00.000Z', summary: 'so far', firstKeptEntryIndex: 9, tokensBefore: 900 });
    lines.push({
      type: 'message',
      timestamp: '2026-11-01T11:00:01.000Z',
      message: { role: 'assistant', model: 'm', content: [{ type: 'text', text: 'ok' }] },
    });
    writeSession(path, head, lines);
    const events = (await mapFile(path)).map((m) => m.event);
    expect(events.find((e) => e.event_name === 'compaction')).toMatchObject({
      inputs: { first_kept_entry: 'L10', tokens_before: 900 },
      outputs: { summary: 'so far' },
    });
    const last = events.filter((e) => e.event_type === 'model').at(-1)!;
    // The model saw the summary, then the kept message: no assistant message since the cut.
    expect(last.inputs.chat_history).toEqual([
      { role: 'compactionSummary', summary: 'so far', tokensBefore: 900 },
      { role: 'user', content: 'go on' },
    ]);
  });

  it('cuts long strings and says how much was cut', async () => {
    const id = uuidFrom('long');
    const path = join(dir, `${id}.jsonl`);
    writeSession(path, header({ id }), [
      { type: 'message', timestamp: '2026-01-01T00:00:00Z', message: { role: 'user', content: 'x'.repeat(5000) } },
    ]);
    const [chain] = (await mapFile(path, 1000)).map((m) => m.event);
    const content = chain!.inputs.content as string;
    expect(content.startsWith('x'.repeat(1000))).toBe(true);
    expect(content).toContain('[traces: cut 4000 of 5000 bytes]');
    expect(cutString('é'.repeat(10), 5)).toBe('éé…[traces: cut 16 of 20 bytes]');
  });

  it('batches at 100 events and at the byte limit', () => {
    const small = Array.from({ length: 250 }, (_, i) => ({ i }));
    expect(toBatches(small).map((b) => b.length)).toEqual([100, 100, 50]);
    const big = Array.from({ length: 5 }, () => ({ s: 'y'.repeat(400) }));
    expect(toBatches(big, { maxEvents: 100, maxBytes: 1000 }).map((b) => b.length)).toEqual([2, 2, 1]);
  });

  const real = join(process.cwd(), '..', 'shared', 'fixtures', 'real', 'large-session.jsonl');
  it.skipIf(!existsSync(real))('maps the real older sessions without errors', async () => {
    const events = (await mapFile(real)).map((m) => m.event);
    expect(events.length).toBeGreaterThan(900);
    expect(events.filter((e) => e.event_type === 'tool').length).toBeGreaterThanOrEqual(369);
    for (const e of events) expect(eventSchema.safeParse(e).success).toBe(true);
  });
});
