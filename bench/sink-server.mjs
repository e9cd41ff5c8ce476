// A byte sink speaking just enough of DESIGN §2.1 for the benchmark: PUT
// /api/v1/agent-traces/sessions/:id reads the body, counts its bytes (no hashing, no disk) and
// answers 200 {session_id, trace_id, bytes_stored, key}. GET /__stats gives the totals so far.
// Listens on 127.0.0.1, port 0, and prints the port on stdout. Runs in its own process (started by
// bench/run.mjs) so that its CPU is never counted in the client's figures; it exits when its
// stdin closes, so it cannot outlive the benchmark.
import { createServer } from 'node:http';

const PREFIX = '/api/v1/agent-traces/sessions/';
const stats = { requests: 0, bytes: 0, errors: 0 };

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'GET' && path === '/__stats') return reply(res, 200, stats);
  if (req.method !== 'PUT' || !path.startsWith(PREFIX) || path.length === PREFIX.length) {
    req.resume();
    return reply(res, 404, { detail: `no route for ${req.method} ${path}` });
  }
  const id = decodeURIComponent(path.slice(PREFIX.length));
  let bytes = 0;
  req.on('data', (chunk) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const expected = req.headers['content-length'];
    if (expected !== undefined && Number(expected) !== bytes) {
      stats.errors++;
      return reply(res, 400, { detail: `Content-Length ${expected} but ${bytes} bytes received` });
    }
    stats.requests++;
    stats.bytes += bytes;
    const traceId = typeof req.headers['x-trace-id'] === 'string' ? req.headers['x-trace-id'] : id;
    reply(res, 200, { session_id: id, trace_id: traceId, bytes_stored: bytes, key: `sessions/${traceId}/${id}.jsonl` });
  });
  req.on('error', () => {
    stats.errors++;
  });
});
server.keepAliveTimeout = 10_000;
server.requestTimeout = 0; // a 512 MiB body on a slow machine may take longer than the default 5 min

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
