declare const __TRACES_VERSION__: string;

/** Set at build time from package.json (tsup and vitest both define it). */
export const VERSION: string = __TRACES_VERSION__;
export const USER_AGENT = `traces/${VERSION}`;
