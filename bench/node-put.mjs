// The floor for any Node client in the upload benchmark: the least a Node process can do to send a
// file with a streamed PUT (node:http, an fs stream of 1 MiB chunks, no ledger, no hashing, no git
// scan). bench/run.mjs times it next to `traces upload` and `curl -T`, so that the table shows how
// much of the gap to curl is Node itself and how much is traces.
//   node bench/node-put.mjs FILE URL   (token in TRACES_TOKEN; prints the server's answer)
import { createReadStream, statSync } from 'node:fs';
import { request } from 'node:http';

const [file, url] = process.argv.slice(2);
if (!file || !url) {
  process.stderr.write('usage: node bench/node-put.mjs FILE URL\n');
  process.exit(2);
}
const size = statSync(file).size;
const req = request(url, {
  method: 'PUT',
  headers: {
    'content-type': 'application/x-ndjson',
    'content-length': String(size),
    authorization: `Bearer ${process.env.TRACES_TOKEN ?? ''}`,
    accept: 'application/json',
  },
});
req.on('response', (res) => {
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    process.stdout.write(Buffer.concat(chunks));
    process.exitCode = res.statusCode === 200 ? 0 : 1;
  });
});
req.on('error', (error) => {
  process.stderr.write(`node-put: ${error.message}\n`);
  process.exitCode = 1;
});
createReadStream(file, { highWaterMark: 1024 * 1024 })
  .on('error', (error) => req.destroy(error))
  .pipe(req);
