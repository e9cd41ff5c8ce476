import { describe, expect, it } from 'vitest';
import { describeBody, errorMessage } from '../../src/backend/envelope.js';

/** What every described body must be: some text, and never a stringified object. */
function readable(text: string | undefined): string {
  expect(text).toBeTypeOf('string');
  expect(text).not.toMatch(/\[object Object\]/);
  expect(text).not.toBe('undefined');
  return text!;
}

describe('describeBody: the envelopes of DESIGN §2', () => {
  it('{errors:[{param,details}]}', () => {
    const body = JSON.stringify({
      errors: [
        { param: 'session_id', details: 'must be a UUID' },
        { param: 'x-trace-id', details: 'required' },
      ],
    });
    expect(readable(describeBody(body))).toBe('session_id: must be a UUID; x-trace-id: required');
  });

  it('{detail: "text"}', () => {
    expect(readable(describeBody('{"detail":"Not authenticated"}'))).toBe('Not authenticated');
  });

  it('{detail: [{loc,msg,type}]} (FastAPI validation)', () => {
    const body = JSON.stringify({
      detail: [
        { loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' },
        { loc: ['query', 'limit', 0], msg: 'must be positive', type: 'value_error' },
      ],
    });
    expect(readable(describeBody(body))).toBe('body.name: field required; query.limit.0: must be positive');
  });

  it('{message, type, details:[{loc,msg,type}]}', () => {
    const body = JSON.stringify({
      message: 'Validation failed',
      type: 'validation_error',
      details: [{ loc: ['body', 'metadata'], msg: 'too big', type: 'size' }],
    });
    expect(readable(describeBody(body))).toBe('Validation failed; body.metadata: too big');
  });

  it('{error:{message}} and {error:"text"}', () => {
    expect(readable(describeBody('{"error":{"message":"Rate limit exceeded","code":"rate_limited"}}'))).toBe('Rate limit exceeded');
    expect(readable(describeBody('{"error":"invalid_token"}'))).toBe('invalid_token');
  });

  it('RFC 9457 {title,status,detail,code}', () => {
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
      detail: 'limit is 20 MiB',
      code: 'too_large',
    });
    expect(readable(describeBody(body))).toBe('Payload Too Large; limit is 20 MiB');
  });

  it('plain text, with its whitespace tidied', () => {
    expect(readable(describeBody('upstream connect error\n  or disconnect\n'))).toBe('upstream connect error or disconnect');
  });

  it('an HTML page decodes entities; one with no text says nothing; text that merely starts with < is kept', () => {
    expect(describeBody('<html><body><p>Tom &amp; Jerry&#39;s &lt;proxy&gt;</p></body></html>')).toBe("Tom & Jerry's <proxy>");
    expect(describeBody('<html><body><br></body></html>')).toBeUndefined();
    expect(describeBody('<none> was returned')).toBe('<none> was returned');
  });

  it('an empty or blank body has nothing to say', () => {
    expect(describeBody('')).toBeUndefined();
    expect(describeBody(' \n\t')).toBeUndefined();
  });

  it('an HTML error page becomes its text, without tags, scripts or styles', () => {
    const html = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title><style>body { font-family: sans-serif; }</style>
<script>window.x = 1;</script></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`;
    const text = readable(describeBody(html));
    expect(text).toContain('502 Bad Gateway');
    expect(text).toContain('nginx');
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toContain('font-family');
    expect(text).not.toContain('window.x');
  });
});

describe('describeBody: other shapes never print [object Object]', () => {
  it.each([
    ['a JSON string', '"just a string"', 'just a string'],
    ['a list of strings', '["a","b"]', 'a; b'],
    ['a list of problem objects', '[{"field":"name","message":"too long"}]', 'name: too long'],
    ['Rails-style errors by field', '{"errors":{"name":["is too long"],"cwd":"is blank"}}', 'name: is too long; cwd: is blank'],
    ['errors as strings', '{"errors":["bad header"]}', 'bad header'],
    ['a nested error object without a message', '{"error":{"code":"E42"}}', '{"error":{"code":"E42"}}'],
    ['an object with no known field', '{"foo":{"bar":1}}', '{"foo":{"bar":1}}'],
    ['an object detail', '{"detail":{"reason":"x"}}', '{"detail":{"reason":"x"}}'],
    ['a number', '42', '42'],
    ['null', 'null', 'null'],
    ['msg instead of message', '{"msg":"slow down"}', 'slow down'],
    ['details as objects in an errors item', '{"errors":[{"param":"body","details":[{"msg":"bad line 3"}]}]}', 'body: bad line 3'],
  ])('%s', (_name, body, expected) => {
    expect(readable(describeBody(body))).toBe(expected);
  });

  it('repeats nothing when title and detail say the same', () => {
    expect(describeBody('{"title":"Not Found","detail":"Not Found"}')).toBe('Not Found');
  });

  it('clips a very long message', () => {
    const text = readable(describeBody(JSON.stringify({ detail: 'x'.repeat(5000) })));
    expect(text.length).toBeLessThanOrEqual(501);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('errorMessage', () => {
  it('puts the status and reason before what the server said', () => {
    expect(errorMessage(422, 'Unprocessable Entity', '{"errors":[{"param":"body","details":"not NDJSON"}]}')).toBe(
      '422 Unprocessable Entity: body: not NDJSON',
    );
  });

  it('is the status alone when the body says nothing', () => {
    expect(errorMessage(503, 'Service Unavailable', '')).toBe('503 Service Unavailable');
    expect(errorMessage(500, '', '')).toBe('500');
  });
});
