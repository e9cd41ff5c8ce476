import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type * as S3 from '@aws-sdk/client-s3';
import type { NodeHttpHandlerOptions } from '@smithy/types';
import type { S3Location } from '../../contracts/backend-id.js';
import type { Logger } from '../../contracts/logger.js';

/** How a bucket store connects: the environment for the AWS chain, and the run's retry and timeout settings. */
export interface BucketOptions {
  env: Record<string, string | undefined>;
  /** Retries after the first attempt, as for HTTP backends. */
  retries: number;
  /** A connection that takes longer, or a request that sends or receives nothing for this long, fails. */
  timeoutMs: number;
  /** Bodies of this size and above go up as multipart uploads. @default MULTIPART_THRESHOLD */
  multipartThreshold?: number;
  /** Where the SDK's own remarks go (--verbose); never the terminal directly. */
  logger?: Logger;
  /** How old the bodies a session's move left behind must be before they are removed. @default 1 hour */
  staleAfterMs?: number;
}

/**
 * The AWS SDK, loaded now (start-up and the hook never pay for it), and the two clients a bucket
 * talks through: `client` for requests the SDK may send again, `once` for a streamed body, which
 * it cannot. Credentials and region come from the standard AWS chain; request checksums are sent
 * only when an operation requires them (the SDK's newer default breaks R2 and other
 * S3-compatible stores).
 */
export async function s3Clients(
  location: S3Location,
  options: BucketOptions,
): Promise<{ sdk: typeof S3; client: S3.S3Client; once: S3.S3Client }> {
  // The SDK warns on every Node 20 process that its releases after January 2027 need Node 22;
  // the version here is pinned, so the warning says nothing to a user of traces.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const { env } = options;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (location.endpoint ? 'us-east-1' : undefined);
  // Keys in the environment this run was given (which in-process callers pass as their own);
  // otherwise the SDK's chain: shared files, the profile, SSO, container and instance roles.
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
      : undefined;
  const config: S3.S3ClientConfig = {
    ...(region ? { region } : {}),
    ...(keys ? { credentials: keys } : env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    forcePathStyle: location.pathStyle ?? Boolean(location.endpoint),
    followRegionRedirects: true,
    maxAttempts: options.retries + 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: options.timeoutMs, socketTimeout: options.timeoutMs } as NodeHttpHandlerOptions,
    // Without a logger of its own the SDK writes some warnings to the console (a streamed body
    // that failed, say): those are for --verbose, the failure itself is reported as an error.
    logger: sdkLogger(options.logger),
  };
  // A streamed body is sent once, on a connection of its own: a kept-alive one the store closes
  // as it goes idle would reset the PUT just as it starts, and the body cannot be sent again.
  const fresh = { keepAlive: false };
  const once = new sdk.S3Client({
    ...config,
    maxAttempts: 1,
    requestHandler: { ...config.requestHandler, httpAgent: new HttpAgent(fresh), httpsAgent: new HttpsAgent(fresh) },
  });
  return { sdk, client: new sdk.S3Client(config), once };
}

/** The SDK's logger interface over the project's: debug and info dropped, warnings and errors as detail. */
function sdkLogger(logger: Logger | undefined): { debug(): void; info(): void; warn(...a: unknown[]): void; error(...a: unknown[]): void } {
  // An SDK error object's name and message only: the whole object may carry the request's input.
  const text = (arg: unknown) =>
    arg instanceof Error
      ? `${arg.name}: ${arg.message}`
      : typeof arg === 'object' && arg !== null
        ? '(details at the SDK level)'
        : String(arg);
  const detail = (...args: unknown[]) => logger?.debug(`aws sdk: ${args.map(text).join(' ')}`);
  return { debug: () => {}, info: () => {}, warn: detail, error: detail };
}
