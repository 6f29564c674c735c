/**
 * Flag handling shared by every CLI subcommand: node:util parseArgs behind parseCommand (unknown or malformed flags
 * become a CliError that shows the usage; --help / -h prints the usage), and typed checks of flag values, whose
 * closed sets are the library's value tables (their keys are the accepted words and the usage text).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

/** A command-line problem (bad flag value, missing file); main prints the message without a stack. */
export class CliError extends UsageError {}

/** Runs a flag parser, turning its errors (unknown or malformed flags) into a CliError that shows the usage. */
function withUsage<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${usage}`);
  }
}

/**
 * An integer flag of at least `min` (default 1), or its default when absent.
 * @example intFlag('--samples', '32', 8) // 32
 */
export function intFlag(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new CliError(`${name}: expected ${what}, got "${v}"`);
  }
  return n;
}

/**
 * A finite number flag, or its default when absent.
 * @example numFlag('--lr', '3e-4', 1e-3) // 0.0003
 */
export function numFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new CliError(`${name}: expected a number, got "${v}"`);
  return n;
}

/**
 * The words of a value table for usage text, joined by `sep`.
 * @example words(AGGREGATIONS) // 'mean|l2|var'
 */
export function words(table: object, sep = '|'): string {
  return Object.keys(table).join(sep);
}

/**
 * A flag restricted to the keys of a value table, or its default when absent.
 * @example oneOf('--agg-seq', 'l2', AGGREGATIONS, 'mean') // 'l2'
 */
export function oneOf<T extends object>(name: string, v: string | undefined, table: T, dflt: keyof T & string): keyof T & string {
  if (v === undefined) return dflt;
  if (!Object.hasOwn(table, v)) throw new CliError(`${name}: expected one of ${words(table)}, got "${v}"`);
  return v as keyof T & string;
}

/**
 * A comma-separated flag whose items are keys of a value table, or its default when absent.
 * @example someOf('--depth', 'ppl,mc', DEPTH_METRICS, ['ppl'], 'metric') // ['ppl', 'mc']
 */
export function someOf<T extends object>(name: string, v: string | undefined, table: T, dflt: (keyof T & string)[], noun = 'item'): (keyof T & string)[] {
  if (v === undefined) return dflt;
  const items = v.split(',').filter((s) => s !== '');
  for (const s of items) if (!Object.hasOwn(table, s)) throw new CliError(`${name}: unknown ${noun} "${s}", expected some of ${words(table, ',')}`);
  return items as (keyof T & string)[];
}

/** The flags of one subcommand, as node:util parseArgs takes them (--help / -h is added). */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** A parsed command line: string flags, boolean flags and positionals. */
export interface ParsedCommand {
  readonly values: Readonly<Partial<Record<string, string>>>;
  readonly switches: Readonly<Partial<Record<string, boolean>>>;
  readonly positionals: string[];
}

/**
 * Parses a subcommand's arguments: unknown or malformed flags throw a CliError with the usage; --help / -h prints the
 * usage to stdout and returns null (the command then returns, exit status 0).
 * @example const args = parseCommand(argv, stringFlags(['out']), USAGE); if (!args) return;
 */
export function parseCommand(argv: string[], options: CommandOptions, usage: string, allowPositionals = true): ParsedCommand | null {
  const parsed = withUsage(() => parseArgs({
    args: joinNegativeValues(argv, options), allowPositionals, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } },
  }), usage);
  const values: Partial<Record<string, string>> = {}, switches: Partial<Record<string, boolean>> = {};
  for (const [k, x] of Object.entries(parsed.values)) {
    if (typeof x === 'string') values[k] = x;
    else if (typeof x === 'boolean') switches[k] = x;
  }
  if (switches.help) {
    console.log(usage);
    return null;
  }
  return { values, switches, positionals: parsed.positionals };
}

/** `--seq-len -3` as `--seq-len=-3`, so the value check names the flag (parseArgs calls a dash value "ambiguous"). */
function joinNegativeValues(argv: string[], options: CommandOptions): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (options[name]?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/**
 * String flags by name, for parseCommand.
 * @example parseCommand(argv, stringFlags(['out', 'samples']), USAGE)
 */
export function stringFlags(names: readonly string[]): CommandOptions {
  return Object.fromEntries(names.map((k) => [k, { type: 'string' as const }]));
}

/**
 * Help lines for a flag whose values are a value table: one `  --flag word  help` line per key (the help is the
 * table's string value or its `help` field).
 * @example choiceHelp('--agg-seq', AGGREGATIONS) // '  --agg-seq mean   mean\n  --agg-seq l2  ...'
 */
export function choiceHelp(flag: string, table: Record<string, string | { readonly help: string }>): string {
  const keys = Object.keys(table);
  const width = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => {
    const v = table[k] as string | { readonly help: string };
    return `  ${flag} ${k.padEnd(width)}  ${typeof v === 'string' ? v : v.help}`;
  }).join('\n');
}
