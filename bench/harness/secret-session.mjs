// A large prime-agent session that reads like real work (prose, code, shell output, hashes, ids,
// base64 image data) with secrets planted now and then: the input of the `scan` case.
// The secrets are assembled from parts at run time, so no literal token sits in the repository.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { header, hex8, uuidFrom } from '../../fixtures/builder.mjs';

const WORDS = (
  'the a of to and in that is for it with as was on be by this are from at or an have not which but ' +
  'file function test value error module build config run change update return import export type ' +
  'session upload server request response line check user account access token key secret password ' +
  'read write path folder branch commit merge review fix bug issue cache queue worker event batch'
).split(' ');

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
}

function prose(rand, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return `${out.join(' ')}.`;
}

const sha = (s) => createHash('sha256').update(s).digest('hex');

/** Fake secrets of several rules, made from parts. */
export function plantedSecrets() {
  const alnum = (n, seed) =>
    sha(seed)
      .repeat(4)
      .replace(/[^a-z0-9]/g, '')
      .slice(0, n);
  return [
    `GITHUB_TOKEN=${['gh', 'p_'].join('')}${alnum(36, 'gh')}`,
    `export OPENAI_API_KEY=${['sk', '-'].join('')}${alnum(20, 'oa1')}${['T3Blbk', 'FJ'].join('')}${alnum(20, 'oa2')}`,
    `curl -H "Authorization: ${['Bea', 'rer'].join('')} ${alnum(32, 'bearer')}" https://api.example.com`,
    `DATABASE_URL=${['postgres', '://'].join('')}app:${alnum(12, 'pw')}@db.internal:5432/app`,
    `${['AK', 'IA'].join('')}${alnum(16, 'aws').toUpperCase()}`,
  ];
}

/** Writes about `bytes` bytes; returns the bytes written and how many secrets were planted. */
export function writeSecretSession(path, bytes, { every = 500 } = {}) {
  mkdirSync(dirname(path), { recursive: true });
  const id = uuidFrom('bench:scan');
  const rand = rng(42);
  const secrets = plantedSecrets();
  const fd = openSync(path, 'w');
  let written = writeSync(fd, `${JSON.stringify(header({ id }))}\n`);
  let planted = 0;
  let n = 0;
  let parentId = null;
  const image = Buffer.from(sha('image').repeat(600), 'hex').toString('base64');
  const lines = [];
  try {
    while (written < bytes) {
      n++;
      const eid = hex8(`scan:${n}`);
      const secret = n % every === 0 ? secrets[planted++ % secrets.length] : '';
      const kind = n % 5;
      let message;
      if (kind === 0) message = { role: 'user', content: [{ type: 'text', text: `${prose(rand, 40)} ${secret}` }] };
      else if (kind === 1)
        message = {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: prose(rand, 120) },
            {
              type: 'toolCall',
              id: `call_${eid}`,
              name: 'bash',
              arguments: { command: `git log --oneline -5 && cat src/file${n % 50}.ts ${secret}` },
            },
          ],
          usage: { input: 1200, output: 80, cacheRead: 0, cacheWrite: 0, totalTokens: 1280, cost: { total: 0.004 } },
        };
      else if (kind === 2) {
        const log = Array.from({ length: 5 }, (_, i) => `${sha(`c${n}:${i}`).slice(0, 40)} ${prose(rand, 8)}`).join('\n');
        const code = Array.from(
          { length: 30 },
          (_, i) => `  const v${i} = call("${uuidFrom(`u${n}:${i}`)}", ${i}); // ${prose(rand, 6)}`,
        ).join('\n');
        message = {
          role: 'toolResult',
          toolCallId: `call_${eid}`,
          toolName: 'bash',
          content: [{ type: 'text', text: `${log}\n${code}\n${secret}` }],
          isError: false,
        };
      } else if (kind === 3 && n % 40 === 3)
        message = {
          role: 'toolResult',
          toolCallId: `call_${eid}`,
          toolName: 'read',
          content: [{ type: 'image', data: image, mimeType: 'image/png' }],
          isError: false,
        };
      else
        message = {
          role: 'assistant',
          content: [{ type: 'text', text: `${prose(rand, 150)}\n\n\`\`\`ts\n${prose(rand, 30)}\n\`\`\`\n${secret}` }],
        };
      lines.push(JSON.stringify({ type: 'message', id: eid, parentId, timestamp: '2026-11-01T10:00:00.000Z', message }));
      parentId = eid;
      if (lines.length === 256) {
        written += writeSync(fd, `${lines.join('\n')}\n`);
        lines.length = 0;
      }
    }
    if (lines.length) written += writeSync(fd, `${lines.join('\n')}\n`);
    return { bytes: written, planted, lines: n + 1 };
  } finally {
    closeSync(fd);
  }
}
