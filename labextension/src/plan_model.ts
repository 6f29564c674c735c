/**
 * Edits of an ArchPlan made by the plan editor (immutable: every edit returns a new plan), consistency checks and
 * parameter counts. Pure: no DOM, no JupyterLab imports (unit-tested under Node).
 */
import type { PlanJson, PlanTarget, SpecLike } from './mime.js';

/** Importance scores the editor may use to choose units when a target size changes (higher = keep first). @example const s: PlanScores = { heads: report.heads }; */
export interface PlanScores { heads?: number[][]; neurons?: number[][]; channels?: number[]; layers?: number[] }

/** Thrown for an edit that cannot be applied. @example throw new PlanEditError('target.numHeads', 'a multiple of numKvHeads 3', 7); */
export class PlanEditError extends Error {
  constructor(field: string, expected: string, got: unknown) {
    super(`labextension/plan_model.ts: ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'PlanEditError';
  }
}

/** A deep copy of a plan. @example const p2 = clonePlan(p); */
export function clonePlan(p: PlanJson): PlanJson {
  return JSON.parse(JSON.stringify(p)) as PlanJson;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (a: Iterable<number>): number[] => [...new Set(a)].sort((x, y) => x - y);

/** Query heads per KV group (GQA); 1 group when numKvHeads does not divide numHeads. @example groupSize({ numHeads: 9, numKvHeads: 3 }) // 3 */
export function groupSize(s: Pick<SpecLike, 'numHeads' | 'numKvHeads'>): number {
  return s.numKvHeads > 0 && s.numHeads % s.numKvHeads === 0 ? s.numHeads / s.numKvHeads : s.numHeads;
}

/**
 * Chooses n of `total` units: by score (highest first) when scores are given, else currently kept units first (lowest
 * index first), then the others; with `groups` > 1 the same count is chosen in each contiguous group (GQA heads).
 * @example resizeKept([0, 1, 2, 3], 6, 2) // [0, 1]
 */
export function resizeKept(current: readonly number[], total: number, n: number, scores?: readonly number[], groups = 1): number[] {
  if (!Number.isInteger(n) || n < 0 || n > total) throw new PlanEditError('size', `an integer in [0, ${total}]`, n);
  if (groups < 1 || total % groups !== 0 || n % groups !== 0) throw new PlanEditError('size', `a multiple of ${groups} groups`, n);
  const gs = total / groups, per = n / groups;
  const kept = new Set(current);
  const rank = (i: number): number => (scores && Number.isFinite(scores[i]) ? -scores[i] : (kept.has(i) ? 0 : 1) * total + i);
  const out: number[] = [];
  for (let g = 0; g < groups; g++) {
    const ids = range(gs).map((i) => g * gs + i);
    ids.sort((a, b) => rank(a) - rank(b) || a - b);
    out.push(...ids.slice(0, per));
  }
  return sorted(out);
}

/** Toggles one query head of one source layer. @example toggleHead(plan, 3, 5) */
export function toggleHead(p: PlanJson, layer: number, head: number): PlanJson {
  if (!(layer >= 0 && layer < p.from.numLayers)) throw new PlanEditError('layer', `an index in [0, ${p.from.numLayers})`, layer);
  if (!(head >= 0 && head < p.from.numHeads)) throw new PlanEditError('head', `an index in [0, ${p.from.numHeads})`, head);
  const q = clonePlan(p);
  const cur = new Set(q.keep.heads[layer] ?? []);
  if (cur.has(head)) cur.delete(head); else cur.add(head);
  q.keep.heads[layer] = sorted(cur);
  return q;
}

/** Keeps or drops one source layer; target.numLayers follows the kept count. @example toggleLayer(plan, 12) */
export function toggleLayer(p: PlanJson, layer: number): PlanJson {
  if (!(layer >= 0 && layer < p.from.numLayers)) throw new PlanEditError('layer', `an index in [0, ${p.from.numLayers})`, layer);
  const q = clonePlan(p);
  const cur = new Set(q.keep.layers);
  if (cur.has(layer)) cur.delete(layer); else cur.add(layer);
  q.keep.layers = sorted(cur);
  q.target.numLayers = q.keep.layers.length;
  return q;
}

/** Upper bound of each target field (the source size). @example targetMax(plan.from).numHeads // 9 */
export function targetMax(s: SpecLike): PlanTarget {
  return { hiddenSize: s.hiddenSize, ffnHiddenSize: s.ffnHiddenSize, numHeads: s.numHeads, numLayers: s.numLayers };
}

/**
 * Sets one target size and re-chooses the kept units of that axis (in every source layer for heads/neurons).
 * @example setTarget(plan, 'ffnHiddenSize', 1024, { neurons: report.neurons })
 */
export function setTarget(p: PlanJson, field: keyof PlanTarget, value: number, scores: PlanScores = {}): PlanJson {
  const max = targetMax(p.from)[field];
  if (!Number.isInteger(value) || value < 1 || value > max) throw new PlanEditError(`target.${field}`, `an integer in [1, ${max}]`, value);
  const q = clonePlan(p);
  const f = p.from;
  switch (field) {
    case 'numHeads': {
      const groups = f.numHeads / groupSize(f);
      if (value % groups !== 0) throw new PlanEditError('target.numHeads', `a multiple of numKvHeads ${groups} (GQA: the same count per KV group)`, value);
      q.keep.heads = range(f.numLayers).map((l) => resizeKept(p.keep.heads[l] ?? [], f.numHeads, value, scores.heads?.[l], groups));
      break;
    }
    case 'ffnHiddenSize':
      q.keep.neurons = range(f.numLayers).map((l) => resizeKept(p.keep.neurons[l] ?? [], f.ffnHiddenSize, value, scores.neurons?.[l]));
      break;
    case 'hiddenSize':
      q.keep.channels = resizeKept(p.keep.channels, f.hiddenSize, value, scores.channels);
      break;
    case 'numLayers':
      q.keep.layers = resizeKept(p.keep.layers, f.numLayers, value, scores.layers);
      break;
  }
  q.target[field] = value;
  return q;
}

function checkIndices(name: string, idx: readonly number[], size: number, out: string[]): void {
  const bad = idx.find((v, i) => !Number.isInteger(v) || v < 0 || v >= size || (i > 0 && v <= idx[i - 1]));
  if (bad !== undefined) out.push(`${name}: indices must be sorted, unique, in [0, ${size}) (found ${bad})`);
}

/**
 * Problems that would make the plan unusable for masking/slicing (empty when consistent).
 * @example planIssues(plan) // ['layer 3: 5 heads kept, target 6']
 */
export function planIssues(p: PlanJson): string[] {
  const f = p.from, t = p.target, out: string[] = [];
  const gs = groupSize(f);
  if (t.numHeads % (f.numHeads / gs) !== 0) out.push(`target heads ${t.numHeads} is not a multiple of ${f.numHeads / gs} KV heads`);
  if (p.keep.layers.length !== t.numLayers) out.push(`${p.keep.layers.length} layers kept, target ${t.numLayers}`);
  if (p.keep.channels.length !== t.hiddenSize) out.push(`${p.keep.channels.length} channels kept, target hidden ${t.hiddenSize}`);
  if (p.keep.heads.length !== f.numLayers) out.push(`keep.heads has ${p.keep.heads.length} rows, expected one per source layer (${f.numLayers})`);
  if (p.keep.neurons.length !== f.numLayers) out.push(`keep.neurons has ${p.keep.neurons.length} rows, expected one per source layer (${f.numLayers})`);
  checkIndices('keep.layers', p.keep.layers, f.numLayers, out);
  checkIndices('keep.channels', p.keep.channels, f.hiddenSize, out);
  for (const l of p.keep.layers) {
    const h = p.keep.heads[l] ?? [], n = p.keep.neurons[l] ?? [];
    checkIndices(`layer ${l} heads`, h, f.numHeads, out);
    checkIndices(`layer ${l} neurons`, n, f.ffnHiddenSize, out);
    if (h.length !== t.numHeads) out.push(`layer ${l}: ${h.length} heads kept, target ${t.numHeads}`);
    else if (gs < f.numHeads) {
      const per = range(f.numHeads / gs).map((g) => h.filter((i) => Math.floor(i / gs) === g).length);
      if (per.some((c) => c !== per[0])) out.push(`layer ${l}: KV groups keep [${per.join(', ')}] heads; GQA needs the same count per group`);
    }
    if (n.length !== t.ffnHiddenSize) out.push(`layer ${l}: ${n.length} neurons kept, target ${t.ffnHiddenSize}`);
  }
  return out;
}

/**
 * Parameter count of a spec (weights + biases; same formula as the library's specParamCount).
 * @example specParams(smollm2Spec) // 134515008
 */
export function specParams(s: SpecLike): number {
  const D = s.hiddenSize, F = s.ffnHiddenSize, hd = s.headDim;
  const gated = (s.mlpType ?? 'gated') === 'gated';
  const norm = s.normType === 'layernorm' ? 2 * D : D;
  const attn = D * s.numHeads * hd * 2 + D * s.numKvHeads * hd * 2 +
    (s.qkvBias ? (s.numHeads + 2 * s.numKvHeads) * hd : 0) + (s.oBias ? D : 0);
  const mlp = (gated ? 3 : 2) * D * F + (s.mlpBias ? (gated ? 2 : 1) * F + D : 0);
  const emb = s.vocabSize * D + (s.positional === 'learned' ? (s.maxPositions ?? 0) * D : 0);
  return emb + s.numLayers * (attn + mlp + 2 * norm) + norm + (s.tiedEmbeddings ?? true ? 0 : s.vocabSize * D);
}

/** The spec a plan produces (KV heads and head_dim unchanged). @example planSpec(plan).numLayers === plan.target.numLayers */
export function planSpec(p: PlanJson): SpecLike {
  return { ...p.from, hiddenSize: p.target.hiddenSize, ffnHiddenSize: p.target.ffnHiddenSize, numHeads: p.target.numHeads, numLayers: p.target.numLayers };
}

/** Source and target parameter counts. @example planParams(plan) // { from: 134515008, target: 90000000, ratio: 0.67 } */
export function planParams(p: PlanJson): { from: number; target: number; ratio: number } {
  const from = specParams(p.from), target = specParams(planSpec(p));
  return { from, target, ratio: from > 0 ? target / from : NaN };
}

/** Human-readable parameter count. @example fmtCount(134515008) // '134.5M' */
export function fmtCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** An identity plan (keeps everything) for a spec. @example fullPlan(spec).keep.layers.length === spec.numLayers */
export function fullPlan(s: SpecLike): PlanJson {
  return {
    kind: 'arch-plan', from: s, target: targetMax(s),
    keep: { heads: range(s.numLayers).map(() => range(s.numHeads)), neurons: range(s.numLayers).map(() => range(s.ffnHiddenSize)), channels: range(s.hiddenSize), layers: range(s.numLayers) },
  };
}
