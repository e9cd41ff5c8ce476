import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, assertBuilt } from '../helpers/spawn.js';

/**
 * What a command loads before it does anything: the built entry, the command's own chunk, and
 * every chunk or package they import statically (dynamic imports load only when a path needs them).
 */
function staticGraph(entry: string): Set<string> {
  const dir = dirname(DIST);
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.js')) return;
    const text = readFileSync(join(dir, file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:^|\n)import[^;]*?from\s*"([^"]+)"/g)) visit(spec!.startsWith('./') ? spec!.slice(2) : spec!);
    for (const [, spec] of text.matchAll(/(?:^|\n)import\s*"([^"]+)"/g)) visit(spec!.startsWith('./') ? spec!.slice(2) : spec!);
  };
  visit(entry);
  return seen;
}

function commandChunk(name: string): string {
  const cli = readFileSync(DIST, 'utf8');
  const chunk = new RegExp(`import\\("\\./(${name}-[A-Z0-9]+\\.js)"\\)`).exec(cli)?.[1];
  if (!chunk) throw new Error(`no chunk for ${name} in dist/cli.js`);
  return chunk;
}

// sql.js (opencode's database reader, a WASM build) loads only when a database is read; the
// secret rules only when something is redacted or scanned; the AWS SDK (every @aws-sdk/ package)
// only when an s3:// store is used.
const HEAVY = ['undici', 'chokidar', 'conf', 'zod', 'sql.js', '@secretlint/secretlint-rule-preset-recommend', '@aws-sdk'];

/** Whether the graph holds `pkg`, or, for a scope such as `@aws-sdk`, any package of it. */
function loads(graph: Set<string>, pkg: string): boolean {
  return [...graph].some((m) => m === pkg || m.startsWith(`${pkg}/`));
}

describe('start-up cost (DESIGN §4: lazy loading)', () => {
  beforeAll(assertBuilt);

  it('`traces --version` loads commander and nothing heavy', () => {
    const graph = staticGraph('cli.js');
    expect(graph.has('commander')).toBe(true);
    for (const pkg of HEAVY) expect(loads(graph, pkg), pkg).toBe(false);
  });

  it('`traces hook` loads no HTTP, watcher, spinner or schema module', () => {
    const graph = new Set([...staticGraph('cli.js'), ...staticGraph(commandChunk('hook'))]);
    for (const pkg of HEAVY) expect(loads(graph, pkg), pkg).toBe(false);
  });

  it('`traces upload` leaves undici to the first request', () => {
    const graph = new Set([...staticGraph('cli.js'), ...staticGraph(commandChunk('upload'))]);
    expect(graph.has('undici')).toBe(false);
    expect(loads(graph, '@aws-sdk')).toBe(false);
    expect(graph.has('zod')).toBe(true); // settings are validated
  });

  it('`traces serve` leaves the AWS SDK to an s3:// store', () => {
    const graph = new Set([...staticGraph('cli.js'), ...staticGraph(commandChunk('serve'))]);
    expect(loads(graph, '@aws-sdk')).toBe(false);
  });
});
