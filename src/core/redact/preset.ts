import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { Rule, Span } from './types.js';

/*
 * secretlint's recommended preset, run synchronously. secretlint's engine (`lintSource` of
 * @secretlint/core) is async and builds a source object, a translator and a report pipeline per
 * call: too slow per JSON string and unusable in a synchronous stream. Each rule of the preset is
 * itself a plain object whose `create(context)` returns a `file(source)` handler that scans
 * `source.content` with its regular expressions and calls `context.report({ range })`
 * synchronously. So the rules are created once here with a minimal context, and `find` calls
 * their handlers directly: the maintained patterns and their false-positive filters (placeholder
 * passwords, example keys, base64 checks of PEM bodies) are secretlint's own. A unit test checks
 * this driver against `lintSource` on the corpus.
 */

/** The parts of a secretlint rule this driver uses. */
interface PresetRule {
  meta: { id: string };
  create(context: unknown, options: Record<string, unknown>): { file?: (source: unknown) => unknown };
}

const PREFIX = '@secretlint/secretlint-rule-';

/**
 * Rules left out: `filter-comments` honours `secretlint-disable` comments, which in a session are
 * text anyone could write, not the user's decision; `gcp` only looks at whole `.p12` and
 * service-account `.json` files (the private key inside such a file is found by `privatekey`).
 */
const LEFT_OUT = new Set(['filter-comments', 'gcp']);

/** Options given to a rule: AWS access key ids (AKIA...) are found too, not only secret keys. */
const OPTIONS: Record<string, Record<string, unknown>> = { aws: { enableIDScanRule: true } };

/**
 * What each rule's patterns cannot match without (read from the preset's sources). A rule missing
 * here (a new one in a later preset) gets a trigger that matches every line: slower, never blind.
 */
const TRIGGERS: Record<string, RegExp> = {
  // Access key ids; `secret_access_key` names; `account_id` names followed by `:`, `=` or `=>` (a
  // quote, a space or their JSON escapes between) and digits.
  aws: /AKIA|A3T[A-Z0-9]|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA|(?:SECRET|[Ss]ecret)_?(?:ACCESS|[Aa]ccess)|(?:ACCOUNT|[Aa]ccount)_?(?:ID|[Ii]d)?(?:[\s"'=:>\\]|\\[nrtbf])*[0-9]{4}/,
  npm: /npm_|x-oauth-basic|_authToken=/,
  slack: /xox[bpaor]-|xapp-|hooks\.slack\.com/i,
  basicauth: /(?:https?|ftps?):\/\/[-a-zA-Z0-9_]{1,256}:[-a-zA-Z0-9_]{1,256}@/,
  openai: /T3BlbkFJ/,
  anthropic: /sk-ant-api0/,
  groq: /gsk_/,
  huggingface: /hf_/,
  linear: /lin_api_/,
  notion: /ntn_/,
  privatekey: /PRIVATE KEY/,
  sendgrid: /SG\./,
  shopify: /shp(?:pa|ca|at|ss)_/,
  github: /gh[pousr]_|github_pat_/,
  gitlab: /glpat-/,
  grafana: /glc_|glsa_/,
  '1password': /ops_ey/,
  'database-connection-string': /mongodb|mysql|postgres/i,
  'hashicorp-vault': /hv[sbr]\./,
  vercel: /vc[piark]_/,
  databricks: /dapi/,
  docker: /dckr_pat_/,
  figma: /figd_/,
};

const ALWAYS = /(?:)/;

/** The preset's rules (short ids: `github`, `aws`, `privatekey`, ...), each a synchronous `Rule`. */
export function presetRuleSet(): Rule[] {
  return (presetRules as unknown as PresetRule[])
    .map((rule) => ({ rule, id: rule.meta.id.startsWith(PREFIX) ? rule.meta.id.slice(PREFIX.length) : rule.meta.id }))
    .filter(({ id }) => !LEFT_OUT.has(id))
    .map(({ rule, id }) => driven(rule, id));
}

/** The ids of the preset's rules that have no trigger of their own (see TRIGGERS). */
export function untriggeredPresetRules(): string[] {
  return presetRuleSet()
    .filter((rule) => rule.trigger === ALWAYS)
    .map((rule) => rule.id);
}

function driven(rule: PresetRule, id: string): Rule {
  let found: Span[] = [];
  let content = '';
  // The secret a report names (the message's data), for the correction below.
  let named: string | undefined;
  const context = {
    createTranslator: () => (messageId: string, data?: Record<string, unknown>) => {
      named = Object.values(data ?? {}).find((value): value is string => typeof value === 'string' && value.length > 0);
      return messageId;
    },
    report: ({ range }: { range: Span }) => {
      // A few rules report the secret's length from the start of the whole match (the AWS secret
      // key from the start of its variable's name, the token of an `x-oauth-basic` URL from
      // `https`), which would leave the secret's tail in place: the secret the report names, found
      // from the range's start, is what gets cut out.
      const at = named === undefined ? -1 : content.indexOf(named, range[0]);
      found.push(at >= 0 && at <= range[1] ? [at, at + named!.length] : [range[0], range[1]]);
    },
    ignore: () => undefined,
  };
  const handler = rule.create(context, OPTIONS[id] ?? {}).file;
  return {
    id,
    trigger: TRIGGERS[id] ?? ALWAYS,
    find(text) {
      if (!handler) return [];
      found = [];
      content = text;
      // No file path and no extension: rules that look at whole files by name (a .p12, an .npmrc
      // alone) treat the text as any text, as secretlint does for a source without a path.
      handler({ content: text, filePath: undefined, physicalFilePath: undefined, ext: '', contentType: 'text', hasBOM: false });
      return found;
    },
  };
}
