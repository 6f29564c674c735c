/** Spec rules shared by plans, reports and editors: which fields decide shapes, head grouping, the planned spec. */
import { paramCount } from './shapes.js';
import type { ArchPlan, ModelSpec } from './types.js';

/** Fields that must agree for a report or plan to apply to a model. @example SHAPE_FIELDS.includes('headDim') // true */
export const SHAPE_FIELDS = [
  'family', 'vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'ffnHiddenSize',
  'mlpType', 'normType', 'positional', 'tiedEmbeddings',
] as const satisfies readonly (keyof ModelSpec)[];

/**
 * Lists the shape fields where `a` and `b` differ, as "field: a vs b" strings (empty when they match).
 * @example specDiff(report.spec, model.spec) // ['hiddenSize: 576 vs 64']
 */
export function specDiff(a: ModelSpec, b: ModelSpec): string[] {
  const out: string[] = [];
  for (const k of SHAPE_FIELDS) {
    if (a[k] !== b[k]) out.push(`${k}: ${String(a[k])} vs ${String(b[k])}`);
  }
  return out;
}

/**
 * Multi-head attention (one K/V head per query head, e.g. gpt2): heads are pruned together with their K/V heads.
 * @example isMha(gpt2Spec) // true
 */
export function isMha(spec: Pick<ModelSpec, 'numHeads' | 'numKvHeads'>): boolean {
  return spec.numKvHeads === spec.numHeads;
}

/**
 * Number of groups over which kept query heads must be spread equally: numKvHeads under GQA (every K/V head stays),
 * 1 under multi-head attention (any head may go, with its K/V head).
 * @example headGroups({ numHeads: 9, numKvHeads: 3 }) // 3; headGroups({ numHeads: 12, numKvHeads: 12 }) // 1
 */
export function headGroups(spec: Pick<ModelSpec, 'numHeads' | 'numKvHeads'>): number {
  return isMha(spec) ? 1 : spec.numKvHeads;
}

/**
 * The spec of the model a plan produces (headDim unchanged; KV heads unchanged unless the model is multi-head).
 * @example plannedSpec(plan).hiddenSize // plan.target.hiddenSize
 */
export function plannedSpec(plan: ArchPlan): ModelSpec {
  const f = plan.from, t = plan.target;
  return {
    ...f,
    hiddenSize: t.hiddenSize,
    ffnHiddenSize: t.ffnHiddenSize,
    numHeads: t.numHeads,
    // multi-head attention prunes K/V heads with their query heads
    numKvHeads: isMha(f) ? t.numHeads : f.numKvHeads,
    numLayers: t.numLayers,
    // per-layer attention kinds follow the kept layers
    ...(f.layerTypes ? { layerTypes: plan.keep.layers.map((l) => f.layerTypes![l]) } : {}),
  };
}

/**
 * Parameter counts of the source and the planned model, and their ratio.
 * @example planParamCounts(plan) // { from: 124439808, target: 114990336, ratio: 0.924 }
 */
export function planParamCounts(plan: ArchPlan): { from: number; target: number; ratio: number } {
  const from = paramCount(plan.from), target = paramCount(plannedSpec(plan));
  return { from, target, ratio: from > 0 ? target / from : NaN };
}
