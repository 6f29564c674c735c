/** Architecture search: enumerate candidate targets under a parameter budget, prune each, rank by perplexity. */
import type { ArchPlan, ImportanceReport, ModelSpec, Params } from '../types.js';
import { meanLoss } from '../importance/loss.js';
import { paramCount, plannedSpec } from './count.js';
import { transformersIssue } from './compat.js';
import { planFromTargets, type PlanTargets } from './plan.js';
import { disposeParams, slicePlan } from './slice.js';

/** Grid and limits (ModelOpt defaults: hidden ×256, ffn ×512, layers ×2, width ≤ 40%, depth ≤ 20%). */
export interface SearchOptions {
  hiddenMultiple: number;
  ffnMultiple: number;
  layerMultiple: number;
  /** Largest fraction of any width axis that may be pruned. */
  maxWidthPrune: number;
  /** Largest fraction of the layers that may be removed. */
  maxDepthPrune: number;
  /** How many candidates (the largest under the budget) get scored. */
  topK: number;
  /** Depth metric of the report used to choose layers. */
  depthMetric?: string;
  /** Keep only sizes that transformers can load back (see transformersIssue). */
  loadableOnly: boolean;
  onProgress: ((done: number, total: number, c: SearchCandidate) => void) | null;
}

/** Defaults tuned for small models (hidden ×64, ffn ×64). */
export const DEFAULT_SEARCH_OPTIONS: SearchOptions = {
  hiddenMultiple: 64, ffnMultiple: 64, layerMultiple: 2, maxWidthPrune: 0.4, maxDepthPrune: 0.2, topK: 10, loadableOnly: true, onProgress: null,
};

/** One candidate architecture. */
export interface SearchCandidate {
  target: Required<Pick<PlanTargets, 'hiddenSize' | 'ffnHiddenSize' | 'numHeads' | 'numLayers'>>;
  params: number;
  ppl?: number;
}

function steps(source: number, multiple: number, minKeep: number): number[] {
  const out = [source];
  for (let v = Math.floor((source - 1) / multiple) * multiple; v >= minKeep && v > 0; v -= multiple) out.push(v);
  return out;
}

/**
 * All grid targets whose parameter count is ≤ budget, largest first.
 * @example enumerateCandidates(spec, 60e6).slice(0, 3)
 */
export function enumerateCandidates(spec: ModelSpec, budget: number, options: Partial<SearchOptions> = {}): SearchCandidate[] {
  const o = { ...DEFAULT_SEARCH_OPTIONS, ...options };
  const keepW = 1 - o.maxWidthPrune;
  const hidden = steps(spec.hiddenSize, o.hiddenMultiple, keepW * spec.hiddenSize);
  const ffn = steps(spec.ffnHiddenSize, o.ffnMultiple, keepW * spec.ffnHiddenSize);
  const heads = steps(spec.numHeads, spec.numKvHeads, keepW * spec.numHeads).filter((h) => h % spec.numKvHeads === 0);
  const layers = steps(spec.numLayers, o.layerMultiple, (1 - o.maxDepthPrune) * spec.numLayers);
  const out: SearchCandidate[] = [];
  for (const hiddenSize of hidden) for (const ffnHiddenSize of ffn) for (const numHeads of heads) for (const numLayers of layers) {
    const cand = { ...spec, hiddenSize, ffnHiddenSize, numHeads, numLayers, numKvHeads: spec.numKvHeads === spec.numHeads ? numHeads : spec.numKvHeads };
    if (o.loadableOnly && transformersIssue(cand) !== null) continue;
    const params = paramCount(cand);
    if (params <= budget) out.push({ target: { hiddenSize, ffnHiddenSize, numHeads, numLayers }, params });
  }
  return out.sort((a, b) => b.params - a.params);
}

/**
 * Scores the topK largest candidates under the budget by perplexity after pruning (no retraining) and ranks them.
 * @example const ranked = searchArchitectures(model, report, 60e6, calibBatches); ranked[0].target
 */
export function searchArchitectures(model: { spec: ModelSpec; params: Params }, report: ImportanceReport, budget: number,
  batches: number[][][], options: Partial<SearchOptions> = {}): SearchCandidate[] {
  const o = { ...DEFAULT_SEARCH_OPTIONS, ...options };
  const cands = enumerateCandidates(model.spec, budget, o);
  if (cands.length === 0) {
    throw new Error(`search: no architecture on the grid fits ${budget} parameters within the limits (width ≤ ${o.maxWidthPrune * 100}%, depth ≤ ${o.maxDepthPrune * 100}%); the smallest allowed is larger`);
  }
  const chosen = cands.slice(0, o.topK);
  chosen.forEach((c, i) => {
    const plan: ArchPlan = planFromTargets(model.spec, report, { ...c.target, depthMetric: o.depthMetric });
    const small = slicePlan(model.spec, model.params, plan);
    try {
      c.ppl = Math.exp(meanLoss(small.spec, small.params, batches));
    } finally {
      disposeParams(small.params);
    }
    o.onProgress?.(i + 1, chosen.length, c);
  });
  return [...chosen].sort((a, b) => a.ppl! - b.ppl!);
}

/**
 * The plan for a search result.
 * @example const plan = planForCandidate(model.spec, report, ranked[0]);
 */
export function planForCandidate(spec: ModelSpec, report: ImportanceReport, c: SearchCandidate, depthMetric?: string): ArchPlan {
  const plan = planFromTargets(spec, report, { ...c.target, depthMetric });
  if (paramCount(plannedSpec(plan)) !== c.params) throw new Error('search: candidate parameter count does not match its plan');
  return plan;
}
