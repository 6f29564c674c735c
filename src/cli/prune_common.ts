/** Shared pieces of the importance / prune / search subcommands: JSON input files. */
import * as fs from 'node:fs';

import { CliError } from './flags.js';

/**
 * Reads a JSON file with a clear error.
 * @example const report = readJson<ImportanceReport>('report.json', 'importance-report');
 */
export function readJson<T>(file: string, kind: string): T {
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file (expected a ${kind} JSON)`);
  let v: unknown;
  try { v = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { throw new CliError(`${file}: not valid JSON (expected a ${kind})`); }
  if (typeof v !== 'object' || v === null || (v as { kind?: unknown }).kind !== kind) throw new CliError(`${file}: expected an object with "kind": "${kind}"`);
  return v as T;
}
