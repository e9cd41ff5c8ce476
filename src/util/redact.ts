/** What a secret is replaced with wherever it would be shown. */
export const REDACTED = '[REDACTED]';

/**
 * Values shorter than this are not cut out: a "secret" of one or two characters would garble
 * every message it occurs in, and no real token is that short.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * The one redaction rule, for every place text can carry a token out (logs, errors, server
 * answers echoed into messages): each secret, wherever it occurs, becomes `[REDACTED]`.
 */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const kept = secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
  if (kept.length === 0) return (text) => text;
  return (text) => kept.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}

/** `text` with every one of `secrets` replaced by `[REDACTED]`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  return redactor(secrets)(text);
}
