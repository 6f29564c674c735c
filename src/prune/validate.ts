/** Validation of an ArchPlan against the model it is applied to: the shared plan core's (src/plan_core), re-exported. */
export { validatePlan, planProblems, type PlanProblem } from '../plan_core/validate.js';
