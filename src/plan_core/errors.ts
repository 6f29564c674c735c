/** The typed error of plan validation, shared by the library (validatePlan) and the plan editors (kernel and lab). */
import { MinitronError } from '../errors.js';

/** Codes of plan / target problems (one table; the type derives from it). @example PLAN_ERROR_CODES.includes(e.code) */
export const PLAN_ERROR_CODES = [
  'not-a-plan', 'spec-mismatch', 'zero-heads', 'heads-not-divisible', 'unequal-groups', 'bad-index', 'duplicate-index',
  'unsorted-index', 'target-too-large', 'target-too-small', 'size-mismatch', 'missing-scores', 'not-exportable',
] as const;
/** One of PLAN_ERROR_CODES. @example const c: PlanErrorCode = 'unequal-groups'; */
export type PlanErrorCode = (typeof PLAN_ERROR_CODES)[number];

/**
 * A plan or pruning target that cannot be applied to a model; `field` names the plan field at fault.
 * @example try { validatePlan(plan, spec); } catch (e) { if (e instanceof PlanError) console.log(e.code, e.field); }
 */
export class PlanError extends MinitronError {
  constructor(readonly code: PlanErrorCode, message: string, readonly field = '') {
    super(`[arch-plan ${code}] ${message}`);
  }
}
