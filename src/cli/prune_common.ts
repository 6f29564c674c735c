/** Shared pieces of the importance / prune / search subcommands: JSON input files. */
import { CliError } from './flags.js';
import { readJsonFile } from '../io/files.js';

/**
 * Reads a JSON file with a clear error.
 * @example const report = readJson<ImportanceReport>('report.json', 'importance-report');
 */
export function readJson<T>(file: string, kind: string): T {
  const v = readJsonFile(file, `a JSON file of kind "${kind}"`);
  if (typeof v !== 'object' || v === null || (v as { kind?: unknown }).kind !== kind) throw new CliError(`${file}: expected an object with "kind": "${kind}"`);
  return v as T;
}
