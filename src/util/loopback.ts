import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether `hostname` is this machine by address, not by a name a resolver could answer otherwise:
 * an IPv4 address in 127.0.0.0/8, the IPv6 address ::1 (any spelling, bracketed or not, and the
 * IPv4-mapped ::ffff:127.x.y.z), or exactly `localhost` (any case, no trailing dot: `localhost.`
 * is a DNS name like any other, as is `foo.localhost`).
 */
export function isLoopback(hostname: string): boolean {
  if (hostname.toLowerCase() === 'localhost') return true;
  if (isIPv4(hostname)) return hostname.startsWith('127.');
  const v6 = /^\[(.*)\]$/.exec(hostname)?.[1] ?? hostname;
  // Zone ids (fe80::1%eth0) pass isIPv6 but are no URL host: not taken as loopback.
  if (!isIPv6(v6) || v6.includes('%')) return false;
  // The URL parser writes every IPv6 address one way: ::1, and ::ffff:7f00:1 for ::ffff:127.0.0.1.
  const canonical = new URL(`http://[${v6}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
