/**
 * Tiny argv parser for the CLI: positionals and --flag value / --flag=value / boolean --flag.
 */
import { UsageError } from '../errors.js';

/** Parsed arguments. */
export interface Args {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/** Parse argv; `booleans` lists flags that take no value. @example parseArgs(['m', '--seq-len', '128']) */
export function parseArgs(argv: string[], booleans: string[] = []): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (eq > 0) flags.set(key, a.slice(eq + 1));
    else if (booleans.includes(key)) flags.set(key, true);
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${key} needs a value`);
      flags.set(key, v);
      i++;
    }
  }
  return { positional, flags };
}

/** A positive integer flag or its default. @example intFlag(args, 'seq-len', 256) */
export function intFlag(args: Args, key: string, fallback: number): number {
  const v = args.flags.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** A string flag or its default. @example strFlag(args, 'out', null) */
export function strFlag<T extends string | null>(args: Args, key: string, fallback: T): string | T {
  const v = args.flags.get(key);
  if (v === undefined) return fallback;
  if (v === true) throw new UsageError(`--${key} needs a value`);
  return v;
}
