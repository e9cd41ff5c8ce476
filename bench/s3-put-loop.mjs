// The floor of a first upload of many small sessions to a bucket: the same number of objects
// (two per session: the body and its index record, as traces writes them) put with the bare AWS
// SDK, the same number in flight, to the same server. Prints the wall time in ms.
//
//   node bench/s3-put-loop.mjs ENDPOINT BUCKET SESSIONS CONCURRENCY BODY_BYTES
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [endpoint, bucket, sessions, concurrency, bytes] = process.argv.slice(2);
const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
const client = new S3Client({
  endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const body = 'x'.repeat(Number(bytes));
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < Number(sessions)) {
      const n = next++;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `floor/agent-traces/${n}/${n}.jsonl`, Body: body }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `floor/index/sessions/${n}.json`, Body: '{"session_id":"x"}\n' }));
    }
  }),
);
process.stdout.write(`${Math.round(performance.now() - started)}\n`);
