// One streamed PUT through undici, in the shape chosen on the command line, to compare undici's
// request paths with bench/node-put.mjs (node:http) on the same file:
//   node bench/undici-put.mjs FILE URL API BODY CHUNK_MIB HASH
//     API   request | stream | pipeline | dispatch
//     BODY  readable (an fs stream of the file) | iterable (an async generator of positional reads)
//           | from (Readable.from of that generator, what traces sent before)
//     HASH  none | inline | worker (sha256 of the body, as traces computes it)
// Prints the server's answer on stdout; exit 1 if the answer is not 200.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';

const [file, url, api, bodyKind, chunkMiB, hashKind] = process.argv.slice(2);
const target = new URL(url);
const handle = await open(file, 'r');
const length = (await handle.stat()).size;
const chunk = Number(chunkMiB) * 1024 * 1024;

async function* reads() {
  for (let position = 0; position < length;) {
    const buf = Buffer.allocUnsafe(Math.min(chunk, length - position));
    const { bytesRead } = await handle.read(buf, 0, buf.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
  }
}

const hash = createHash('sha256');
async function* hashed(source) {
  for await (const c of source) {
    hash.update(c);
    yield c;
  }
}
let digest = Promise.resolve('');
if (hashKind === 'worker') {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs'); const { createHash } = require('node:crypto');
const { fd, length } = workerData; const hash = createHash('sha256'); const buf = Buffer.allocUnsafe(1024 * 1024);
let position = 0; while (position < length) { const n = readSync(fd, buf, 0, Math.min(buf.length, length - position), position); if (n === 0) break; hash.update(buf.subarray(0, n)); position += n; }
parentPort.postMessage(hash.digest('hex'));`;
  digest = new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { fd: handle.fd, length } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

let body;
const raw = () => (bodyKind === 'readable' ? createReadStream(file, { highWaterMark: chunk }) : reads());
if (hashKind === 'inline') body = hashed(raw());
else body = raw();
if (bodyKind === 'from') body = Readable.from(body, { objectMode: false });
else if (bodyKind === 'readable' && hashKind === 'inline') body = Readable.from(body, { objectMode: false });

const pool = new Pool(target.origin, { connections: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
const options = {
  method: 'PUT',
  path: target.pathname,
  headers: {
    'content-type': 'application/x-ndjson',
    'content-length': String(length),
    authorization: `Bearer ${process.env.TRACES_TOKEN ?? ''}`,
    accept: 'application/json',
  },
  body,
};

let status;
let text;
if (api === 'request') {
  const res = await pool.request(options);
  status = res.statusCode;
  text = await res.body.text();
} else if (api === 'stream') {
  const parts = [];
  await pool.stream(options, ({ statusCode }) => {
    status = statusCode;
    return new Writable({
      write(c, _e, cb) {
        parts.push(c);
        cb();
      },
    });
  });
  text = Buffer.concat(parts).toString();
} else if (api === 'pipeline') {
  // pipeline takes its body from what is piped into it, not from options.body.
  const { body: src, ...rest } = options;
  const parts = [];
  await new Promise((resolve, reject) => {
    const duplex = pool.pipeline(rest, ({ statusCode, body: res }) => {
      status = statusCode;
      return res;
    });
    duplex
      .on('data', (c) => parts.push(c))
      .on('end', resolve)
      .on('error', reject);
    Readable.from(src, { objectMode: false }).on('error', reject).pipe(duplex);
  });
  text = Buffer.concat(parts).toString();
} else if (api === 'dispatch') {
  const parts = [];
  await new Promise((resolve, reject) => {
    pool.dispatch(options, {
      onConnect() {},
      onHeaders(code) {
        status = code;
        return true;
      },
      onData(c) {
        parts.push(c);
        return true;
      },
      onComplete() {
        resolve();
      },
      onError(e) {
        reject(e);
      },
    });
  });
  text = Buffer.concat(parts).toString();
} else throw new Error(`unknown api ${api}`);
await digest;
await pool.close();
await handle.close();
process.stdout.write(text);
process.exitCode = status === 200 ? 0 : 1;
