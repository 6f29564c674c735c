/** Typed errors of the prune stage: every message names the plan field or tensor and what was expected. */
import { MinitronError } from '../errors.js';

/** Codes of plan / target problems. */
export type PlanErrorCode =
  | 'not-a-plan'
  | 'spec-mismatch'
  | 'zero-heads'
  | 'heads-not-divisible'
  | 'unequal-groups'
  | 'bad-index'
  | 'duplicate-index'
  | 'unsorted-index'
  | 'target-too-large'
  | 'target-too-small'
  | 'size-mismatch'
  | 'missing-scores'
  | 'not-exportable';

/**
 * A plan or pruning target that cannot be applied to a model.
 * @example try { validatePlan(plan, spec); } catch (e) { if (e instanceof PlanError) console.log(e.code); }
 */
export class PlanError extends MinitronError {
  constructor(readonly code: PlanErrorCode, message: string) {
    super(`[arch-plan ${code}] ${message}`);
  }
}

/**
 * A parameter tensor missing or shaped unlike the spec when slicing or exporting.
 * @example throw new SliceError('model.layers.0.self_attn.q_proj.weight', 'expected [256, 64], got [128, 64]');
 */
export class SliceError extends MinitronError {
  constructor(readonly tensor: string, message: string) {
    super(`[slice ${tensor}] ${message}`);
  }
}

/**
 * An output folder that already exists or would overwrite the input checkpoint.
 * @example throw new ExportError('/tmp/out', 'already exists');
 */
export class ExportError extends MinitronError {
  constructor(readonly dir: string, message: string) {
    super(`[export ${dir}] ${message}`);
  }
}
