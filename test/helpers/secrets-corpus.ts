/*
 * The secrets corpus: fake secrets of every rule, planted in every place an agent session holds
 * text, written raw and JSON-escaped; and near-misses that must come through untouched. Every
 * secret is assembled from parts at run time: no literal token sits in the repository (push
 * protection would, rightly, refuse it).
 */
import { createHash } from 'node:crypto';

const j = (...parts: string[]) => parts.join('');
const digest = (seed: string) => createHash('sha256').update(seed).digest();
/** `n` characters of `alphabet`, deterministic from `seed`. */
function chars(n: number, seed: string, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let out = '';
  for (let i = 0; out.length < n; i++)
    for (const byte of digest(`${seed}:${i}`)) if (out.length < n) out += alphabet[byte % alphabet.length];
  return out;
}
const upperDigits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A planted secret: the rule that must find it, the secret itself, and the text it stands in. */
export interface Planted {
  rule: string;
  secret: string;
  text: string;
}

export const TRACES_TOKEN = j('trc', '_', chars(32, 'traces-token'));
export const USER_PATTERN = 'acme_[0-9a-f]{32}';

export function plantedSecrets(): Planted[] {
  const pem = [
    j('-----BEGIN RSA ', 'PRIVATE KEY-----'),
    ...Array.from({ length: 4 }, (_, i) => (i === 0 ? 'MIIEow' : '') + chars(i === 0 ? 58 : 64, `pem${i}`, b64)),
    j('-----END RSA ', 'PRIVATE KEY-----'),
  ].join('\n');
  const p = (rule: string, secret: string, text = `here it is: ${secret} (keep it safe)`): Planted => ({ rule, secret, text });
  const aws = chars(40, 'aws-secret', b64);
  const pw = j('Zq7p', 'W2nR9t');
  return [
    p('github', j('gh', 'p_', chars(36, 'ghp'))),
    p('github', j('github', '_pat_', chars(82, 'fine'))),
    p('gitlab', j('gl', 'pat-', chars(20, 'glpat'))),
    p('openai', j('sk', '-', chars(20, 'oa1'), 'T3Blbk', 'FJ', chars(20, 'oa2'))),
    p('anthropic', j('sk-ant-', 'api03-', chars(93, 'ant', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), 'AA')),
    p('slack', j('xo', 'xb-', '1234567890', '-', '2345678901', '-', chars(24, 'slack'))),
    p('npm', j('np', 'm_', chars(36, 'npm'))),
    p('aws', j('AK', 'IA', chars(16, 'akia', upperDigits))),
    p('aws', aws, `AWS_SECRET_ACCESS_KEY=${aws}`),
    p('privatekey', pem, `cat ~/.ssh/id_rsa\n${pem}\n`),
    p('basicauth', j('deployer:', 'Xk29fjQ81mz'), j('git clone https://', 'deployer:', 'Xk29fjQ81mz', '@git.example.net/repo.git')),
    p('database-connection-string', j('postgres://', 'app:', pw, '@db.internal:5432/app')),
    p('sendgrid', j('SG', '.', chars(22, 'sg1'), '.', chars(43, 'sg2'))),
    p('huggingface', j('hf', '_', chars(34, 'hf', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'))),
    p('groq', j('gs', 'k_', chars(52, 'groq'))),
    p('authorization', chars(40, 'bearer'), j('curl -H "Authorization: ', 'Bearer ', chars(40, 'bearer'), '" https://api.example.com/v1')),
    p('secret-assignment', j('pA55', '-w0rd-xyz'), j('DB_', 'PASSWORD=', 'pA55', '-w0rd-xyz')),
    p('secret-assignment', chars(24, 'stripe'), j('export STRIPE_', 'SECRET="', chars(24, 'stripe'), '"')),
    p('secret-assignment', chars(30, 'jsonfield'), j('{"service_', 'token": "', chars(30, 'jsonfield'), '"}')),
    p('traces-token', TRACES_TOKEN),
    p('user-pattern', j('acme', '_', chars(32, 'acme', '0123456789abcdef'))),
  ];
}

/** Where an agent session holds text: each builds one session line around `text`. */
export const PLACES: Record<string, (text: string) => unknown> = {
  'user prompt': (text) => ({ type: 'message', id: 'u1', message: { role: 'user', content: [{ type: 'text', text }] } }),
  'assistant text': (text) => ({ type: 'message', id: 'a1', message: { role: 'assistant', content: [{ type: 'text', text }] } }),
  thinking: (text) => ({ type: 'message', id: 'a2', message: { role: 'assistant', content: [{ type: 'thinking', thinking: text }] } }),
  'tool arguments': (text) => ({
    type: 'message',
    id: 'a3',
    message: {
      role: 'assistant',
      content: [{ type: 'toolCall', id: 'call_1', name: 'bash', arguments: { command: `echo ${text}`, timeout: 30 } }],
    },
  }),
  'tool output': (text) => ({
    type: 'message',
    id: 't1',
    message: { role: 'toolResult', toolCallId: 'call_1', content: [{ type: 'text', text }] },
  }),
  'bash output': (text) => ({ type: 'bash', id: 'b1', command: 'env', output: `HOME=/home/u\n${text}\nPATH=/usr/bin`, exitCode: 0 }),
  'header cwd': (text) => ({ type: 'session', version: 3, id: '0f8fad5b-d9cb-469f-a165-70867728950e', cwd: `/home/u/${text}` }),
};

/** JSON.stringify, then every character of the secret written as a `\u` escape. */
export function uEscaped(line: string, secret: string): string {
  const written = JSON.stringify(secret).slice(1, -1);
  const escaped = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  return line.split(written).join(escaped);
}

/** Lines that look a little like secrets and are not: they must come back byte-identical. */
export function nearMisses(): string[] {
  const sha = createHash('sha256').update('near').digest('hex');
  const image = digest('image').toString('base64').repeat(200);
  return [
    JSON.stringify({ type: 'session', version: 3, id: '0f8fad5b-d9cb-469f-a165-70867728950e', cwd: '/home/u/project' }),
    JSON.stringify({
      type: 'message',
      message: { role: 'user', content: [{ type: 'text', text: 'commit a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 fixed it' }] },
    }),
    JSON.stringify({ type: 'message', message: { role: 'toolResult', content: [{ type: 'text', text: `sha256:${sha}  dist/app.tgz` }] } }),
    JSON.stringify({ type: 'message', message: { role: 'toolResult', content: [{ type: 'image', data: image, mimeType: 'image/png' }] } }),
    JSON.stringify({
      type: 'message',
      message: {
        role: 'assistant',
        content: [{ type: 'text', text: 'Keep the password secret and rotate the API key; the token expires in an hour.' }],
      },
    }),
    JSON.stringify({ text: 'set API_KEY=$API_KEY and OPENAI_API_KEY=${OPENAI_API_KEY} in CI; password: <your password>' }),
    JSON.stringify({ type: 'message', usage: { input_tokens: 1200, cache_read_input_tokens: 0 }, sort_key: 1, max_tokens: 4096 }),
    JSON.stringify({ text: 'the keys AKIAIOSFODNN7EXAMPLE and postgres://user:password@localhost/db are documentation examples' }),
    'not json at all: a plain log line with id 6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    '{"n":1.50,"big":123456789012345678901234567890,"k":"v"}',
  ];
}
