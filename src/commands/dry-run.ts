import type { BackendSpec, Operation } from '../config/backend.js';
import { AuthError } from '../errors.js';
import type { Io } from '../output/io.js';
import { requireCredential } from './context.js';

/**
 * A dry run sends nothing, so it needs no credential; but a real run would stop for lack of one
 * (exit 4), and the dry run is where a person finds that out. Says so on stderr; never fails.
 */
export function dryRunCredential(io: Io, backend: BackendSpec, operation: Operation = 'upload'): undefined {
  try {
    requireCredential(io, backend, operation);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    io.stderr.write(`dry run: ${error.message}: a real run would stop here (exit 4).${error.hint ? ` ${error.hint}` : ''}\n`);
  }
  return undefined;
}
