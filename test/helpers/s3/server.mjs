#!/usr/bin/env node
// The test suite's own S3-compatible server: s3rver, plus a small HTTP layer in front of it that
// adds what s3rver 3.7.1 lacks and AWS S3 has: conditional writes (If-None-Match: *, If-Match) on
// PutObject, CopyObject and CompleteMultipartUpload, AbortMultipartUpload, and whole-object writes
// (s3rver writes an object's file in place, so a PUT cut off midway would leave half a body; S3
// stores nothing of it).
//
//   node --openssl-legacy-provider test/helpers/s3/server.mjs [--dir DIR]
//
// Prints {"endpoint": <the layer>, "raw": <s3rver alone, without conditional writes>} on stdout
// once both listen; exits on SIGTERM, SIGINT or when stdin closes, so it never outlives its parent.
// s3rver continues a truncated listing with a token it encrypts with single DES: without the legacy
// OpenSSL provider, every listing with more keys than MaxKeys answers 500.
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream';
import { parseArgs } from 'node:util';
import S3rver from 's3rver';

try {
  createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
} catch {
  process.stderr.write('s3 test server: single DES is unavailable: run node with --openssl-legacy-provider\n');
  process.exit(2);
}

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const directory = values.dir ?? mkdtempSync(join(tmpdir(), 'traces-s3-'));

const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const raw = await s3rver.run();
const store = s3rver.store;
const upstream = new http.Agent({ keepAlive: true });
/** Where PUT bodies land first (a bucket of the layer's own, so listings never show them). */
const STAGING = 'layer-staging';
await store.putBucket(STAGING);

/** Requests to one key run one at a time, so that a precondition and the write it guards are atomic. */
const queues = new Map();
function serialize(id, work) {
  const previous = queues.get(id) ?? Promise.resolve();
  const current = previous.then(work, work);
  queues.set(id, current);
  const forget = () => {
    if (queues.get(id) === current) queues.delete(id);
  };
  current.then(forget, forget);
  return current;
}

/** What the request does, as far as the layer cares: the bucket, the key and the operation. */
function classify(req) {
  const url = new URL(req.url, 'http://layer');
  const [bucketPart, ...keyParts] = url.pathname.slice(1).split('/');
  const bucket = decodeURIComponent(bucketPart ?? '');
  const key = decodeURIComponent(keyParts.join('/'));
  // The SDK names the operation in an `x-id` parameter; any other parameter is a sub-resource.
  const params = [...url.searchParams.keys()].filter((name) => name !== 'x-id');
  const uploadId = url.searchParams.get('uploadId');
  let op = 'other';
  if (bucket && key) {
    if (req.method === 'PUT' && params.length === 0) op = 'put';
    else if (req.method === 'POST' && uploadId !== null && params.length === 1) op = 'complete';
    else if (req.method === 'DELETE' && uploadId !== null) op = 'abort';
    else if (req.method === 'DELETE' && params.length === 0) op = 'delete';
    else if ((req.method === 'GET' || req.method === 'HEAD') && params.length === 0) op = 'read';
  }
  return { bucket, key, op, uploadId };
}

function xmlEscape(text) {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An S3 error answer: the status, and the XML body S3 sends (Code, Message, details, RequestId). */
function sendError(req, res, status, code, message, detail = {}) {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const fields = { Code: code, Message: message, ...detail, RequestId: requestId };
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    Object.entries(fields)
      .map(([name, value]) => `<${name}>${xmlEscape(String(value))}</${name}>`)
      .join('') +
    '</Error>';
  // The body of a refused write is never read: drain it so that the connection can carry on.
  req.resume();
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}

async function currentEtag(bucket, key) {
  try {
    return (await store.getMetadata(bucket, key)).etag.replace(/"/g, '');
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * The answer S3 gives to the request's If-None-Match / If-Match, or undefined when the write may
 * go on. S3 compares ETags without their quotes; If-Match on a missing key is 404 NoSuchKey.
 */
async function preconditionFailure(req, bucket, key) {
  const ifNoneMatch = req.headers['if-none-match'];
  const ifMatch = req.headers['if-match'];
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  // An unknown access key (InvalidAccessKeyId) and a missing bucket (NoSuchBucket) are s3rver's to answer.
  const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
  if (keyId !== undefined && keyId !== 'S3RVER') return undefined;
  if (!(await store.getBucket(bucket))) return undefined;
  // S3 takes If-None-Match only as `*`, and not together with If-Match.
  if ((ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') || (ifNoneMatch !== undefined && ifMatch !== undefined))
    return [501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' }];
  const etag = await currentEtag(bucket, key);
  if (ifMatch !== undefined && etag === undefined) return [404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }];
  if (ifMatch !== undefined && ifMatch.replace(/"/g, '').trim() !== etag)
    return [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' }];
  if (ifNoneMatch !== undefined && etag !== undefined)
    return [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' }];
  return undefined;
}

/**
 * Sends the request to s3rver as it came (headers, Host included, as sent: a signature stays valid)
 * and streams the answer back. Resolves with s3rver's status once the answer has been relayed,
 * i.e. once s3rver has finished the write.
 */
function forward(req, res, { relay = () => true, path = req.url, beforeAnswer = async () => {} } = {}) {
  return new Promise((resolve) => {
    const out = http.request({
      host: raw.address,
      port: raw.port,
      method: req.method,
      path,
      headers: req.rawHeaders,
      agent: upstream,
    });
    out.on('response', (answer) => {
      if (!relay(answer.statusCode)) {
        answer.resume();
        answer.on('end', () => resolve(answer.statusCode));
        return;
      }
      beforeAnswer(answer.statusCode).then(
        () => {
          res.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
          pipeline(answer, res, () => resolve(answer.statusCode));
        },
        (err) => {
          answer.resume();
          sendError(req, res, 500, 'InternalError', `layer: ${err.message}`);
          resolve(500);
        },
      );
    });
    out.on('error', (err) => {
      if (!res.headersSent) sendError(req, res, 500, 'InternalError', `s3rver: ${err.message}`);
      else res.destroy();
      resolve(500);
    });
    pipeline(req, out, () => {});
  });
}

/**
 * s3rver removes a deleted object's folders when they are left empty, racing with a write of
 * another key into the same folder (which then fails with 500); S3 has no folders. The layer
 * removes an object's files itself and leaves the folders.
 */
async function unlinkObject(bucket, key) {
  for (const file of ['object', 'object.md5', 'metadata.json']) await rm(store.getResourcePath(bucket, key, file), { force: true });
}

async function deleteObject(req, res, { bucket, key }) {
  const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
  // An unknown access key or a missing bucket: s3rver's own answer.
  if (keyId !== 'S3RVER' || !(await store.getBucket(bucket))) return forward(req, res);
  req.resume();
  await unlinkObject(bucket, key);
  res.writeHead(204, { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase() });
  res.end();
}

/**
 * A PutObject made whole-or-nothing, as on S3: the body goes to a staging object first; only a
 * request whose body arrived complete and that s3rver stored moves it to its key (a rename of
 * s3rver's files). A request cut off midway leaves the key as it was.
 */
async function stagedPut(req, res, { bucket, key }) {
  const url = new URL(req.url, 'http://layer');
  const staged = randomBytes(12).toString('hex');
  url.pathname = `/${STAGING}/${staged.split('/').map(encodeURIComponent).join('/')}`;
  const files = ['object', 'metadata.json', 'object.md5'];
  const move = async (status) => {
    if (status !== 200 || !req.complete) return;
    for (const file of files) {
      const to = store.getResourcePath(bucket, key, file);
      await mkdir(dirname(to), { recursive: true });
      await rename(store.getResourcePath(STAGING, staged, file), to).catch((err) => {
        if (err.code !== 'ENOENT' || file === 'object') throw err;
      });
    }
  };
  try {
    await forward(req, res, { path: `${url.pathname}${url.search}`, beforeAnswer: move });
  } finally {
    await unlinkObject(STAGING, staged).catch(() => {});
  }
}

/**
 * AbortMultipartUpload. s3rver has no route for it but answers 405 MethodNotAllowed once the
 * access key and the bucket are good: only then is the upload's folder (its parts) removed here.
 */
async function abort(req, res, { bucket, key, uploadId }) {
  const status = await forward(req, res, { relay: (code) => code !== 405 });
  if (status !== 405) return;
  const folder = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  const uploadKey = /^[0-9a-f]+$/.test(uploadId) ? await readKey(folder) : undefined;
  if (uploadKey !== key)
    return sendError(
      req,
      res,
      404,
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    );
  await rm(folder, { recursive: true, force: true });
  res.writeHead(204, { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase() });
  res.end();
}

/** The key an upload was started for, or undefined when there is no such upload. */
async function readKey(folder) {
  try {
    return await readFile(join(folder, 'key'), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Faults a test asks for (`POST /__faults` with a JSON list): the next `times` requests of
 * `method` in `bucket` whose key contains `key` (or, with `bucketLevel`, those on the bucket
 * itself: a listing, HeadBucket) are answered `status` with the S3 error `code` (their body
 * drained), or, with `reset`, have their connection cut after `afterBytes` bytes of the body.
 */
let faults = [];

async function setFaults(req, res) {
  let text = '';
  for await (const chunk of req) text += chunk;
  faults = JSON.parse(text || '[]');
  res.writeHead(204);
  res.end();
}

function injected(req, res, request) {
  const at = faults.findIndex(
    (f) =>
      f.times > 0 &&
      f.method === req.method &&
      f.bucket === request.bucket &&
      (f.bucketLevel ? request.key === '' : request.key !== '' && request.key.includes(f.key)),
  );
  if (at < 0) return false;
  const fault = faults[at];
  fault.times -= 1;
  if (fault.reset) {
    let seen = 0;
    req.on('data', (chunk) => {
      seen += chunk.length;
      if (seen >= (fault.afterBytes ?? 0)) req.socket.destroy();
    });
    if (!fault.afterBytes) req.socket.destroy();
    return true;
  }
  sendError(req, res, fault.status ?? 500, fault.code ?? 'InternalError', 'We encountered an internal error. Please try again.');
  return true;
}

async function handle(req, res, expectsContinue) {
  if (req.method === 'POST' && req.url === '/__faults') return setFaults(req, res);
  const request = classify(req);
  if (injected(req, res, request)) return;
  const proceed = () => {
    if (expectsContinue) res.writeContinue();
    return forward(req, res);
  };
  if (request.op === 'abort') return serialize(`${request.bucket}/${request.key}`, () => abort(req, res, request));
  if (request.op === 'other') return proceed();
  // s3rver writes an object's file in place, so a read during a write can see half of it; on S3
  // an object appears whole. Reads wait for the key's writes (and for each other) to get that.
  if (request.op === 'read') return serialize(`${request.bucket}/${request.key}`, proceed);
  // PUT (object or copy), CompleteMultipartUpload, DELETE: one at a time per key.
  return serialize(`${request.bucket}/${request.key}`, async () => {
    const failure = request.op === 'delete' ? undefined : await preconditionFailure(req, request.bucket, request.key);
    if (failure) return sendError(req, res, ...failure);
    // A missing bucket is s3rver's to answer (NoSuchBucket): only writes to a real bucket are staged.
    if (request.op === 'delete') return deleteObject(req, res, request);
    if (request.op === 'put' && req.headers['x-amz-copy-source'] === undefined && (await store.getBucket(request.bucket))) {
      if (expectsContinue) res.writeContinue();
      return stagedPut(req, res, request);
    }
    await proceed();
  });
}

function onRequest(expectsContinue) {
  return (req, res) => {
    handle(req, res, expectsContinue).catch((err) => {
      if (!res.headersSent) sendError(req, res, 500, 'InternalError', String(err?.message ?? err));
      else res.destroy();
    });
  };
}

const layer = http.createServer(onRequest(false));
// An `Expect: 100-continue` request waits for the precondition: a refused write never sends its body.
layer.on('checkContinue', onRequest(true));
await new Promise((resolve) => layer.listen(0, '127.0.0.1', resolve));

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  layer.closeAllConnections();
  layer.close();
  s3rver.httpServer.closeAllConnections();
  void s3rver.close().finally(() => {
    if (values.dir === undefined) rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
}
// One failed request must not take the server (and every later test) down: say what it was and go on.
process.on('uncaughtException', (err) => process.stderr.write(`s3 test server: uncaught: ${err?.stack ?? err}\n`));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

const endpoint = `http://127.0.0.1:${layer.address().port}`;
process.stdout.write(`${JSON.stringify({ endpoint, raw: `http://127.0.0.1:${raw.port}` })}\n`);
