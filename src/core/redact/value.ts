import type { Redactor } from './redactor.js';

/** A value as sent: its JSON, and the value that JSON stands for. */
export interface SentJson<T> {
  json: string;
  value: T;
}

/**
 * `value` serialized once and its JSON redacted as one line: strings change, the structure does
 * not. Only a JSON the redactor changed is parsed back, so a clean value is returned as it is.
 */
export function redactedJson<T>(value: T, redactor: Redactor | undefined): SentJson<T> {
  const json = JSON.stringify(value);
  if (!redactor) return { json, value };
  const { text } = redactor.redactLine(json);
  return text === json ? { json, value } : { json: text, value: JSON.parse(text) as T };
}

/** `value` with every secret in its strings redacted (the same value when there was none, or no redactor). */
export function redactValue<T>(value: T, redactor: Redactor | undefined): T {
  return redactor ? redactedJson(value, redactor).value : value;
}
