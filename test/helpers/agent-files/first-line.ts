import { readFirstLine } from '../../../src/core/agents/registry.js';
import type { FirstLine } from '../../../src/core/agents/types.js';

/** Line 1 of a file as the registry hands it to every adapter (an unreadable or empty file: no value). */
export function firstLine(path: string): FirstLine {
  const read = readFirstLine(path);
  return 'error' in read ? { value: undefined, terminated: false } : read;
}
