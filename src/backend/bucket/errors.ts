import { neverConnected } from '../never-connected.js';
import { ApiError, AuthError, ConfigError, NetworkError, TimeoutError, TracesError, describeError } from '../../errors.js';

/** Error names S3 and S3-compatible stores give a request they refuse for its credential. */
const DENIED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AccountProblem',
  'InvalidClientTokenId',
]);

const CREDENTIAL_HINT =
  'The bucket store uses the AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the shared config and credentials files.';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  cause?: unknown;
}

/**
 * An AWS SDK failure as one of the project's errors, naming the store and what was being done:
 * no such bucket is a configuration error (exit 2), a refused or missing credential an AuthError
 * (exit 4), an endpoint that cannot be reached a NetworkError, anything else an ApiError with the
 * store's status. The SDK's messages carry no secret; they are passed on as they are.
 */
export function bucketError(error: unknown, store: string, doing: string): Error {
  if (error instanceof TracesError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const where = `${store}: ${doing}`;
  if (name === 'NoSuchBucket') {
    return new ConfigError(
      `${store}: the bucket does not exist`,
      'Check the bucket name, and the endpoint (AWS_ENDPOINT_URL_S3) or region.',
    );
  }
  if (DENIED.has(name) || status === 401 || status === 403) {
    return new AuthError(`${where}: access denied (${name || status})`, CREDENTIAL_HINT);
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(name)) {
    return new AuthError(`${where}: no AWS credentials found`, CREDENTIAL_HINT);
  }
  if (/Region is missing/i.test(e.message ?? '')) {
    return new ConfigError(`${store}: no AWS region`, 'Set AWS_REGION, or a region in your AWS config profile.');
  }
  const code = systemCode(error);
  if (code && neverConnected(code)) return new NetworkError(`${where}: cannot reach the store's endpoint (${code})`, error, code);
  if (code) return new NetworkError(`${where}: the connection to the store failed (${code})`, error);
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || name === 'RequestTimeout') {
    return new TimeoutError(`${where}: the store did not answer in time`, error);
  }
  if (status === undefined) return new NetworkError(`${where}: ${describeError(error)}`, error);
  return new ApiError(`${where}: ${status} ${name || 'error'}${e.message && e.message !== name ? `: ${e.message}` : ''}`, {
    status,
    body: '',
    hint: status === 404 ? 'Check the endpoint (AWS_ENDPOINT_URL_S3): it may not be an S3-compatible store.' : undefined,
  });
}

/** The system error code (ECONNREFUSED...) under an SDK error, which may wrap it once or twice. */
function systemCode(error: unknown): string | undefined {
  let current = error as SdkError | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    // The SDK puts its $metadata on every error, a socket's too: a system code is what says which.
    if (typeof current.code === 'string' && (/^E[A-Z0-9_]+$/.test(current.code) || neverConnected(current.code))) return current.code;
    const errors = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length) current = errors[0] as SdkError;
    else current = current.cause as SdkError | undefined;
  }
  return undefined;
}

/** A conditional write refused: 412, or If-Match on a key that no longer exists (S3 answers 404 then). */
export function isConflict(error: unknown): boolean {
  const e = error as SdkError;
  const status = e?.$metadata?.httpStatusCode;
  return status === 412 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict' || status === 409;
}

export function isMissing(error: unknown): boolean {
  const e = error as SdkError;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}
