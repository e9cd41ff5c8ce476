import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError, TimeoutError } from '../../src/errors.js';
import { UnreachableRule } from '../../src/core/unreachable.js';

const refused = () => new NetworkError('PUT http://127.0.0.1:1/x: ECONNREFUSED', undefined, 'ECONNREFUSED');

describe('UnreachableRule', () => {
  it('stops after two sessions in a row found nothing to connect to, and holds their outcomes back', () => {
    const shown: string[] = [];
    const rule = new UnreachableRule<string>((s) => shown.push(s));
    rule.record('a', refused());
    expect(rule.reason).toBeUndefined();
    rule.record('b', new TimeoutError('no connection in time', undefined, 'UND_ERR_CONNECT_TIMEOUT'));
    expect(rule.reason).toBe('UND_ERR_CONNECT_TIMEOUT');
    rule.finish();
    expect(shown).toEqual([]);
  });

  it('a backend that answers, whatever it says, breaks the streak and the held outcomes are shown', () => {
    const shown: string[] = [];
    const rule = new UnreachableRule<string>((s) => shown.push(s));
    rule.record('a', refused());
    rule.record('b', new ApiError('503', { status: 503, body: '' }));
    rule.record('c', refused());
    rule.record('d', new NetworkError('PUT http://127.0.0.1:1/x: ECONNRESET'));
    rule.record('e', refused());
    rule.record('f');
    rule.record('g', refused());
    rule.finish();
    expect(rule.reason).toBeUndefined();
    expect(shown).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});
