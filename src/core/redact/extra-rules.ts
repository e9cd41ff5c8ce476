import { toRegExp } from '../../util/pattern-list.js';
import type { Rule, Span } from './types.js';

/*
 * What the secretlint preset misses in agent sessions: credentials that have no recognisable
 * shape of their own and are known by where they stand (an Authorization header, a variable or
 * a field named like a secret), the user's own patterns, and the tokens `traces` itself uses.
 */

/** `Authorization: Bearer <token>`, `Bearer <token>` alone (curl -H, logs), `Authorization: Basic <b64>`. */
const AUTHORIZATION = [
  /(?<![A-Za-z0-9])[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)/g,
  /Authorization["']?\s*[:=]\s*["']?(?:Basic|Token|token)\s+([A-Za-z0-9._~+/-]{8,}=*)/gi,
];

/**
 * A name that says its value is a secret: ending in `_KEY`, `_TOKEN`, `_SECRET`, `_PASSWORD`
 * (or `-`, any case), or one of a few whole names (`password`, `apiKey`, `clientSecret`,
 * `Authorization`, ...).
 */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*[_-](?:key|token|secret|password|passwd)|password|passwd|secret|apikey|accesstoken|refreshtoken|authtoken|clientsecret|privatekey|(?:proxy-)?authorization`;
// Such a name followed by `=` or `:` (a quote, a space or their JSON escapes between): prose that
// merely says "password" is not decoded. No boundary before the name: in raw JSON the character
// before it may be the `n` of a `\n` escape.
const SECRET_NAME_TRIGGER =
  /(?:[_-](?:key|token|secret|passw(?:or)?d)|password|passwd|secret|apikey|accesstoken|refreshtoken|authtoken|clientsecret|privatekey|authorization)(?:[\s"'\\]|\\[nrt])*[:=]/i;
const SECRET_FIELD = new RegExp(`^(?:${SECRET_NAME})$`, 'i');
/** Names ending in `_key` that name a kind of key in code and data, not a credential. */
const KEY_KINDS = /^(?:primary|foreign|sort|partition|range|hash|cache|unique|composite|public|idempotency)[_-]key$/i;

/**
 * `NAME=value` as `env`, `export` and `.env` files print it, and `"name": "value"` as JSON text
 * shows it (a file the agent read, a command's output): the value is group 3, 4 or 5.
 */
const ASSIGNMENT = new RegExp(
  String.raw`(?<![A-Za-z0-9_.-])(?:(${SECRET_NAME})\s*=|"(${SECRET_NAME})"\s*:)\s*(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"'\`,;{}()[\]]+))`,
  'gi',
);

/**
 * Whether a value standing after a secret's name is worth hiding: not a reference to another
 * variable (`$API_KEY`, `${TOKEN}`, `<your-key>`), not a literal of the language, not already redacted.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 4) return false;
  if (/^(?:\$|%[A-Z_]|<[^>]*>$|\[REDACTED)/.test(value)) return false;
  return !/^(?:true|false|null|none|undefined|\*+)$/i.test(value);
}

/** Whether a JSON field with this name holds a secret by its name (`api_key`, `DB_PASSWORD`, `clientSecret`). */
export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD.test(name) && !KEY_KINDS.test(name);
}

/** The rule name the structural check of JSON fields reports (see json-line.ts). */
export const SECRET_FIELD_RULE = 'secret-field';
/** A trigger for the structural check of JSON fields: a line without such a name has none. */
export const SECRET_FIELD_TRIGGER = SECRET_NAME_TRIGGER;

function spansOf(patterns: readonly RegExp[], text: string, groups: readonly number[]): Span[] {
  const spans: Span[] = [];
  for (const pattern of patterns) {
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      const group = groups.find((g) => match[g] !== undefined);
      const value = group === undefined ? match[0] : match[group]!;
      if (group !== undefined && !looksLikeSecretValue(value)) continue;
      const start = match.index + (group === undefined ? 0 : match[0].lastIndexOf(value));
      if (value.length > 0) spans.push([start, start + value.length]);
    }
  }
  return spans;
}

export const authorizationRule: Rule = {
  id: 'authorization',
  trigger: /bearer|authorization/i,
  find: (text) => spansOf(AUTHORIZATION, text, [1]),
};

export const assignmentRule: Rule = {
  id: 'secret-assignment',
  trigger: SECRET_NAME_TRIGGER,
  find: (text) => spansOf([ASSIGNMENT], text, [3, 4, 5]),
};

/** The user's patterns (`redact_patterns`): each match is a secret. */
export function userPatternRule(patterns: readonly (string | RegExp)[]): Rule | undefined {
  if (patterns.length === 0) return undefined;
  const compiled = patterns.map((p) =>
    typeof p === 'string' ? toRegExp(p) : new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`),
  );
  // A user's pattern has no keyword to look for: its trigger is the pattern itself, tested on the
  // raw line and on the line with its JSON escapes undone (see Redactor).
  const test = (text: string) =>
    compiled.some((re) => {
      re.lastIndex = 0;
      return re.test(text);
    });
  return { id: 'user-pattern', trigger: { test }, find: (text) => spansOf(compiled, text, []) };
}

/** Literal secrets (the token traces sends): every occurrence, as written or JSON-escaped. */
export function knownSecretsRule(secrets: readonly (string | undefined)[]): Rule | undefined {
  const kept = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))];
  if (kept.length === 0) return undefined;
  const forms = kept.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  const trigger = new RegExp([...new Set(forms)].map(escapeRegExp).join('|'));
  const exact = kept.map((s) => new RegExp(escapeRegExp(s), 'g'));
  return { id: 'traces-token', trigger, find: (text) => spansOf(exact, text, []) };
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
