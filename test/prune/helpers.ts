/** Shared helpers of the prune / importance tests: a tiny spec and fake reports. */
import type { ImportanceReport, ModelSpec } from '../../src/types.js';
import { Rng } from '../../src/data/rng.js';

/** A llama-family spec with GQA (6 query heads, 2 KV heads). */
export function tinySpec(over: Partial<ModelSpec> = {}): ModelSpec {
  return {
    family: 'llama', vocabSize: 96, hiddenSize: 48, numLayers: 4, numHeads: 6, numKvHeads: 2, headDim: 8, ffnHiddenSize: 80,
    activation: 'silu', mlpType: 'gated', normType: 'rmsnorm', normEps: 1e-5, positional: 'rope', ropeTheta: 10000,
    ropeScaling: null, maxPositions: 64, tiedEmbeddings: true, qkvBias: false, oBias: false, mlpBias: false,
    slidingWindow: null, bosTokenId: null, eosTokenId: null, ...over,
  };
}

/** Deterministic pseudo-random numbers in [0, 1) (the library's seeded Rng). */
export function rng(seed: number): () => number {
  const gen = new Rng(seed);
  return () => gen.next();
}

/** A report with random scores for every axis. */
export function fakeReport(spec: ModelSpec, seed = 1): ImportanceReport {
  const r = rng(seed);
  const L = spec.numLayers;
  return {
    kind: 'importance-report', spec, metric: 'test', aggregation: { seq: 'mean', batch: 'l2' }, samples: 4, seqLen: 8,
    heads: Array.from({ length: L }, () => Array.from({ length: spec.numHeads }, r)),
    neurons: Array.from({ length: L }, () => Array.from({ length: spec.ffnHiddenSize }, r)),
    channels: Array.from({ length: spec.hiddenSize }, r),
    layers: { ppl: Array.from({ length: L }, r), bi: Array.from({ length: L }, r) },
    blocks: { k: 2, metric: 'ppl', scores: Array.from({ length: L - 1 }, r) },
  };
}
