import { isIPv4 } from 'node:net';
import type { BackendSpec, S3Location } from '../contracts/backend-id.js';
import { ConfigError, UsageError } from '../errors.js';
import { isLoopback } from '../util/loopback.js';
import type { Env } from './paths.js';

/** The settings a bucket store reads besides its URL: a custom endpoint and path-style addressing. */
export interface S3Settings {
  s3_endpoint?: string;
  /** A boolean once checked by the schema; the hook reads the file without it, so `"true"` may arrive too. */
  s3_path_style?: boolean | string;
}

type Bad = typeof UsageError | typeof ConfigError;

/**
 * `s3://bucket[/prefix]`, checked: the bucket by S3's naming rules, the prefix without leading or
 * trailing slashes and without empty, `.` or `..` segments (a key under them would name another
 * place on a folder copy of the store), no query, fragment or credentials.
 */
export function parseS3Url(value: string, source: string, Bad: Bad): Pick<S3Location, 'bucket' | 'prefix'> {
  const refuse = (why: string, hint?: string): never => {
    throw new Bad(`${source}: "${value}" ${why}`, hint);
  };
  const rest = /^s3:\/\/(.*)$/is.exec(value)?.[1];
  if (rest === undefined) return refuse('is not an s3:// URL', 'Write s3://bucket or s3://bucket/prefix.');
  if (rest.includes('?'))
    refuse(
      'has a query string',
      'Write s3://bucket/prefix alone; the endpoint is set by AWS_ENDPOINT_URL_S3 or `traces config set s3_endpoint URL`.',
    );
  if (rest.includes('#')) refuse('has a fragment (#...)', 'Write s3://bucket/prefix alone.');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (bucket.includes('@') || bucket.includes(':')) {
    refuse(
      'has credentials or a port in it',
      'Write s3://bucket/prefix: credentials come from the AWS chain (AWS_ACCESS_KEY_ID, AWS_PROFILE...), the endpoint from AWS_ENDPOINT_URL_S3.',
    );
  }
  if (bucket === '') refuse('names no bucket', 'Write s3://bucket or s3://bucket/prefix.');
  const problem = bucketNameProblem(bucket);
  if (problem)
    refuse(
      `names the bucket "${bucket}", which ${problem}`,
      'S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.',
    );
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  for (const segment of prefix === '' ? [] : prefix.split('/')) {
    if (segment === '') refuse('has an empty segment (//) in its prefix');
    if (segment === '.' || segment === '..') refuse(`has a "${segment}" segment in its prefix`);
  }
  return { bucket, prefix };
}

/** Why `name` is not an S3 bucket name, or undefined when it is one. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `has ${name.length} characters (3 to 63 are allowed)`;
  if (/[^a-z0-9.-]/.test(name)) {
    return /[A-Z]/.test(name) && !/[^A-Za-z0-9.-]/.test(name)
      ? 'has uppercase letters (bucket names are lowercase)'
      : 'may hold only lowercase letters, digits, dots and hyphens';
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('..')) return 'has two dots in a row';
  if (isIPv4(name)) return 'is an IP address';
  return undefined;
}

/**
 * The endpoint of s3 stores, first set wins: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, config
 * s3_endpoint; undefined means AWS itself. Plain http only to this machine unless --allow-http,
 * since the AWS credentials sign every request and the data travels in it.
 */
export function s3Endpoint(env: Env, settings: S3Settings, allowHttp: boolean): string | undefined {
  const chain: [string | undefined, string][] = [
    [env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3'],
    [env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'],
    [settings.s3_endpoint, 'config s3_endpoint'],
  ];
  const found = chain.find(([v]) => v !== undefined && v.trim() !== '');
  return found ? checkEndpoint(found[0]!.trim(), found[1], allowHttp) : undefined;
}

/** An endpoint URL, checked and written one way (no trailing slash), so one endpoint has one backend id. */
export function checkEndpoint(value: string, source: string, allowHttp: boolean): string {
  const Bad = source === '--to' ? UsageError : ConfigError;
  const problem = endpointProblem(value);
  if (problem)
    throw new Bad(
      `${source}: "${value}" ${problem}`,
      'Write the endpoint as https://host[:port], e.g. https://<account>.r2.cloudflarestorage.com.',
    );
  const url = new URL(value);
  if (url.protocol === 'http:' && !allowHttp && !isLoopback(url.hostname)) {
    throw new Bad(
      `${source}: refusing to send the bucket's data in clear text to ${url.host}`,
      'Use an https:// endpoint, or pass --allow-http if you really mean it.',
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Why `value` is no endpoint URL (also the schema's check of `s3_endpoint`), or undefined. */
export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    if (!/^https?:\/\/[^/]/i.test(value)) return 'is not an http(s):// URL';
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password) return 'has credentials in it (they come from the AWS credential chain)';
  if (url.search || url.hash) return 'has a query string or fragment';
  return undefined;
}

/**
 * Path-style addressing (`endpoint/bucket/key`), first set wins: TRACES_S3_PATH_STYLE (1/0,
 * true/false), config s3_path_style; else on for a custom endpoint (MinIO, local servers and
 * most S3-compatible stores need it) and off for AWS itself.
 */
export function s3PathStyle(env: Env, settings: S3Settings, endpoint: string | undefined): boolean {
  const fromEnv = env.TRACES_S3_PATH_STYLE?.trim().toLowerCase();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (['1', 'true'].includes(fromEnv)) return true;
    if (['0', 'false'].includes(fromEnv)) return false;
    throw new ConfigError(`TRACES_S3_PATH_STYLE: "${env.TRACES_S3_PATH_STYLE}" must be 1, 0, true or false`);
  }
  const configured = settings.s3_path_style;
  if (configured === true || configured === 'true') return true;
  if (configured === false || configured === 'false') return false;
  if (configured !== undefined) {
    throw new ConfigError(
      `config s3_path_style: "${String(configured)}" must be true or false`,
      'Fix it with `traces config set s3_path_style true`.',
    );
  }
  return endpoint !== undefined;
}

/**
 * A bucket backend: its URL checked, its endpoint and its addressing. `endpoint` is the one a
 * queued id holds (null: AWS itself); absent, the endpoint comes from the chain.
 */
export function s3Backend(
  value: string,
  source: string,
  options: { allowHttp: boolean; env?: Env; settings?: S3Settings; endpoint?: string | null },
): BackendSpec {
  const Bad = source === '--to' ? UsageError : ConfigError;
  const { bucket, prefix } = parseS3Url(value, source, Bad);
  const env = options.env ?? {};
  const settings = options.settings ?? {};
  const endpoint =
    options.endpoint === null
      ? undefined
      : options.endpoint !== undefined
        ? checkEndpoint(options.endpoint, source, options.allowHttp)
        : s3Endpoint(env, settings, options.allowHttp);
  const pathStyle = s3PathStyle(env, settings, endpoint);
  return { kind: 's3', source, bucket, prefix, ...(endpoint === undefined ? {} : { endpoint }), pathStyle };
}
