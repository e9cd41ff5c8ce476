// The baseline of the events-push benchmark (issue 5): the least a Node process can do to send the
// same events to the same server. The events are already converted (bench/run.mjs takes them from
// what `traces serve` stored after an untimed `traces events push`), so this does no parsing of the
// session and no mapping: it starts the session (POST /v1/sessions) and POSTs the events in batches
// of 100, one after the other, over one keep-alive connection (node:http, nothing else), like
// `traces events push` does. bench/run.mjs times it next to `traces events push --force`.
//   node bench/events-post.mjs BASE_URL SESSION_JSON EVENTS_NDJSON
//   (token in TRACES_TOKEN; prints {"events": N, "batches": B} on stdout)
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [base, sessionFile, eventsFile] = process.argv.slice(2);
if (!base || !sessionFile || !eventsFile) {
  process.stderr.write('usage: node bench/events-post.mjs BASE_URL SESSION_JSON EVENTS_NDJSON\n');
  process.exit(2);
}
const BATCH = 100;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const headers = {
  'content-type': 'application/json',
  accept: 'application/json',
  authorization: `Bearer ${process.env.TRACES_TOKEN ?? ''}`,
};

function post(path, body) {
  const text = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'POST', agent, headers: { ...headers, 'content-length': String(text.length) } });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200)
          reject(new Error(`POST ${path}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`));
        else resolve();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

const session = JSON.parse(readFileSync(sessionFile, 'utf8'));
const events = readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const id = session.session_id;
try {
  await post('/v1/sessions', session);
  let batches = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    await post(`/v1/sessions/${encodeURIComponent(id)}/events/batch`, { events: events.slice(i, i + BATCH) });
    batches++;
  }
  process.stdout.write(`${JSON.stringify({ events: events.length, batches })}\n`);
} catch (error) {
  process.stderr.write(`events-post: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  agent.destroy();
}
