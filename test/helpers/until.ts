/**
 * Waits until `check` holds, looking every `everyMs`; fails after `ms` naming what it waited for
 * (and `detail()`, e.g. a log, to show why). Tests wait on conditions, never on fixed sleeps.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  options: { ms?: number; everyMs?: number; detail?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.ms ?? 10_000);
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, options.everyMs ?? 25));
  }
  throw new Error(`timed out waiting for ${what}${options.detail ? `:\n${options.detail()}` : ''}`);
}
