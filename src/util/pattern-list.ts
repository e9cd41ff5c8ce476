/**
 * The lists of the `redact_patterns` and `redact_allow` settings: one entry a line (a regular
 * expression may hold commas, so commas cannot separate entries). Blank lines are skipped.
 */
export function listEntries(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/\r?\n/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

const SLASHED = /^\/(.+)\/([a-z]*)$/s;

/** Whether an entry is written `/source/flags` (and is then a regular expression, not a literal). */
export function isSlashed(entry: string): boolean {
  return SLASHED.test(entry);
}

/**
 * A regular expression from `/source/flags` or a bare source, always global (the redactor walks
 * every match). Throws an Error naming the entry when it does not compile.
 */
export function toRegExp(entry: string): RegExp {
  const slashed = SLASHED.exec(entry);
  const source = slashed ? slashed[1]! : entry;
  const flags = slashed ? slashed[2]! : '';
  try {
    const re = new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
    // A pattern that matches the empty string would "find" a secret between every two characters.
    if (re.test('')) throw new Error('it matches the empty string');
    return re;
  } catch (error) {
    throw new Error(`"${entry}" is not a usable regular expression (${(error as Error).message})`, { cause: error });
  }
}

/** The first entry of `text` that is not a usable regular expression, with why; undefined when all are. */
export function patternListProblem(text: string, slashedOnly: boolean): string | undefined {
  for (const entry of listEntries(text)) {
    if (slashedOnly && !isSlashed(entry)) continue;
    try {
      toRegExp(entry);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}
