/** Parameter counts as text and back: "134.5M" <-> 134515008. */
import { UsageError } from '../errors.js';

/**
 * Formats a parameter count: 134515008 -> "134.5M" (millions with `millionDigits` decimals; tables use 2).
 * @example formatCount(60e6) // "60.0M"
 */
export function formatCount(n: number, millionDigits = 1): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(millionDigits)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

const MULTIPLIERS = { '': 1, k: 1e3, m: 1e6, b: 1e9 } as const;

/**
 * Parses "60M", "1.5B", "250k" or a plain integer into a number of parameters.
 * @example parseCount('60M') // 60000000
 */
export function parseCount(s: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([kKmMbB]?)\s*$/.exec(s);
  if (!m) throw new UsageError(`parameter count "${s}": expected a number with an optional K/M/B suffix, e.g. 60M`);
  return Math.round(parseFloat(m[1]) * MULTIPLIERS[m[2].toLowerCase() as keyof typeof MULTIPLIERS]);
}
