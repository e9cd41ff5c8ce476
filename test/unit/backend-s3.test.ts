import { describe, expect, it } from 'vitest';
import { backendFromId, backendId, backendValue, parseBackend, resolveBackend, type BackendSpec } from '../../src/config/backend.js';
import { parseSetting } from '../../src/config/schema.js';
import { ConfigError, EXIT, UsageError } from '../../src/errors.js';

const cwd = '/home/me/project';
type S3Spec = Extract<BackendSpec, { kind: 's3' }>;

function s3(spec: BackendSpec): S3Spec {
  expect(spec.kind).toBe('s3');
  if (spec.kind !== 's3') throw new Error('not s3');
  return spec;
}

const parse = (value: string, env: Record<string, string | undefined> = {}, settings = {}, allowHttp = false, source = '--to') =>
  parseBackend(value, source, { allowHttp, cwd, env, settings });

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('not refused');
}

describe('s3:// backends', () => {
  it('reads the bucket and the prefix, without leading or trailing slashes', () => {
    expect(s3(parse('s3://my-bucket'))).toMatchObject({ bucket: 'my-bucket', prefix: '', source: '--to', pathStyle: false });
    expect(s3(parse('s3://my-bucket/'))).toMatchObject({ bucket: 'my-bucket', prefix: '' });
    expect(s3(parse('s3://my.bucket.2/ci/traces/'))).toMatchObject({ bucket: 'my.bucket.2', prefix: 'ci/traces' });
    expect(s3(parse('s3://abc///ci/x//'))).toMatchObject({ prefix: 'ci/x' });
    expect(s3(parse('S3://abc/p'))).toMatchObject({ bucket: 'abc', prefix: 'p' });
    expect(s3(parse('s3://abc/p')).endpoint).toBeUndefined();
  });

  it.each([
    ['s3://ab', /bucket "ab", which has 2 characters \(3 to 63 are allowed\)/],
    [`s3://${'a'.repeat(64)}`, /has 64 characters/],
    ['s3://My-Bucket/x', /bucket "My-Bucket", which has uppercase letters/],
    ['s3://my_bucket', /may hold only lowercase letters, digits, dots and hyphens/],
    ['s3://-bucket', /must start and end with a letter or digit/],
    ['s3://bucket-', /must start and end with a letter or digit/],
    ['s3://.bucket', /must start and end with a letter or digit/],
    ['s3://my..bucket', /has two dots in a row/],
    ['s3://192.168.1.10', /is an IP address/],
    ['s3://', /names no bucket/],
    ['s3:///prefix', /names no bucket/],
    ['s3://bucket/a//b', /has an empty segment \(\/\/\) in its prefix/],
    ['s3://bucket/a/./b', /has a "\." segment in its prefix/],
    ['s3://bucket/../b', /has a "\.\." segment in its prefix/],
    ['s3://bucket/p?versionId=1', /has a query string/],
    ['s3://bucket/p?endpoint=http%3A%2F%2Flocalhost', /has a query string/],
    ['s3://bucket/p#x', /has a fragment/],
    ['s3://key:secret@bucket/p', /has credentials or a port in it/],
    ['s3://AKIA@bucket/p', /has credentials or a port in it/],
    ['s3:bucket/p', /is not an s3:\/\/ URL/],
    ['s3:/bucket/p', /is not an s3:\/\/ URL/],
  ])('refuses %s, naming the source', (value, message) => {
    const error = refusal(() => parse(value));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^--to: "/);
    expect(error.message).toMatch(message);
    const fromEnv = refusal(() => parse(value, {}, {}, false, 'TRACES_API_URL'));
    expect(fromEnv).toBeInstanceOf(ConfigError);
    expect(fromEnv.message).toMatch(/^TRACES_API_URL: "/);
    expect((fromEnv as ConfigError).exitCode).toBe(EXIT.usage);
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the s3_endpoint setting', () => {
    const all = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000/', AWS_ENDPOINT_URL: 'http://127.0.0.2:9000' };
    const setting = { s3_endpoint: 'https://acct.r2.cloudflarestorage.com' };
    expect(s3(parse('s3://abc', all, setting)).endpoint).toBe('http://127.0.0.1:9000');
    expect(s3(parse('s3://abc', { ...all, AWS_ENDPOINT_URL_S3: '' }, setting)).endpoint).toBe('http://127.0.0.2:9000');
    expect(s3(parse('s3://abc', {}, setting)).endpoint).toBe('https://acct.r2.cloudflarestorage.com');
  });

  it('refuses a bad endpoint, naming where it came from', () => {
    expect(refusal(() => parse('s3://abc', { AWS_ENDPOINT_URL_S3: 'minio:9000' })).message).toMatch(
      /^AWS_ENDPOINT_URL_S3: "minio:9000" is not an http\(s\):\/\/ URL/,
    );
    expect(refusal(() => parse('s3://abc', { AWS_ENDPOINT_URL: 'https://u:p@host' })).message).toMatch(
      /^AWS_ENDPOINT_URL: "https:\/\/u:p@host" has credentials in it/,
    );
    expect(refusal(() => parse('s3://abc', {}, { s3_endpoint: 'ftp://host' })).message).toMatch(
      /^config s3_endpoint: "ftp:\/\/host" is not/,
    );
    const clear = refusal(() => parse('s3://abc', { AWS_ENDPOINT_URL_S3: 'http://minio.internal:9000' }));
    expect(clear).toBeInstanceOf(ConfigError);
    expect(clear.message).toBe("AWS_ENDPOINT_URL_S3: refusing to send the bucket's data in clear text to minio.internal:9000");
    expect(s3(parse('s3://abc', { AWS_ENDPOINT_URL_S3: 'http://minio.internal:9000' }, {}, true)).endpoint).toBe(
      'http://minio.internal:9000',
    );
  });

  it('addresses path-style with a custom endpoint, virtual-hosted on AWS, unless TRACES_S3_PATH_STYLE or s3_path_style says', () => {
    const endpoint = { AWS_ENDPOINT_URL_S3: 'http://localhost:9000' };
    expect(s3(parse('s3://abc', endpoint)).pathStyle).toBe(true);
    expect(s3(parse('s3://abc')).pathStyle).toBe(false);
    expect(s3(parse('s3://abc', { ...endpoint, TRACES_S3_PATH_STYLE: '0' })).pathStyle).toBe(false);
    expect(s3(parse('s3://abc', { ...endpoint, TRACES_S3_PATH_STYLE: 'false' })).pathStyle).toBe(false);
    expect(s3(parse('s3://abc', { TRACES_S3_PATH_STYLE: '1' })).pathStyle).toBe(true);
    expect(s3(parse('s3://abc', { TRACES_S3_PATH_STYLE: 'TRUE' })).pathStyle).toBe(true);
    expect(s3(parse('s3://abc', endpoint, { s3_path_style: false })).pathStyle).toBe(false);
    expect(s3(parse('s3://abc', {}, { s3_path_style: true })).pathStyle).toBe(true);
    // The environment goes first, as for every other setting.
    expect(s3(parse('s3://abc', { TRACES_S3_PATH_STYLE: '1' }, { s3_path_style: false })).pathStyle).toBe(true);
    const bad = refusal(() => parse('s3://abc', { TRACES_S3_PATH_STYLE: 'yes' }));
    expect(bad).toBeInstanceOf(ConfigError);
    expect(bad.message).toBe('TRACES_S3_PATH_STYLE: "yes" must be 1, 0, true or false');
    expect(refusal(() => parse('s3://abc', {}, { s3_path_style: 'maybe' })).message).toMatch(
      /^config s3_path_style: "maybe" must be true or false/,
    );
  });

  it('is accepted from every place a backend is named', () => {
    const env = { TRACES_EVENTS_URL: 's3://events-bucket/ev', TRACES_API_URL: 's3://api-bucket' };
    const options = { allowHttp: false, cwd };
    expect(s3(resolveBackend(undefined, env, {}, { ...options, operation: 'events' }))).toMatchObject({
      bucket: 'events-bucket',
      prefix: 'ev',
      source: 'TRACES_EVENTS_URL',
    });
    expect(s3(resolveBackend(undefined, env, {}, { ...options, operation: 'upload' }))).toMatchObject({
      bucket: 'api-bucket',
      source: 'TRACES_API_URL',
    });
    expect(s3(resolveBackend(undefined, {}, { sessions_url: 's3://cfg-bucket/s' }, { ...options, operation: 'sessions' }))).toMatchObject({
      bucket: 'cfg-bucket',
      source: 'config sessions_url',
    });
    expect(s3(resolveBackend(undefined, {}, { api_url: 's3://cfg-bucket', s3_endpoint: 'http://127.0.0.1:1' }, options))).toMatchObject({
      source: 'config api_url',
      endpoint: 'http://127.0.0.1:1',
      pathStyle: true,
    });
    expect(s3(resolveBackend('s3://flag-bucket', env, {}, options))).toMatchObject({ bucket: 'flag-bucket', source: '--to' });
    expect(refusal(() => resolveBackend(undefined, { TRACES_UPLOAD_URL: 's3://Bad' }, {}, options)).message).toMatch(
      /^TRACES_UPLOAD_URL: /,
    );
  });
});

describe('s3 backend ids', () => {
  const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' };

  it('names a bucket at AWS by its URL, and one elsewhere with its endpoint', () => {
    expect(backendId(parse('s3://abc/ci/x/'))).toBe('s3://abc/ci/x');
    expect(backendId(parse('s3://abc'))).toBe('s3://abc');
    expect(backendId(parse('s3://abc/p', env))).toBe('s3://abc/p?endpoint=http%3A%2F%2F127.0.0.1%3A9000');
  });

  it('reads an id back to the same backend, the endpoint in the id winning over the environment', () => {
    const spec = s3(parse('s3://abc/p', env));
    const id = backendId(spec);
    const back = s3(backendFromId(id, cwd, false, { env: { AWS_ENDPOINT_URL_S3: 'https://elsewhere.example.com' } }));
    expect(back).toMatchObject({ bucket: 'abc', prefix: 'p', endpoint: 'http://127.0.0.1:9000', pathStyle: true, source: 'queue' });
    expect(backendId(back)).toBe(id);
    // No endpoint in the id: AWS itself, whatever the environment says now.
    const aws = s3(backendFromId('s3://abc/p', cwd, false, { env }));
    expect(aws.endpoint).toBeUndefined();
    expect(aws.pathStyle).toBe(false);
    expect(backendId(aws)).toBe('s3://abc/p');
    // Addressing is read from the environment of the run.
    expect(s3(backendFromId(id, cwd, false, { env: { TRACES_S3_PATH_STYLE: '0' } })).pathStyle).toBe(false);
  });

  it('checks the id again as when it was named', () => {
    const plain = backendId(parse('s3://abc/p', { AWS_ENDPOINT_URL_S3: 'http://minio.internal:9000' }, {}, true));
    expect(refusal(() => backendFromId(plain, cwd, false)).message).toMatch(/^queue: refusing to send the bucket's data in clear text/);
    expect(s3(backendFromId(plain, cwd, true)).endpoint).toBe('http://minio.internal:9000');
    expect(refusal(() => backendFromId('s3://A/p', cwd, false)).message).toMatch(/^queue: "s3:\/\/A\/p" names the bucket "A"/);
  });

  it('backendValue names a bucket for a later run by its id', () => {
    const spec = parse('s3://abc/p', env);
    expect(backendValue(spec)).toBe(backendId(spec));
    expect(backendId(backendFromId(backendValue(spec), cwd, false))).toBe(backendId(spec));
  });
});

describe('s3 settings', () => {
  it('s3_endpoint takes an http(s) URL, without credentials', () => {
    expect(parseSetting('s3_endpoint', 'https://acct.r2.cloudflarestorage.com')).toBe('https://acct.r2.cloudflarestorage.com');
    expect(() => parseSetting('s3_endpoint', 'minio:9000')).toThrow('s3_endpoint: is not an http(s):// URL (got "minio:9000")');
    expect(() => parseSetting('s3_endpoint', 'https://k:s@host')).toThrow(/s3_endpoint: has credentials in it/);
  });

  it('s3_path_style is true or false', () => {
    expect(parseSetting('s3_path_style', 'true')).toBe(true);
    expect(parseSetting('s3_path_style', 'false')).toBe(false);
    expect(() => parseSetting('s3_path_style', 'yes')).toThrow('s3_path_style: must be true or false (got "yes")');
  });
});
