import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { CommandSpec, Flags, OptionSpec, Options } from './define.js';

/**
 * The zod schema of one option, from its declaration. Every message names the rule in words; the
 * caller puts the flag in front, so no raw zod message ("expected number, received NaN") is shown.
 */
function optionSchema(option: OptionSpec): z.ZodType {
  const got = (issue: { input?: unknown }) => `(got ${JSON.stringify(issue.input) ?? String(issue.input)})`;
  switch (option.kind) {
    case 'boolean':
    case 'negated':
      return z.boolean({ error: (issue) => `takes no value ${got(issue)}` });
    case 'string':
      return z.string({ error: (issue) => `must be text ${got(issue)}` });
    case 'list':
      return z.array(z.string({ error: 'every value must be text' }), { error: (issue) => `must be a list of text ${got(issue)}` });
    case 'choice':
      return z.enum(option.choices as [string, ...string[]], {
        error: (issue) => `must be one of ${option.choices!.join(', ')} ${got(issue)}`,
      });
    case 'int': {
      const min = option.min ?? 0;
      const max = option.max ?? Number.MAX_SAFE_INTEGER;
      const range = `must be a whole number between ${min} and ${max}`;
      return z
        .number({ error: (issue) => `${range} ${got(issue)}` })
        .int({ error: (issue) => `${range} ${got(issue)}` })
        .min(min, { error: (issue) => `${range} ${got(issue)}` })
        .max(max, { error: (issue) => `${range} ${got(issue)}` });
    }
    case 'bytes':
      return z
        .number({ error: (issue) => `must be a size in bytes ${got(issue)}` })
        .int({ error: 'must be a whole number of bytes' })
        .min(1, { error: 'must be at least 1 byte' })
        .max(Number.MAX_SAFE_INTEGER, { error: 'is out of range' });
    case 'duration':
      return z
        .number({ error: (issue) => `must be a duration ${got(issue)}` })
        .int({ error: 'must be a whole number of milliseconds' })
        .min(0, { error: 'must not be negative' })
        .max(Number.MAX_SAFE_INTEGER, { error: 'is out of range' });
  }
}

const schemas = new WeakMap<Options, z.ZodObject>();

/** One schema per command, derived from its declaration (built on first use, then kept). */
export function commandSchema(spec: Pick<CommandSpec, 'options'>): z.ZodObject {
  let schema = schemas.get(spec.options);
  if (!schema) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, option] of Object.entries(spec.options)) {
      const base = optionSchema(option);
      shape[key] = option.required || option.default !== undefined ? base : base.optional();
    }
    schema = z.object(shape);
    schemas.set(spec.options, schema);
  }
  return schema;
}

/**
 * The parsed flags checked against the command's schema; a value that breaks it is a usage error
 * naming the flag (exit 2). Values the schema does not know (commander's own) pass through.
 */
export function validateFlags<O extends Options>(spec: Pick<CommandSpec<O>, 'options'>, flags: Record<string, unknown>): Flags<O> {
  const result = commandSchema(spec).safeParse(flags);
  if (result.success) return { ...flags, ...result.data } as Flags<O>;
  const issue = result.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const flag = spec.options[key]?.flag.split(' ')[0] ?? key;
  throw new UsageError(`${flag}: ${issue.message}`);
}
