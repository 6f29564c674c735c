/**
 * Edits of an ArchPlan made by the plan editor (immutable: every edit returns a new plan). Consistency checks, parameter
 * counts and the planned spec are the library's plan core (src/plan_core), so the editor and the library agree.
 * Pure: no DOM, no JupyterLab imports (unit-tested under Node).
 */
import { headGroups, PlanError, targetProblems, topKPerGroup } from '../../src/plan_core/index.js';
import type { ArchPlan, ModelSpec, PlanTarget, TargetField } from '../../src/plan_core/index.js';

/** Importance scores the editor may use to choose units when a target size changes (higher = keep first). @example const s: PlanScores = { heads: report.heads }; */
export interface PlanScores { heads?: number[][]; neurons?: number[][]; channels?: number[]; layers?: number[] }

/** A deep copy of a plan. @example const p2 = clonePlan(p); */
export function clonePlan(p: ArchPlan): ArchPlan {
  return JSON.parse(JSON.stringify(p)) as ArchPlan;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (a: Iterable<number>): number[] => [...new Set(a)].sort((x, y) => x - y);

/** Query heads per KV group, for drawing the groups (1 under multi-head attention). @example groupSize({ numHeads: 9, numKvHeads: 3 }) // 3 */
export function groupSize(s: Pick<ModelSpec, 'numHeads' | 'numKvHeads'>): number {
  return s.numKvHeads > 0 && s.numHeads % s.numKvHeads === 0 ? s.numHeads / s.numKvHeads : s.numHeads;
}

/**
 * Chooses n of `total` units: by score (highest first) when scores are given, else currently kept units first (lowest
 * index first), then the others; with `groups` > 1 the same count is chosen in each contiguous group (GQA heads).
 * @example resizeKept([0, 1, 2, 3], 6, 2) // [0, 1]
 */
export function resizeKept(current: readonly number[], total: number, n: number, scores?: readonly number[], groups = 1): number[] {
  if (!Number.isInteger(n) || n < 0 || n > total) throw new PlanError(n > total ? 'target-too-large' : 'target-too-small', `size ${n}: expected an integer in [0, ${total}]`, 'size');
  if (groups < 1 || total % groups !== 0 || n % groups !== 0) throw new PlanError('heads-not-divisible', `size ${n}: expected a multiple of ${groups} groups`, 'size');
  const kept = new Set(current);
  const s = scores?.length === total ? scores : range(total).map((i) => (kept.has(i) ? 1 : 0));
  return topKPerGroup(s, n, groups);
}

function checkIndex(field: string, v: number, size: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v < size)) throw new PlanError('bad-index', `${field} ${v}: expected an index in [0, ${size})`, field);
}

/** Toggles one query head of one source layer. @example toggleHead(plan, 3, 5) */
export function toggleHead(p: ArchPlan, layer: number, head: number): ArchPlan {
  checkIndex('layer', layer, p.from.numLayers);
  checkIndex('head', head, p.from.numHeads);
  const q = clonePlan(p);
  const cur = new Set(q.keep.heads[layer] ?? []);
  if (cur.has(head)) cur.delete(head); else cur.add(head);
  q.keep.heads[layer] = sorted(cur);
  return q;
}

/** Keeps or drops one source layer; target.numLayers follows the kept count. @example toggleLayer(plan, 12) */
export function toggleLayer(p: ArchPlan, layer: number): ArchPlan {
  checkIndex('layer', layer, p.from.numLayers);
  const q = clonePlan(p);
  const cur = new Set(q.keep.layers);
  if (cur.has(layer)) cur.delete(layer); else cur.add(layer);
  const layers = sorted(cur);
  return { ...q, target: { ...q.target, numLayers: layers.length }, keep: { ...q.keep, layers } };
}

/** Upper bound of each target field (the source size). @example targetMax(plan.from).numHeads // 9 */
export function targetMax(s: ModelSpec): PlanTarget {
  return { hiddenSize: s.hiddenSize, ffnHiddenSize: s.ffnHiddenSize, numHeads: s.numHeads, numLayers: s.numLayers };
}

/** Step of each target field in the editor: heads go by numKvHeads under GQA, by one under multi-head attention. @example targetStep(gpt2Spec).numHeads // 1 */
export function targetStep(s: ModelSpec): PlanTarget {
  return { hiddenSize: 1, ffnHiddenSize: 1, numHeads: headGroups(s), numLayers: 1 };
}

function resizeAxis(p: ArchPlan, field: TargetField, value: number, scores: PlanScores): ArchPlan['keep'] {
  const f = p.from, k = p.keep;
  switch (field) {
    case 'numHeads':
      return { ...k, heads: range(f.numLayers).map((l) => resizeKept(k.heads[l] ?? [], f.numHeads, value, scores.heads?.[l], headGroups(f))) };
    case 'ffnHiddenSize':
      return { ...k, neurons: range(f.numLayers).map((l) => resizeKept(k.neurons[l] ?? [], f.ffnHiddenSize, value, scores.neurons?.[l])) };
    case 'hiddenSize':
      return { ...k, channels: resizeKept(k.channels, f.hiddenSize, value, scores.channels) };
    case 'numLayers':
      return { ...k, layers: resizeKept(k.layers, f.numLayers, value, scores.layers) };
  }
}

/**
 * Sets one target size and re-chooses the kept units of that axis (in every source layer for heads/neurons).
 * Throws PlanError with the library's codes (target-too-small/-large, heads-not-divisible).
 * @example setTarget(plan, 'ffnHiddenSize', 1024, { neurons: report.neurons })
 */
export function setTarget(p: ArchPlan, field: TargetField, value: number, scores: PlanScores = {}): ArchPlan {
  const bad = targetProblems({ ...p.target, [field]: value }, p.from).find((x) => x.field === `target.${field}`);
  if (bad) throw new PlanError(bad.code, bad.message, bad.field);
  const q = clonePlan(p);
  return { ...q, target: { ...q.target, [field]: value }, keep: resizeAxis(q, field, value, scores) };
}

/** An identity plan (keeps everything) for a spec. @example fullPlan(spec).keep.layers.length === spec.numLayers */
export function fullPlan(s: ModelSpec): ArchPlan {
  return {
    kind: 'arch-plan', from: s, target: targetMax(s),
    keep: { heads: range(s.numLayers).map(() => range(s.numHeads)), neurons: range(s.numLayers).map(() => range(s.ffnHiddenSize)), channels: range(s.hiddenSize), layers: range(s.numLayers) },
  };
}
