import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/config/backend.js';

describe('isLoopback: 127.0.0.0/8, ::1 or exactly localhost', () => {
  it.each([
    'localhost',
    'LocalHost',
    '127.0.0.1',
    '127.255.255.254',
    '127.0.0.2',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '0000::0001',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
  ])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });
  it.each([
    'foo.localhost',
    'localhost.example.com',
    'localhost.',
    '127.0.0.1.nip.io',
    '127.1',
    '127.0.0.256',
    '127.000.000.001',
    '0x7f.0.0.1',
    '128.0.0.1',
    '0.0.0.0',
    '::',
    '::2',
    '::ffff:10.0.0.1',
    '::1%lo',
    'fe80::1%eth0',
    '[::1',
    '',
    'example.com',
  ])('%s is not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});
