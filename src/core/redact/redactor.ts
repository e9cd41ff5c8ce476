import { isSlashed, toRegExp } from '../../util/pattern-list.js';
import {
  assignmentRule,
  authorizationRule,
  isSecretFieldName,
  knownSecretsRule,
  looksLikeSecretValue,
  SECRET_FIELD_RULE,
  SECRET_FIELD_TRIGGER,
  userPatternRule,
} from './extra-rules.js';
import { decodeLiteral, stringLiterals, unescapeLoosely } from './json-line.js';
import { presetRuleSet } from './preset.js';
import type { Finding, RedactOptions, Rule, Span } from './types.js';

export type { Finding, RedactOptions } from './types.js';

/** What a secret becomes. */
export const redactionMark = (ruleId: string): string => `[REDACTED:${ruleId}]`;

/** A secret's preview: its first characters (4 at most, a third of it at most) and its length. */
export function maskedPreview(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 3));
  return `${secret.slice(0, shown)}…(${secret.length})`;
}

interface Hit {
  span: Span;
  ruleId: string;
  /** The order of the rule: of two overlapping hits, the earlier rule names the redaction. */
  rank: number;
}

export interface Redacted {
  text: string;
  findings: Finding[];
}

/**
 * The one redactor: secretlint's recommended preset, the rules it misses in agent sessions, the
 * user's patterns and allow-list, and the tokens in use. Synchronous, so that a stream can be
 * redacted line by line. Lines that no rule's trigger matches are returned as they are, untouched
 * and undecoded: that keeps a scan near the speed of reading the file.
 */
export class Redactor {
  private readonly rules: Rule[];
  private readonly allowed: (text: string) => boolean;
  /** Each union of triggers by flags, tested first; a line none matches holds no secret. */
  private readonly prefilters: RegExp[];
  private readonly userRule: Rule | undefined;
  /** Every rule in rank order: of two overlapping hits, the earlier rule names the redaction. */
  private readonly allRules: Rule[];

  constructor(options: RedactOptions = {}) {
    const known = knownSecretsRule(options.extraSecrets ?? []);
    this.userRule = userPatternRule(options.patterns ?? []);
    this.rules = [...(known ? [known] : []), ...presetRuleSet(), authorizationRule, assignmentRule];
    const triggers = [...this.rules.map((rule) => rule.trigger as RegExp), SECRET_FIELD_TRIGGER];
    this.prefilters = unions(triggers);
    this.allowed = allowList(options.allow ?? []);
    this.allRules = this.userRule ? [...this.rules, this.userRule] : this.rules;
  }

  /** Whether `line` may hold a secret: false means redactLine would return it unchanged. */
  mayHoldSecret(line: string): boolean {
    if (this.prefilters.some((re) => re.test(line))) return true;
    const plain = this.plainForm(line);
    if (plain !== undefined && this.prefilters.some((re) => re.test(plain))) return true;
    return Boolean(this.userRule && (this.userRule.trigger.test(line) || (plain !== undefined && this.userRule.trigger.test(plain))));
  }

  /**
   * The line with its JSON escapes undone, when a trigger could miss the raw form: a keyword written
   * with `\u` or `\/` escapes, or (for the user's patterns, which may name any character) any escape.
   */
  private plainForm(line: string): string | undefined {
    if (!line.includes('\\')) return undefined;
    return this.userRule || line.includes('\\u') || line.includes('\\/') ? unescapeLoosely(line) : undefined;
  }

  /** The rules whose triggers match the line (raw or unescaped): the only ones its strings are checked with. */
  private rulesFor(line: string): Rule[] {
    const plain = this.plainForm(line);
    return this.allRules.filter((rule) => rule.trigger.test(line) || (plain !== undefined && rule.trigger.test(plain)));
  }

  /**
   * `line` with every secret replaced by `[REDACTED:<rule>]`, and what was found. A JSON line has
   * its decoded strings checked (names of members too: a secret used as a key is redacted like any
   * other) and only the literals that held a secret are rewritten; any other line is redacted as
   * text. A line with nothing found comes back as the same string.
   */
  redactLine(line: string): Redacted {
    if (!this.mayHoldSecret(line)) return { text: line, findings: [] };
    if (!isJson(line)) return this.redactLooseLine(line);
    const rules = this.rulesFor(line);
    const findings: Finding[] = [];
    const found: string[] = [];
    let out = '';
    let copied = 0;
    for (const literal of stringLiterals(line)) {
      const value = decodeLiteral(literal.raw);
      const hits = this.hitsIn(value, rules);
      if (!literal.isKey && literal.key !== undefined && isSecretFieldName(literal.key) && looksLikeSecretValue(value)) {
        hits.push({ span: [0, value.length], ruleId: SECRET_FIELD_RULE, rank: this.allRules.length });
      }
      const redacted = this.apply(value, hits, literal.path, findings, found);
      if (redacted === value) continue;
      out += line.slice(copied, literal.start) + JSON.stringify(redacted);
      copied = literal.end;
    }
    if (findings.length === 0) return { text: line, findings };
    // A path names members by their names: a name that was itself a secret is shown redacted.
    for (const finding of findings) finding.path = hideIn(finding.path, found);
    return { text: out + line.slice(copied), findings };
  }

  /**
   * A line that is not JSON (a crash left half a line before the next one, a `NaN`, a byte-order
   * mark): every `"…"` in it is decoded and redacted like a JSON string (a secret after a `\n`
   * escape would hide from the rules in the raw text), then the whole line as text.
   */
  private redactLooseLine(line: string): Redacted {
    const findings: Finding[] = [];
    const rules = this.rulesFor(line);
    const text = line.replace(/"(?:[^"\\]|\\.)*"/g, (literal) => {
      let value: string;
      try {
        value = JSON.parse(literal) as string;
      } catch {
        value = unescapeLoosely(literal.slice(1, -1));
      }
      const redacted = this.apply(value, this.hitsIn(value, rules), '', findings, []);
      return redacted === value ? literal : JSON.stringify(redacted);
    });
    const rest = this.redactText(text);
    return { text: rest.text, findings: [...findings, ...rest.findings] };
  }

  /** `text` redacted as plain text (a line that is not JSON, a header value). */
  redactText(text: string): Redacted {
    const findings: Finding[] = [];
    const redacted = this.apply(text, this.hitsIn(text, this.allRules), '', findings, []);
    return { text: redacted, findings };
  }

  private hitsIn(text: string, rules: readonly Rule[]): Hit[] {
    const hits: Hit[] = [];
    for (const rule of rules) {
      if (!rule.trigger.test(text)) continue;
      const rank = this.allRules.indexOf(rule);
      for (const span of rule.find(text)) hits.push({ span, ruleId: rule.id, rank });
    }
    return hits;
  }

  /** `text` with the allowed-out hits replaced, overlapping ones merged; each becomes a finding at `path`. */
  private apply(text: string, hits: Hit[], path: string, findings: Finding[], found: string[]): string {
    const kept = hits.filter((hit) => !this.allowed(text.slice(hit.span[0], hit.span[1])));
    if (kept.length === 0) return text;
    kept.sort((a, b) => a.span[0] - b.span[0] || a.rank - b.rank);
    const merged: Hit[] = [];
    for (const hit of kept) {
      const last = merged[merged.length - 1];
      if (last && hit.span[0] < last.span[1]) {
        last.span = [last.span[0], Math.max(last.span[1], hit.span[1])];
        if (hit.rank < last.rank && hit.span[0] === last.span[0]) Object.assign(last, { ruleId: hit.ruleId, rank: hit.rank });
      } else merged.push({ ...hit });
    }
    let out = '';
    let at = 0;
    for (const hit of merged) {
      const secret = text.slice(hit.span[0], hit.span[1]);
      found.push(secret);
      findings.push({ path, ruleId: hit.ruleId, preview: maskedPreview(secret) });
      out += text.slice(at, hit.span[0]) + redactionMark(hit.ruleId);
      at = hit.span[1];
    }
    return out + text.slice(at);
  }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

function hideIn(path: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (out.includes(secret) ? out.split(secret).join('[REDACTED]') : out), path);
}

/**
 * The triggers joined into one regular expression per set of flags (case-sensitive and not): a
 * line is tested once or twice. Measured: two unions beat one case-insensitive union, and beat
 * spelling the case-insensitive triggers out in one case-sensitive union.
 */
function unions(triggers: readonly RegExp[]): RegExp[] {
  const byFlags = new Map<string, Set<string>>();
  for (const trigger of triggers) {
    const flags = trigger.flags.replace('g', '');
    byFlags.set(flags, (byFlags.get(flags) ?? new Set()).add(`(?:${trigger.source})`));
  }
  return [...byFlags].map(([flags, sources]) => new RegExp([...sources].join('|'), flags));
}

/** The allow-list: an exact string, or a `/source/flags` regular expression tested on the found secret. */
function allowList(entries: readonly (string | RegExp)[]): (text: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    if (entry instanceof RegExp) patterns.push(new RegExp(entry.source, entry.flags.replace('g', '')));
    else if (isSlashed(entry)) {
      const re = toRegExp(entry);
      patterns.push(new RegExp(re.source, re.flags.replace('g', '')));
    } else exact.add(entry);
  }
  if (exact.size === 0 && patterns.length === 0) return () => false;
  return (text) => exact.has(text) || patterns.some((re) => re.test(text));
}
