/** Architecture plans from importance scores and target sizes (GQA-aware head trimming). */
import type { ArchPlan, ImportanceReport, ModelSpec } from '../types.js';
import { topK, topKPerGroup } from '../plan_core/choose.js';
import { headGroups, isMha, specDiff } from '../plan_core/spec.js';
import type { TargetField } from '../plan_core/types.js';
import { targetProblem } from '../plan_core/validate.js';
import { PlanError } from './errors.js';

export { isMha, topK };

/** Target sizes; omitted fields keep the source size. dropLayers overrides numLayers. */
export interface PlanTargets {
  hiddenSize?: number;
  ffnHiddenSize?: number;
  numHeads?: number;
  numLayers?: number;
  /** Explicit source layer indices to remove. */
  dropLayers?: number[];
  /** Depth metric of report.layers used for numLayers (default: 'ppl', else the first available); 'block' uses report.blocks. */
  depthMetric?: string;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function checkTarget(field: TargetField, target: number, source: number): void {
  const bad = targetProblem(field, target, source);
  if (bad) throw new PlanError(bad.code, bad.message, bad.field);
}

function needScores<T>(scores: T | undefined, axis: string): T {
  if (scores === undefined) throw new PlanError('missing-scores', `report has no ${axis} scores but the target prunes ${axis}`);
  return scores;
}

/**
 * Kept query heads per layer: rank heads inside each KV group and keep the same number from every group.
 * @example headsKeep(spec, report.heads, 6) // [[0,2,3,4,6,8], ...] for 9 heads / 3 KV groups
 */
export function headsKeep(spec: ModelSpec, scores: number[][] | undefined, numHeads: number): number[][] {
  if (numHeads === spec.numHeads) return range(spec.numLayers).map(() => range(spec.numHeads));
  if (!isMha(spec) && numHeads % spec.numKvHeads !== 0) {
    throw new PlanError('heads-not-divisible', `target.numHeads ${numHeads} is not divisible by numKvHeads ${spec.numKvHeads} (query heads are trimmed equally per KV group)`);
  }
  return needScores(scores, 'heads').map((s) => topKPerGroup(s, numHeads, headGroups(spec)));
}

function layersKeep(spec: ModelSpec, report: ImportanceReport | null, t: PlanTargets): number[] {
  if (t.dropLayers !== undefined) {
    for (const l of t.dropLayers) {
      if (!Number.isInteger(l) || l < 0 || l >= spec.numLayers) throw new PlanError('bad-index', `dropLayers has ${l}, expected integers in [0, ${spec.numLayers})`);
    }
    if (new Set(t.dropLayers).size !== t.dropLayers.length) throw new PlanError('duplicate-index', `dropLayers has duplicates: ${t.dropLayers.join(',')}`);
    const kept = range(spec.numLayers).filter((l) => !t.dropLayers!.includes(l));
    if (kept.length === 0) throw new PlanError('target-too-small', 'dropLayers removes every layer');
    return kept;
  }
  const n = t.numLayers ?? spec.numLayers;
  checkTarget('numLayers', n, spec.numLayers);
  if (n === spec.numLayers) return range(spec.numLayers);
  if (t.depthMetric === 'block') {
    const b = needScores(report?.blocks, 'blocks');
    if (b.k !== spec.numLayers - n) throw new PlanError('size-mismatch', `report.blocks has windows of k=${b.k} layers, target removes ${spec.numLayers - n}`);
    // The window whose removal hurts least (lowest score = least important).
    let best = 0;
    b.scores.forEach((s, i) => { if (s < b.scores[best]) best = i; });
    return range(spec.numLayers).filter((l) => l < best || l >= best + b.k);
  }
  const layers = needScores(report?.layers, 'layers');
  const metric = t.depthMetric ?? ('ppl' in layers ? 'ppl' : Object.keys(layers)[0]);
  const scores = needScores(metric === undefined ? undefined : layers[metric], `layers.${metric}`);
  return topK(scores, n);
}

/**
 * Builds an ArchPlan keeping the top-scored units of each axis for the given targets.
 * @example const plan = planFromTargets(model.spec, report, { hiddenSize: 448, ffnHiddenSize: 1024, numHeads: 6 });
 */
export function planFromTargets(spec: ModelSpec, report: ImportanceReport | null, targets: PlanTargets): ArchPlan {
  if (report !== null) {
    const diff = specDiff(report.spec, spec);
    if (diff.length > 0) throw new PlanError('spec-mismatch', `the importance report was made for another model (${diff.join('; ')})`);
  }
  const hidden = targets.hiddenSize ?? spec.hiddenSize;
  const ffn = targets.ffnHiddenSize ?? spec.ffnHiddenSize;
  const heads = targets.numHeads ?? spec.numHeads;
  checkTarget('hiddenSize', hidden, spec.hiddenSize);
  checkTarget('ffnHiddenSize', ffn, spec.ffnHiddenSize);
  checkTarget('numHeads', heads, spec.numHeads);
  const keepHeads = headsKeep(spec, report?.heads, heads);
  const keepNeurons = ffn === spec.ffnHiddenSize
    ? range(spec.numLayers).map(() => range(ffn))
    : needScores(report?.neurons, 'neurons').map((s) => topK(s, ffn));
  const keepChannels = hidden === spec.hiddenSize ? range(hidden) : topK(needScores(report?.channels, 'channels'), hidden);
  const keepLayers = layersKeep(spec, report, targets);
  return {
    kind: 'arch-plan',
    from: spec,
    target: { hiddenSize: hidden, ffnHiddenSize: ffn, numHeads: heads, numLayers: keepLayers.length },
    keep: { heads: keepHeads, neurons: keepNeurons, channels: keepChannels, layers: keepLayers },
  };
}

/**
 * A plan that keeps everything (identity), useful as a starting point for the plan editor.
 * @example const plan = identityPlan(model.spec);
 */
export function identityPlan(spec: ModelSpec): ArchPlan {
  return planFromTargets(spec, null, {});
}
