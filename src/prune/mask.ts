/** Soft pruning: 0/1 masks from a plan for the forward's `mask` option, plus the layers to skip. */
import type { ArchPlan } from '../types.js';

/** Same shape as the forward's ModelMask: 0/1 multipliers per unit per layer, null = keep all. */
export interface PlanMask {
  heads?: (number[] | null)[];
  neurons?: (number[] | null)[];
  channels?: number[] | null;
}

function oneHot(kept: readonly number[], size: number): number[] | null {
  if (kept.length === size) return null;
  const m = new Array<number>(size).fill(0);
  for (const i of kept) m[i] = 1;
  return m;
}

/**
 * The reversible what-if view of a plan: masks for heads, neurons and channels (layers go via skipLayersFromPlan).
 * @example const logits = forward(spec, params, ids, { mask: maskFromPlan(plan), skipLayers: skipLayersFromPlan(plan) });
 */
export function maskFromPlan(plan: ArchPlan): PlanMask {
  const s = plan.from;
  return {
    heads: plan.keep.heads.map((k) => oneHot(k, s.numHeads)),
    neurons: plan.keep.neurons.map((k) => oneHot(k, s.ffnHiddenSize)),
    channels: oneHot(plan.keep.channels, s.hiddenSize),
  };
}

/**
 * Source layers a plan removes, for the forward's `skipLayers` option.
 * @example skipLayersFromPlan(plan) // [3, 7]
 */
export function skipLayersFromPlan(plan: ArchPlan): number[] {
  const kept = new Set(plan.keep.layers);
  return Array.from({ length: plan.from.numLayers }, (_, i) => i).filter((i) => !kept.has(i));
}

/**
 * Both forward options at once.
 * @example forward(spec, params, ids, forwardOptionsFromPlan(plan))
 */
export function forwardOptionsFromPlan(plan: ArchPlan): { mask: PlanMask; skipLayers: number[] } {
  return { mask: maskFromPlan(plan), skipLayers: skipLayersFromPlan(plan) };
}
