/** Prune stage barrel (re-exported by src/index.ts). */
export * from './errors.js';
export * from './plan.js';
export * from './validate.js';
export * from './mask.js';
export * from './slice.js';
export * from './count.js';
export * from './compat.js';
export * from './export.js';
export * from './search.js';
