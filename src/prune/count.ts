/** Parameter counts from a ModelSpec (what a checkpoint of that architecture holds). */
import type { ArchPlan, ModelSpec } from '../types.js';

/**
 * Number of parameters of a model with this spec (embeddings counted once when tied).
 * @example paramCount(model.spec) // 134515008 for SmolLM2-135M
 */
export function paramCount(spec: ModelSpec): number {
  const D = spec.hiddenSize;
  const F = spec.ffnHiddenSize;
  const q = spec.numHeads * spec.headDim;
  const kv = spec.numKvHeads * spec.headDim;
  const normP = spec.normType === 'layernorm' ? 2 * D : D;
  let layer = D * q + 2 * D * kv + q * D + 2 * normP;
  if (spec.qkvBias) layer += q + 2 * kv;
  if (spec.oBias) layer += D;
  layer += (spec.mlpType === 'gated' ? 3 : 2) * D * F;
  if (spec.mlpBias) layer += (spec.mlpType === 'gated' ? 2 : 1) * F + D;
  let total = spec.numLayers * layer + spec.vocabSize * D + normP;
  if (!spec.tiedEmbeddings) total += spec.vocabSize * D;
  if (spec.positional === 'learned') total += spec.maxPositions * D;
  return total;
}

/**
 * The spec of the model a plan produces (headDim unchanged; KV heads unchanged unless the model is multi-head).
 * @example plannedSpec(plan).hiddenSize // plan.target.hiddenSize
 */
export function plannedSpec(plan: ArchPlan): ModelSpec {
  return {
    ...plan.from,
    hiddenSize: plan.target.hiddenSize,
    ffnHiddenSize: plan.target.ffnHiddenSize,
    numHeads: plan.target.numHeads,
    // multi-head attention prunes K/V heads with their query heads
    numKvHeads: plan.from.numKvHeads === plan.from.numHeads ? plan.target.numHeads : plan.from.numKvHeads,
    numLayers: plan.target.numLayers,
  };
}

/**
 * Formats a parameter count: 134515008 -> "134.5M".
 * @example formatCount(60e6) // "60.0M"
 */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/**
 * Parses "60M", "1.5B", "250k" or a plain integer into a number of parameters.
 * @example parseCount('60M') // 60000000
 */
export function parseCount(s: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([kKmMbB]?)\s*$/.exec(s);
  if (!m) throw new Error(`parameter count "${s}": expected a number with an optional K/M/B suffix, e.g. 60M`);
  const mult = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'b'];
  return Math.round(parseFloat(m[1]) * mult);
}
