import type { SettingKey } from '../config/schema.js';
import type { Io } from '../output/io.js';
import { formatBytes } from '../output/format.js';
import type { EnvName } from './env-vars.js';
import { bytesOption, durationOption, intOption } from './options.js';

/**
 * A command's options are data: the parser's flags, the help text with its defaults, the type the
 * handler receives and the zod schema that validates it (commands/validate.ts) all come from one
 * declaration. This module loads no zod, so that `cli.ts` can read every declaration at start-up.
 */
export type OptionKind = 'boolean' | 'negated' | 'string' | 'int' | 'bytes' | 'duration' | 'list' | 'choice';

export interface OptionSpec<T = unknown> {
  kind: OptionKind;
  /** As commander spells it: `--max-bytes <n>`; the key of the option is commander's name for it. */
  flag: string;
  description: string;
  /** Applied by the parser when the flag is absent (shown as `(default: …)`). */
  default?: T;
  /**
   * The value when the flag is absent, shown as `(default …)` and filled in before the handler
   * runs; with `config`, the setting comes first, so the option stays undefined and is resolved
   * where it is used (flagOrSetting: the setting may be read later, or by another process).
   */
  fallback?: T;
  config?: SettingKey;
  /** The environment variables read when the flag is absent, first set wins (help lists them). */
  env?: readonly EnvName[];
  min?: number;
  max?: number;
  choices?: readonly string[];
  required?: boolean;
  hidden?: boolean;
  /** Only the type: what the handler receives. */
  readonly __value?: T;
}

type Extra = Pick<OptionSpec, 'hidden' | 'required' | 'env'>;

/** An on/off flag: true when given. */
export function boolean(flag: string, description: string, extra: Extra = {}): OptionSpec<boolean | undefined> {
  return { kind: 'boolean', flag, description, ...extra };
}

/** `--no-x`: true unless given. */
export function negated(flag: string, description: string): OptionSpec<boolean> & { default: boolean } {
  return { kind: 'negated', flag, description, default: true };
}

export function text(flag: string, description: string, extra: Extra & { required: true }): OptionSpec<string>;
export function text(flag: string, description: string, extra: Extra & { default: string }): OptionSpec<string> & { default: string };
export function text(flag: string, description: string, extra?: Extra): OptionSpec<string | undefined>;
export function text(flag: string, description: string, extra: Extra & { default?: string } = {}): OptionSpec<string | undefined> {
  return { kind: 'string', flag, description, ...extra };
}

/** A repeatable flag; each use adds a value. */
export function list(flag: string, description: string): OptionSpec<string[] | undefined> {
  return { kind: 'list', flag, description };
}

export function choice<const C extends readonly string[]>(
  flag: string,
  description: string,
  choices: C,
): OptionSpec<C[number] | undefined> {
  return { kind: 'choice', flag, description, choices };
}

type Number = { default?: number; config?: SettingKey; fallback?: number };
/** A setting-backed option stays undefined until used; a default or a plain fallback makes it always set. */
type NumberOf<E> = E extends { config: SettingKey }
  ? OptionSpec<number | undefined>
  : E extends { default: number }
    ? OptionSpec<number> & { default: number }
    : E extends { fallback: number }
      ? OptionSpec<number>
      : OptionSpec<number | undefined>;

/** A whole number in [min, max]. */
export function int<E extends Number & { min: number; max?: number }>(flag: string, description: string, extra: E): NumberOf<E> {
  return { kind: 'int', flag, description, ...extra } as unknown as NumberOf<E>;
}

/** A byte count: 20M, 256K, 1048576. */
export function bytes<E extends Number>(flag: string, description: string, extra: E): NumberOf<E> {
  return { kind: 'bytes', flag, description, ...extra } as unknown as NumberOf<E>;
}

/** A duration in milliseconds, typed as 500ms, 30s, 15m, 2h or a bare number of ms. */
export function duration<E extends Number>(flag: string, description: string, extra: E): NumberOf<E> {
  return { kind: 'duration', flag, description, ...extra } as unknown as NumberOf<E>;
}

// `any`: an option's value type varies per option; `unknown` would make every declaration unassignable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Options = Record<string, OptionSpec<any>>;

/** The flags a handler receives, derived from its declaration. */
export type Flags<O extends Options> = Simplify<
  { [K in keyof O as undefined extends ValueOf<O[K]> ? never : K]: ValueOf<O[K]> } & {
    [K in keyof O as undefined extends ValueOf<O[K]> ? K : never]?: ValueOf<O[K]>;
  }
>;
type ValueOf<S> = S extends { default: infer T } ? T : S extends OptionSpec<infer T> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type Handler<O extends Options> = (args: string[], flags: Flags<O>, io: Io) => Promise<number>;

/** `['<shell>', 'description', ['bash', 'zsh', 'fish']]`: name, description, allowed values. */
export type Arg = [name: string, description?: string, choices?: readonly string[]];

export interface CommandSpec<O extends Options = Options> {
  /** The words that call it: `upload`, `sessions save`. */
  name: string;
  summary: string;
  /** Positional arguments as commander spells them, with their descriptions and allowed values. */
  args?: Arg[];
  options: O;
  /** 2 to 4 invocations that work as written, shown under "Examples:" in help. */
  examples: string[];
  /** Environment variables the command reads besides those of its options (help lists both). */
  env?: readonly EnvName[];
  /** Extra help text after the options. */
  after?: string;
  /** The handler, loaded only when the command runs; its flags are parsed and validated (zod) first. */
  load: () => Promise<Handler<O>>;
  /**
   * A path so short that loading zod (~150 ms) would dominate it: there the flags are checked by
   * their parsers alone. Only the hook has one (queue the session and return).
   */
  skipSchema?: (flags: Flags<O>) => boolean;
}

/** A command as its `.def.ts` declares it: everything but the handler, which the registry adds. */
export type Declared<O extends Options = Options> = Omit<CommandSpec<O>, 'load'>;

export function defineCommand<O extends Options, D extends Declared<O>>(spec: D & Declared<O>): D {
  return spec;
}

/** A declared command with the handler it loads when it runs. */
export function handledBy<O extends Options>(spec: Declared<O>, load: CommandSpec<O>['load']): CommandSpec<O> {
  return { ...spec, load };
}

/** The parser commander calls for each value of the option; its messages name the rule broken. */
// `previous` is whatever commander kept from the option's last value (a list's array, else undefined).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parserOf(option: OptionSpec): ((raw: string, previous: any) => unknown) | undefined {
  switch (option.kind) {
    case 'int':
      return intOption(option.min ?? 0, option.max);
    case 'bytes':
      return bytesOption;
    case 'duration':
      return durationOption;
    case 'list':
      return (value: string, previous: string[] = []) => [...previous, value];
    default:
      return undefined;
  }
}

/** How help shows a value of the option. */
export function showValue(option: OptionSpec, value: unknown): string {
  if (typeof value !== 'number') return String(value);
  if (option.kind === 'bytes') return formatBytes(value);
  if (option.kind === 'duration') return formatDuration(value);
  return String(value);
}

/** 900000 → 15m, 1500 → 1500ms: the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The help line of an option whose default is resolved later (from a setting): `… (default 20 MiB)`. */
export function describeOption(option: OptionSpec): string {
  if (option.fallback === undefined) return option.description;
  return `${option.description} (default ${showValue(option, option.fallback)})`;
}

/** Every environment variable the command reads: its options' first, then its own, once each. */
export function envOf(spec: Pick<CommandSpec, 'options' | 'env'>): EnvName[] {
  const names = [...Object.values(spec.options).flatMap((option) => (option.hidden ? [] : (option.env ?? []))), ...(spec.env ?? [])];
  return [...new Set(names)];
}

/** The parsed flags with each plain fallback filled in (setting-backed options stay as given). */
export function withFallbacks(options: Options, flags: Record<string, unknown>): Record<string, unknown> {
  const filled = { ...flags };
  for (const [key, option] of Object.entries(options)) {
    if (filled[key] === undefined && option.fallback !== undefined && option.config === undefined) filled[key] = option.fallback;
  }
  return filled;
}
