import { DEFAULTS } from '../util/defaults.js';
import { boolean, bytes, defineCommand, duration, int, negated, text, type Flags } from './define.js';
import { S3_ENV } from './env-vars.js';

export const serveOptions = {
  host: text('--host <host>', 'address to listen on', { default: '127.0.0.1' }),
  port: int('--port <port>', 'port (0 = any free port)', { min: 0, max: 65535, default: 8787 }),
  data: text('--data <dir>', 'the folder to store what is received in (default ./traces-data)'),
  store: text('--store <dir-or-s3-url>', 'where to store what is received: a folder, or s3://bucket/prefix (instead of --data)', {
    env: S3_ENV,
  }),
  allowHttp: boolean('--allow-http', 'allow a plain http:// s3 endpoint that is not on this machine'),
  maxBytes: bytes('--max-bytes <n>', 'largest session upload accepted, e.g. 100M', { fallback: DEFAULTS.serveMaxBytes }),
  auth: negated('--no-auth', 'accept requests without a token (loopback hosts only: 127.0.0.0/8, ::1, localhost)'),
  bodyTimeout: duration(
    '--body-timeout <ms>',
    'answer 408 and close when a request body (or its headers) sends nothing this long, e.g. 30s',
    { fallback: DEFAULTS.bodyTimeout },
  ),
  maxConnections: int('--max-connections <n>', 'connections served at once; more are closed at once', {
    min: 1,
    max: 65_535,
    fallback: DEFAULTS.maxConnections,
  }),
};
export type ServeFlags = Flags<typeof serveOptions>;

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'a backend speaking all four contracts, storing to a folder or a bucket',
  options: serveOptions,
  examples: [
    'traces serve',
    'traces serve --port 0 --data ./store',
    'TRACES_SERVE_TOKEN=secret traces serve --host 0.0.0.0',
    'traces serve --host 0.0.0.0 --store s3://my-bucket/traces',
  ],
  env: ['TRACES_SERVE_TOKEN'],
});
