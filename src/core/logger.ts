import type { Logger } from '../contracts/logger.js';

export type { Logger };

export const silentLogger: Logger = { debug() {}, warn() {} };
