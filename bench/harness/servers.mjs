// The servers the cases upload to: the byte sink (bench/sink-server.mjs) and a real `traces serve`.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BENCH, BIN, NODE, ROOT, SERVER_START_TIMEOUT_MS, WORK, childEnv, tracesEnv } from './base.mjs';
import { startService, state } from './processes.mjs';

/** Starts bench/sink-server.mjs in its own process; resolves with its base URL. */
export function startServer() {
  return new Promise((resolve, reject) => {
    const server = spawn(NODE, [join(BENCH, 'sink-server.mjs')], { cwd: ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`sink server: no port after ${SERVER_START_TIMEOUT_MS / 1000} s`)),
      SERVER_START_TIMEOUT_MS,
    );
    state.server = server;
    server.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`sink server: ${e.message}`));
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!state.cleanedUp) reject(new Error(`sink server exited (${code ?? signal})`));
    });
    server.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
  });
}

export async function serverStats(base) {
  const res = await fetch(`${base}/__stats`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`sink server /__stats: ${res.status}`);
  return res.json();
}

/** A real `traces serve` on port 0, --no-auth, storing under `data`. */
export async function startServe(data) {
  const svc = await startService('traces serve', [BIN, 'serve', '--port', '0', '--data', data, '--no-auth'], {
    env: tracesEnv(join(WORK, 'state-serve')),
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    stream: 'stdout',
    timeoutMs: SERVER_START_TIMEOUT_MS,
  });
  svc.base = svc.match[1];
  return svc;
}

/** A loopback port nobody listens on: bound, then closed, so every connect is refused. */
export async function deadPort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
