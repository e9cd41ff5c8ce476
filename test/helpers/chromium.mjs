// The headless Chromium the browser tests and the web view's benchmark drive: Debian's package,
// or the one CHROMIUM names. Plain JavaScript, so that bench/ (which runs without a TypeScript
// step) shares it with test/.

/** Where the browser is. */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/**
 * Flags for a quiet, self-contained headless Chromium: no GPU, no sandbox (CI containers run as
 * root), and none of the background traffic (updates, sync, QUIC probes) a profile would start.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
