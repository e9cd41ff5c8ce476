let counter = 0;

/**
 * A name part unique within this machine for temp files, lock nonces and queue entry ids: pid,
 * time, a counter and randomness. Not a secret, so `node:crypto` (7 ms to load) is not needed on
 * the hook's path.
 */
export function uniqueSuffix(): string {
  counter = (counter + 1) % 0x10000;
  const random = Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
  return `${process.pid.toString(36)}${Date.now().toString(36)}${counter.toString(36)}${random}`;
}
