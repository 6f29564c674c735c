/** Validation of an ArchPlan against the model it is applied to. */
import type { ArchPlan, ModelSpec } from '../types.js';
import { specDiff } from '../importance/spec_match.js';
import { PlanError } from './errors.js';
import { isMha } from './plan.js';

function checkIndices(field: string, idx: unknown, size: number, expectLen: number): void {
  if (!Array.isArray(idx)) throw new PlanError('not-a-plan', `${field} must be an array of indices`);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= size) throw new PlanError('bad-index', `${field}[${i}] = ${String(v)}, expected an integer in [0, ${size})`);
    if (i > 0 && v === idx[i - 1]) throw new PlanError('duplicate-index', `${field} has ${v} twice`);
    if (i > 0 && v < (idx[i - 1] as number)) throw new PlanError('unsorted-index', `${field} must be sorted ascending (${String(idx[i - 1])} before ${v})`);
  }
  if (idx.length !== expectLen) throw new PlanError('size-mismatch', `${field} keeps ${idx.length} entries, the plan's target says ${expectLen}`);
}

function checkTarget(field: string, v: number, source: number): void {
  if (!Number.isInteger(v) || v < 1) throw new PlanError(field === 'numHeads' ? 'zero-heads' : 'target-too-small', `target.${field} must be a positive integer, got ${v}`);
  if (v > source) throw new PlanError('target-too-large', `target.${field} ${v} is larger than the source ${source}`);
}

/**
 * Throws a PlanError when `plan` cannot be applied to a model with `spec`; returns the plan otherwise.
 * @example validatePlan(JSON.parse(fs.readFileSync('plan.json', 'utf8')), model.spec);
 */
export function validatePlan(plan: ArchPlan, spec: ModelSpec): ArchPlan {
  if (plan === null || typeof plan !== 'object' || plan.kind !== 'arch-plan' || !plan.keep || !plan.target || !plan.from) {
    throw new PlanError('not-a-plan', 'expected an object with kind "arch-plan", from, target and keep');
  }
  const diff = specDiff(plan.from, spec);
  if (diff.length > 0) throw new PlanError('spec-mismatch', `the plan was made for another model (${diff.join('; ')})`);
  const t = plan.target;
  if (t.numHeads === 0) throw new PlanError('zero-heads', 'target.numHeads is 0: every layer needs at least one query head per KV group');
  checkTarget('hiddenSize', t.hiddenSize, spec.hiddenSize);
  checkTarget('ffnHiddenSize', t.ffnHiddenSize, spec.ffnHiddenSize);
  checkTarget('numHeads', t.numHeads, spec.numHeads);
  checkTarget('numLayers', t.numLayers, spec.numLayers);
  const mha = isMha(spec);
  if (!mha && t.numHeads % spec.numKvHeads !== 0) {
    throw new PlanError('heads-not-divisible', `target.numHeads ${t.numHeads} is not divisible by numKvHeads ${spec.numKvHeads}`);
  }
  const k = plan.keep;
  checkIndices('keep.layers', k.layers, spec.numLayers, t.numLayers);
  checkIndices('keep.channels', k.channels, spec.hiddenSize, t.hiddenSize);
  for (const [name, arr] of [['heads', k.heads], ['neurons', k.neurons]] as const) {
    if (!Array.isArray(arr) || arr.length !== spec.numLayers) {
      throw new PlanError('size-mismatch', `keep.${name} must have one entry per source layer (${spec.numLayers})`);
    }
  }
  const group = spec.numHeads / spec.numKvHeads;
  const perGroup = t.numHeads / spec.numKvHeads;
  for (let l = 0; l < spec.numLayers; l++) {
    if (Array.isArray(k.heads[l]) && k.heads[l].length === 0) throw new PlanError('zero-heads', `keep.heads[${l}] keeps no head`);
    checkIndices(`keep.heads[${l}]`, k.heads[l], spec.numHeads, t.numHeads);
    checkIndices(`keep.neurons[${l}]`, k.neurons[l], spec.ffnHiddenSize, t.ffnHiddenSize);
    for (let g = 0; g < (mha ? 0 : spec.numKvHeads); g++) {
      const n = k.heads[l].filter((h) => Math.floor(h / group) === g).length;
      if (n !== perGroup) {
        throw new PlanError('unequal-groups', `keep.heads[${l}] keeps ${n} heads of KV group ${g}, expected ${perGroup} in every group`);
      }
    }
  }
  return plan;
}
