/** Parameter counts and count text of the prune stage: the shared plan core's (src/plan_core), re-exported. */
export { paramCount, paramCounts, type ParamCounts } from '../plan_core/shapes.js';
export { plannedSpec, planParamCounts } from '../plan_core/spec.js';
export { formatCount, parseCount } from '../plan_core/format.js';
