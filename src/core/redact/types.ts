/** A secret's place in a text: [start, end) in UTF-16 units. */
export type Span = readonly [start: number, end: number];

/**
 * One rule of the redactor. `trigger` is tested on the RAW line (JSON text, escapes and all): a
 * rule can only find a secret in a line its trigger matches, so lines no trigger matches are never
 * decoded. A trigger must therefore match the raw form of everything `find` would find in the
 * decoded text (the keywords it uses are plain ASCII, which JSON writes as is; lines with `\u` or
 * `\/` escapes are decoded before their triggers are tested).
 */
export interface Rule {
  /** What `[REDACTED:<id>]` and a finding name. */
  readonly id: string;
  readonly trigger: RegExp | { test(text: string): boolean };
  /** The spans of `text` that are secrets. */
  find(text: string): Span[];
}

/** A secret the redactor found: where, which rule, and a preview that does not give it away. */
export interface Finding {
  /** 1-based line number in its file, when the caller knows it. */
  line?: number;
  /** The JSON path of the string that held it (`message.content[0].text`); '' for a line that is not JSON. */
  path: string;
  ruleId: string;
  /** The first 4 characters and the length: `sk-a…(51)`. Never the secret. */
  preview: string;
}

/** What a redactor is built from (the settings `redact_patterns` and `redact_allow`, and the tokens in use). */
export interface RedactOptions {
  /** More secrets: regular expressions, `/source/flags` or bare source. */
  patterns?: readonly (string | RegExp)[];
  /** Never redacted: exact strings, or `/source/flags` regular expressions tested on a found secret. */
  allow?: readonly (string | RegExp)[];
  /** Literal secrets always redacted, such as the token `traces` itself sends. */
  extraSecrets?: readonly (string | undefined)[];
}
