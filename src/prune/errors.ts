/** Typed errors of the prune stage: every message names the plan field or tensor and what was expected. */
import { MinitronError } from '../errors.js';

export { PLAN_ERROR_CODES, PlanError, type PlanErrorCode } from '../plan_core/errors.js';

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
