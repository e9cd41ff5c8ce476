import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_API_URL,
  backendId,
  isLoopback,
  parseBackend,
  redactUrl,
  resolveBackend,
  type BackendSpec,
} from '../../src/config/backend.js';
import { ConfigError, EXIT, UsageError } from '../../src/errors.js';

const cwd = '/home/me/project';
const strict: { allowHttp: boolean; cwd: string; home?: string } = { allowHttp: false, cwd };
const parse = (value: string, options = strict, source = '--to') => parseBackend(value, source, options);

function http(spec: BackendSpec): URL {
  expect(spec.kind).toBe('http');
  if (spec.kind !== 'http') throw new Error('not http');
  return spec.url;
}

function dir(spec: BackendSpec): string {
  expect(spec.kind).toBe('dir');
  if (spec.kind !== 'dir') throw new Error('not dir');
  return spec.dir;
}

describe('parseBackend', () => {
  it('accepts https, keeping the path', () => {
    const url = http(parse('https://api.example.com/base/'));
    expect(url.href).toBe('https://api.example.com/base');
    expect(http(parse('HTTPS://API.EXAMPLE.COM')).hostname).toBe('api.example.com');
  });

  it.each([
    'http://127.0.0.1:8080',
    'http://127.5.6.7/',
    'http://localhost:3000/x',
    'http://LOCALHOST',
    'http://[::1]:9000/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://127.1/',
  ])('accepts loopback http %s without --allow-http', (value) => {
    expect(http(parse(value)).protocol).toBe('http:');
  });

  it.each([
    'http://example.com',
    'http://10.0.0.5:8080',
    'http://127.0.0.1.evil.com',
    'http://localhost.evil.com',
    'http://api.localhost',
    'http://localhost./',
    'http://[::2]/',
    'http://0.0.0.0',
  ])('refuses non-loopback http %s without --allow-http', (value) => {
    expect(() => parse(value)).toThrow(/clear text/);
  });

  it('accepts non-loopback http with --allow-http', () => {
    expect(http(parse('http://example.com', { allowHttp: true, cwd })).host).toBe('example.com');
  });

  it('a bad --to is a usage error, a bad setting a config error; both exit 2', () => {
    let error: unknown;
    try {
      parse('http://example.com');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(() => parse('http://example.com', strict, 'TRACES_API_URL')).toThrow(ConfigError);
    expect(() => parse('http://example.com', strict, 'TRACES_API_URL')).toThrow(/^TRACES_API_URL: /);
    expect((error as UsageError).exitCode).toBe(EXIT.usage);
    expect((error as UsageError).hint).toMatch(/--allow-http/);
  });

  it('reads a file: URL as a folder', () => {
    expect(dir(parse('file:///srv/traces%20store'))).toBe('/srv/traces store');
  });

  it('refuses a file: URL with a host', () => {
    expect(() => parse('file://server/share')).toThrow(/not a valid file: URL/);
  });

  it.each([
    ['store', resolve(cwd, 'store')],
    ['./store', resolve(cwd, 'store')],
    ['../elsewhere/store', resolve('/home/me/elsewhere/store')],
    ['.', resolve(cwd)],
    ['/abs/store', '/abs/store'],
  ])('resolves the folder %s against the working directory', (value, expected) => {
    expect(dir(parse(value))).toBe(expected);
  });

  it.each(['ftp://example.com/x', 'ws://localhost', 'mailto:me@example.com', 'javascript:alert(1)'])(
    'refuses the scheme of %s',
    (value) => {
      expect(() => parse(value)).toThrow(/unsupported scheme/);
    },
  );

  it.each(['https://user:secret-pass@api.example.com', 'https://token@api.example.com', 'http://u:p@localhost:3000'])(
    'refuses credentials in %s, without repeating them',
    (value) => {
      let message = '';
      try {
        parse(value);
      } catch (e) {
        message = (e as Error).message + String((e as UsageError).hint);
      }
      expect(message).toMatch(/credentials in the URL/);
      expect(message).not.toContain('secret-pass');
      expect(message).not.toContain('token@');
    },
  );

  it.each([
    ['api.primeintellect.ai', 'https://api.primeintellect.ai'],
    ['api.example.com/base', 'https://api.example.com/base'],
    ['localhost:8787', 'http://localhost:8787'],
    ['[::1]:9000', 'http://[::1]:9000'],
    ['//example.com:1', 'https://example.com:1'],
    [' https://api.example.com', 'https://api.example.com'],
    ['https:api.example.com', 'https://api.example.com'],
  ])('refuses %j, which is no folder, suggesting %s', (value, suggestion) => {
    let error: unknown;
    try {
      parse(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).hint).toContain(`Did you mean ${suggestion}?`);
  });

  it('reads ~ and ~/x against the home it is given', () => {
    expect(dir(parse('~/store', { ...strict, home: '/home/me' }))).toBe('/home/me/store');
    expect(dir(parse('~', { ...strict, home: '/home/me' }))).toBe('/home/me');
  });

  it('refuses a URL that does not parse', () => {
    expect(() => parse('https://')).toThrow(/not a valid URL/);
  });
});

describe('resolveBackend', () => {
  it('takes --to, then TRACES_API_URL, then PRIME_AGENT_TRACES_BASE_URL, then the setting, then the default', () => {
    const env = { TRACES_API_URL: 'https://a.example', PRIME_AGENT_TRACES_BASE_URL: 'https://b.example' };
    const settings = { api_url: 'https://c.example' };
    expect(resolveBackend('./store', env, settings, strict)).toMatchObject({ kind: 'dir', source: '--to' });
    expect(resolveBackend(undefined, env, settings, strict)).toMatchObject({ source: 'TRACES_API_URL' });
    expect(resolveBackend(undefined, { PRIME_AGENT_TRACES_BASE_URL: 'https://b.example' }, settings, strict)).toMatchObject({
      source: 'PRIME_AGENT_TRACES_BASE_URL',
    });
    expect(resolveBackend(undefined, {}, settings, strict)).toMatchObject({ source: 'config api_url' });
    const fallback = resolveBackend(undefined, {}, {}, strict);
    expect(fallback.source).toBe('default');
    expect(http(fallback).href).toBe(new URL(DEFAULT_API_URL).href);
  });

  it('ignores empty environment values', () => {
    expect(resolveBackend(undefined, { TRACES_API_URL: '' }, {}, strict).source).toBe('default');
  });

  it('checks what it resolves: a clear-text setting is a config error', () => {
    expect(() => resolveBackend(undefined, { TRACES_API_URL: 'http://example.com' }, {}, strict)).toThrow(ConfigError);
  });
});

describe('isLoopback, redactUrl and backendId', () => {
  it('isLoopback knows the loopback names only', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.0.9', '[::1]', '::1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['localhost.com', '128.0.0.1', '127.0.0', 'x.localhost', 'example.com', '::', '[::ffff:7f00:1]x'])
      expect(isLoopback(host)).toBe(false);
  });

  it('redactUrl drops credentials and trailing slashes', () => {
    expect(redactUrl(new URL('https://u:p@api.example.com/base///'))).toBe('https://api.example.com/base');
  });

  it('backendId names an http backend by its URL and a folder by file:', () => {
    expect(backendId(parse('https://api.example.com/'))).toBe('https://api.example.com');
    expect(backendId(parse('./store'))).toBe(`file:${resolve(cwd, 'store')}`);
  });
});
