import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, encodeHeaderValue } from '../../src/backend/header-value.js';

const SENDABLE = /^[\t\x20-\x7e\x80-\xff]*$/;

describe('header value encoding', () => {
  it.each(['/home/ada/project', '/home/josé/café', '/tmp/a%25b', '/tmp/100%', '/tmp/a\tb', "it's (a) *", 'x\u00a0y', ''])(
    'sends %j as it is',
    (value) => {
      expect(encodeHeaderValue(value)).toBe(value);
      expect(decodeHeaderValue(value)).toBe(value);
    },
  );

  it.each([
    '/home/用户/项目',
    '/tmp/😀',
    '/tmp/dir ',
    ' /tmp/dir',
    '\t',
    'a\r\nb',
    'nul\u0000',
    'del\u007f',
    "UTF-8''%41",
    "utf-8''abc",
    "UTF-8''",
    "it's (a) * 用",
  ])('encodes %j in the extended form, which decodes back to it', (value) => {
    const sent = encodeHeaderValue(value);
    expect(sent.startsWith("UTF-8''")).toBe(true);
    expect(sent).toMatch(/^UTF-8''(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})*$/);
    expect(decodeHeaderValue(sent)).toBe(value);
  });

  it('every value of U+0000..U+00FF and beyond round-trips and is sendable', () => {
    for (let code = 0; code < 0x3000; code++) {
      for (const value of [String.fromCharCode(code), `a${String.fromCharCode(code)}b`]) {
        const sent = encodeHeaderValue(value);
        expect(sent).toMatch(SENDABLE);
        expect(sent).not.toMatch(/^[ \t]|[ \t]$/);
        if (code >= 0xd800 && code <= 0xdfff) expect(decodeHeaderValue(sent)).toBe(value.replace(String.fromCharCode(code), '\ufffd'));
        else expect(decodeHeaderValue(sent)).toBe(value);
      }
    }
  });

  it('decodes only the well-formed extended form; anything else is the value itself', () => {
    expect(decodeHeaderValue('%2Fhome%2Fjos%C3%A9')).toBe('%2Fhome%2Fjos%C3%A9');
    expect(decodeHeaderValue("UTF-8''%2Fhome%2Fjos%C3%A9")).toBe('/home/josé');
    expect(decodeHeaderValue("utf-8''%E7%94%A8")).toBe('用');
    expect(decodeHeaderValue("UTF-8''%zz")).toBe("UTF-8''%zz");
    expect(decodeHeaderValue("UTF-8''%C3")).toBe("UTF-8''%C3");
    expect(decodeHeaderValue("UTF-8''a b")).toBe("UTF-8''a b");
    expect(decodeHeaderValue("ISO-8859-1''caf%E9")).toBe("ISO-8859-1''caf%E9");
  });
});
