/**
 * Flag handling shared by every CLI subcommand: node:util parseArgs behind withUsage (unknown or malformed flags
 * become a CliError that shows the usage), and typed checks of flag values.
 */
import { UsageError } from '../errors.js';

/** A command-line problem (bad flag value, missing file); main prints the message without a stack. */
export class CliError extends UsageError {}

/**
 * Runs a flag parser, turning its errors (unknown or malformed flags) into a CliError that shows the usage.
 * @example const { values } = withUsage(() => parseArgs({ args: argv, options }), USAGE);
 */
export function withUsage<T>(parse: () => T, usage: string): T {
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
 * A flag restricted to a set of words, or its default when absent.
 * @example oneOf('--mode', 'ce', ['kd', 'ce'] as const, 'kd') // 'ce'
 */
export function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new CliError(`${name}: expected one of ${allowed.join('|')}, got "${v}"`);
  return v as T;
}
