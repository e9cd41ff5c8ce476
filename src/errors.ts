/**
 * The one error hierarchy. Every error a user can cause or meet is a TracesError; `cli.ts` maps
 * `exitCode` to the process exit code. Anything else reaching the top is a bug.
 */

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 4,
  /** Cancelled by the user: Ctrl-C (or Ctrl-D) at a prompt, Ctrl-C during a run; 128 + SIGINT, as shells report it. */
  cancelled: 130,
  /** Stopped by SIGTERM during a run: 128 + SIGTERM. */
  terminated: 143,
} as const;

/** The exit code of a run stopped by a signal, as a shell would report the signal. */
export const SIGNAL_EXIT = { SIGINT: EXIT.cancelled, SIGTERM: EXIT.terminated } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class TracesError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  /** A line telling the user what to do about it, printed after the message. */
  readonly hint?: string;

  constructor(message: string, options: { code: string; exitCode: ExitCode; hint?: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.exitCode = options.exitCode;
    this.hint = options.hint;
  }
}

/** Bad flags, arguments or input named by the user. Exit 2. */
export class UsageError extends TracesError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'usage', exitCode: EXIT.usage, hint });
  }
}

/** Bad settings or environment (a config value, a backend URL). Exit 2. */
export class ConfigError extends TracesError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'config', exitCode: EXIT.usage, hint });
  }
}

/** No credential, or the server refused it. Exit 4. */
export class AuthError extends TracesError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'auth', exitCode: EXIT.auth, hint });
  }
}

/** The person at the terminal backed out (Ctrl-C or Ctrl-D at a prompt). Exit 130. */
export class CancelledError extends TracesError {
  constructor(message = 'cancelled') {
    super(message, { code: 'cancelled', exitCode: EXIT.cancelled });
  }
}

/** The server answered with a status other than 2xx. */
export class ApiError extends TracesError {
  readonly status: number;
  readonly retryAfterMs?: number;
  /** The response body as text (never contains our token: the server does not echo it). */
  readonly body: string;
  /** For a 401/403: the refused credential's source, once `refusedBy` named it. */
  readonly credential?: string;

  constructor(message: string, options: { status: number; body: string; retryAfterMs?: number; credential?: string; hint?: string }) {
    const auth = options.status === 401 || options.status === 403;
    super(message, {
      code: `http_${options.status}`,
      exitCode: auth ? EXIT.auth : EXIT.failed,
      hint: auth
        ? (options.hint ?? 'Check the token: run `traces login`, or set TRACES_TOKEN.')
        : options.status === 426
          ? 'The server says this version of traces is too old: upgrade it (npm install -g traces@latest).'
          : undefined,
    });
    this.status = options.status;
    this.body = options.body;
    this.retryAfterMs = options.retryAfterMs;
    this.credential = options.credential;
  }
}

/** The request never got an answer: refused, reset, DNS, TLS. */
export class NetworkError extends TracesError {
  /**
   * Set when no connection to the backend could be made at all (refused, DNS, TLS, no route): the
   * system's code, e.g. ECONNREFUSED. Unset when a connection was made and then lost.
   */
  readonly unreachable?: string;

  constructor(message: string, cause?: unknown, unreachable?: string) {
    super(message, { code: 'network', exitCode: EXIT.failed, cause });
    this.unreachable = unreachable;
  }
}

/** No answer in time. */
export class TimeoutError extends TracesError {
  /** Set when the time ran out before a connection was made (see NetworkError.unreachable). */
  readonly unreachable?: string;

  constructor(message: string, cause?: unknown, unreachable?: string) {
    super(message, { code: 'timeout', exitCode: EXIT.failed, cause });
    this.unreachable = unreachable;
  }
}

/** Why nothing could be reached (e.g. ECONNREFUSED), or undefined for any other outcome. */
export function unreachableReason(error: unknown): string | undefined {
  return error instanceof NetworkError || error instanceof TimeoutError ? error.unreachable : undefined;
}

/** A local file could not be used as asked (not a session, unreadable). */
export class SessionFileError extends TracesError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'session_file', exitCode: EXIT.failed, cause });
  }
}

/** A session file over the size limit: reported, never sent. */
export class TooLargeError extends TracesError {
  constructor(message: string) {
    super(message, { code: 'too_large', exitCode: EXIT.failed });
  }
}

/**
 * A local path (the state dir, a settings file, a lock) that the system would not let us use:
 * exit 2 when the path is the problem (permissions, a file in the way), 1 when the machine is
 * (a full disk, an I/O error).
 */
export class FileSystemError extends TracesError {
  constructor(message: string, options: { exitCode: ExitCode; hint?: string; cause?: unknown }) {
    super(message, { code: 'file_system', ...options });
  }
}

/** The credential a request carried, as people know it (never the token). */
export interface CredentialName {
  /** Where it came from: `TRACES_TOKEN (environment)`, `the login stored for https://host`. */
  source: string;
  /** What to do when the backend refuses it. */
  hint?: string;
}

/**
 * A 401/403 that names the credential refused and the backend that refused it:
 * "TRACES_TOKEN (environment) was refused by https://host (401 Unauthorized: ...)". Any other
 * error is returned as it is.
 */
export function refusedBy(error: unknown, credential: CredentialName, backend: string): unknown {
  if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403) || error.credential) return error;
  return new ApiError(`${credential.source} was refused by ${backend} (${error.message})`, {
    status: error.status,
    body: error.body,
    retryAfterMs: error.retryAfterMs,
    credential: credential.source,
    hint: credential.hint,
  });
}

/** A 401/403 from the server as the AuthError that stops a run (exit 4); undefined for anything else. */
export function refusedCredential(error: unknown): AuthError | undefined {
  if (error instanceof AuthError) return error;
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return new AuthError(error.credential ? error.message : `the backend refused the credential: ${error.message}`, error.hint);
  }
  return undefined;
}

/**
 * A failure that every further request of the run would meet too, so the run stops on it: a
 * refused credential (exit 4), or a backend configured wrong, such as a bucket that does not
 * exist (exit 2). Undefined for anything else.
 */
export function stopsTheRun(error: unknown): AuthError | ConfigError | undefined {
  return refusedCredential(error) ?? (error instanceof ConfigError ? error : undefined);
}

/** A short, single-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
