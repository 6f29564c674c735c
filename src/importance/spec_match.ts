/** Compare two ModelSpecs on the fields that decide tensor shapes: the shared plan core's rule (src/plan_core/spec.ts). */
export { SHAPE_FIELDS, specDiff } from '../plan_core/spec.js';
