/**
 * Plan validation, once: the library throws the first problem as a PlanError (validatePlan); the plan editors list
 * every problem (planProblems). Codes and messages are the same on both paths.
 */
import { PlanError, type PlanErrorCode } from './errors.js';
import { headGroups, isMha, specDiff } from './spec.js';
import { TARGET_FIELDS, type ArchPlan, type ModelSpec, type PlanTarget, type TargetField } from './types.js';

/** One reason a plan cannot be applied. @example const p: PlanProblem = { code: 'bad-index', field: 'keep.layers', message: '…' }; */
export interface PlanProblem {
  readonly code: PlanErrorCode;
  /** The plan field at fault, e.g. 'keep.heads[3]' or 'target.numHeads'. */
  readonly field: string;
  readonly message: string;
}

const problem = (code: PlanErrorCode, field: string, message: string): PlanProblem => ({ code, field, message });
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The problem with one target size (a positive integer no larger than the source), or null.
 * @example targetProblem('numHeads', 0, 9)?.code // 'zero-heads'
 */
export function targetProblem(field: TargetField, v: unknown, source: number): PlanProblem | null {
  const where = `target.${field}`;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    return problem(field === 'numHeads' ? 'zero-heads' : 'target-too-small', where, `${where} must be a positive integer, got ${String(v)}`);
  }
  if (v > source) return problem('target-too-large', where, `${where} ${v} is larger than the source ${source}`);
  return null;
}

/**
 * Problems with a plan's target sizes for a model with `spec`: each size in range, query heads divisible by numKvHeads (GQA).
 * @example targetProblems({ ...plan.target, numHeads: 7 }, smollm2Spec)[0].code // 'heads-not-divisible'
 */
export function targetProblems(t: PlanTarget, spec: ModelSpec): PlanProblem[] {
  const out: PlanProblem[] = [];
  for (const f of TARGET_FIELDS) {
    const bad = targetProblem(f, t[f], spec[f]);
    if (bad) out.push(bad);
  }
  if (!isMha(spec) && Number.isInteger(t.numHeads) && t.numHeads % spec.numKvHeads !== 0) {
    const msg = `target.numHeads ${t.numHeads} is not divisible by numKvHeads ${spec.numKvHeads} (GQA keeps the same count per KV group)`;
    out.push(problem('heads-not-divisible', 'target.numHeads', msg));
  }
  return out;
}

/**
 * The problem with a list of kept indices (integers in [0, size), unique, ascending, `expectLen` of them), or null.
 * @example indicesProblem('keep.layers', [2, 1], 4, 2)?.code // 'unsorted-index'
 */
export function indicesProblem(field: string, idx: unknown, size: number, expectLen: number): PlanProblem | null {
  if (!Array.isArray(idx)) return problem('not-a-plan', field, `${field} must be an array of indices`);
  for (let i = 0; i < idx.length; i++) {
    const v: unknown = idx[i], prev: unknown = idx[i - 1];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= size) {
      return problem('bad-index', field, `${field}[${i}] = ${String(v)}, expected an integer in [0, ${size})`);
    }
    if (i > 0 && v === prev) return problem('duplicate-index', field, `${field} has ${v} twice`);
    if (i > 0 && v < (prev as number)) return problem('unsorted-index', field, `${field} must be sorted ascending (${String(prev)} before ${v})`);
  }
  if (idx.length !== expectLen) return problem('size-mismatch', field, `${field} keeps ${idx.length} entries, the plan's target says ${expectLen}`);
  return null;
}

function headRowProblem(spec: ModelSpec, row: unknown, l: number, numHeads: number): PlanProblem | null {
  const field = `keep.heads[${l}]`;
  if (Array.isArray(row) && row.length === 0) return problem('zero-heads', field, `${field} keeps no head`);
  const bad = indicesProblem(field, row, spec.numHeads, numHeads);
  const groups = headGroups(spec);
  if (bad || groups === 1 || numHeads % groups !== 0) return bad;
  const size = spec.numHeads / groups, per = numHeads / groups;
  const counts = Array.from({ length: groups }, (_, g) => (row as number[]).filter((h) => Math.floor(h / size) === g).length);
  if (counts.every((n) => n === per)) return null;
  return problem('unequal-groups', field, `${field} keeps [${counts.join(', ')}] heads per KV group, expected ${per} in every group (GQA)`);
}

function rowProblems(plan: ArchPlan, spec: ModelSpec): PlanProblem[] {
  const { keep: k, target: t } = plan;
  const out: PlanProblem[] = [];
  for (const axis of ['heads', 'neurons'] as const) {
    if (!Array.isArray(k[axis]) || k[axis].length !== spec.numLayers) {
      out.push(problem('size-mismatch', `keep.${axis}`, `keep.${axis} must have one entry per source layer (${spec.numLayers})`));
    }
  }
  if (out.length > 0) return out;
  for (let l = 0; l < spec.numLayers; l++) {
    const h = headRowProblem(spec, k.heads[l], l, t.numHeads);
    const n = indicesProblem(`keep.neurons[${l}]`, k.neurons[l], spec.ffnHiddenSize, t.ffnHiddenSize);
    for (const p of [h, n]) if (p) out.push(p);
  }
  return out;
}

/**
 * Every reason `plan` cannot be applied to a model with `spec` (default: the plan's own source spec); empty when valid.
 * @example planProblems(plan).map((p) => p.message) // ['keep.heads[3] keeps 5 entries, the plan's target says 6']
 */
export function planProblems(plan: unknown, spec?: ModelSpec): PlanProblem[] {
  if (!isObj(plan) || plan.kind !== 'arch-plan' || !isObj(plan.keep) || !isObj(plan.target) || !isObj(plan.from)) {
    return [problem('not-a-plan', 'plan', 'expected an object with kind "arch-plan", from, target and keep')];
  }
  const p = plan as unknown as ArchPlan, s = spec ?? p.from, t = p.target;
  const diff = specDiff(p.from, s);
  if (diff.length > 0) return [problem('spec-mismatch', 'from', `the plan was made for another model (${diff.join('; ')})`)];
  const out = targetProblems(t, s);
  for (const bad of [indicesProblem('keep.layers', p.keep.layers, s.numLayers, t.numLayers),
    indicesProblem('keep.channels', p.keep.channels, s.hiddenSize, t.hiddenSize)]) if (bad) out.push(bad);
  return [...out, ...rowProblems(p, s)];
}

/**
 * Throws a PlanError (the first problem) when `plan` cannot be applied to a model with `spec`; returns the plan otherwise.
 * @example validatePlan(JSON.parse(fs.readFileSync('plan.json', 'utf8')), model.spec);
 */
export function validatePlan(plan: ArchPlan, spec: ModelSpec): ArchPlan {
  const [first] = planProblems(plan, spec);
  if (first) throw new PlanError(first.code, first.message, first.field);
  return plan;
}
