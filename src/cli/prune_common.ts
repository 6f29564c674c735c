/** Shared pieces of the importance / prune / search subcommands: calibration samples from a text file, JSON files. */

import { CliError } from './flags.js';
import { readJsonFile } from '../io/files.js';
import { Rng } from '../distill/rng.js';

/**
 * Reads a JSON file with a clear error.
 * @example const report = readJson<ImportanceReport>('report.json', 'importance-report');
 */
export function readJson<T>(file: string, kind: string): T {
  const v = readJsonFile(file, `a ${kind} JSON`);
  if (typeof v !== 'object' || v === null || (v as { kind?: unknown }).kind !== kind) throw new CliError(`${file}: expected an object with "kind": "${kind}"`);
  return v as T;
}

/**
 * Seeded calibration samples: `samples` windows of exactly `seqLen` tokens at random places of the text, grouped in batches.
 * @example calibrationBatches(text, (s) => tok.encode(s), { samples: 8, seqLen: 128, batchSize: 4 }) // [2][4][128]
 */
export function calibrationBatches(text: string, encode: (s: string) => number[],
  o: { samples: number; seqLen: number; batchSize: number; seed?: number }): number[][][] {
  const gen = Rng.fromState((o.seed ?? 1234) >>> 0); // mulberry32 started at the seed itself
  const rand = () => gen.next();
  const span = o.seqLen * 12; // characters per window: far more than seqLen tokens need
  const rows: number[][] = [];
  let tries = 0;
  while (rows.length < o.samples) {
    if (++tries > o.samples * 20) throw new CliError(`calibration text too short for ${o.samples} samples of ${o.seqLen} tokens`);
    const start = Math.floor(rand() * Math.max(1, text.length - span));
    const ids = encode(text.slice(start, start + span));
    if (ids.length >= o.seqLen + 1) rows.push(ids.slice(1, o.seqLen + 1)); // skip a possibly cut first token
  }
  const batches: number[][][] = [];
  for (let i = 0; i < rows.length; i += o.batchSize) batches.push(rows.slice(i, i + o.batchSize));
  return batches;
}
