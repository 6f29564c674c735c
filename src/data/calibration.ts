/** Seeded calibration samples: fixed-length token windows drawn at random places of a text. */
import { DataError } from '../errors.js';
import { Rng } from './rng.js';

/** Options of calibrationBatches. */
export interface CalibrationOptions {
  /** Number of windows. */
  readonly samples: number;
  /** Tokens per window. */
  readonly seqLen: number;
  /** Windows per batch (the last batch may be smaller). */
  readonly batchSize: number;
  /** Seed of the window positions. */
  readonly seed: number;
}
/** Defaults: 32 windows of 256 tokens, 4 per batch, seed 1234. @example calibrationBatches(text, enc, { ...DEFAULT_CALIBRATION_OPTIONS, samples: 8 }) */
export const DEFAULT_CALIBRATION_OPTIONS: CalibrationOptions = { samples: 32, seqLen: 256, batchSize: 4, seed: 1234 };

/**
 * Seeded calibration samples: `samples` windows of exactly `seqLen` tokens at random places of the text, grouped in batches.
 * @example calibrationBatches(text, (s) => tok.encode(s), { samples: 8, seqLen: 128, batchSize: 4 }) // [2][4][128]
 */
export function calibrationBatches(text: string, encode: (s: string) => number[], options: Partial<CalibrationOptions> = {}): number[][][] {
  const o = { ...DEFAULT_CALIBRATION_OPTIONS, ...options };
  const gen = Rng.fromState(o.seed >>> 0); // mulberry32 started at the seed itself
  const span = o.seqLen * 12; // characters per window: far more than seqLen tokens need
  const rows: number[][] = [];
  let tries = 0;
  while (rows.length < o.samples) {
    if (++tries > o.samples * 20) throw new DataError(`calibration text (${text.length} characters) too short for ${o.samples} samples of ${o.seqLen} tokens`);
    const start = Math.floor(gen.next() * Math.max(1, text.length - span));
    const ids = encode(text.slice(start, start + span));
    if (ids.length >= o.seqLen + 1) rows.push(ids.slice(1, o.seqLen + 1)); // skip a possibly cut first token
  }
  const batches: number[][][] = [];
  for (let i = 0; i < rows.length; i += o.batchSize) batches.push(rows.slice(i, i + o.batchSize));
  return batches;
}
