/**
 * The plan core: JSON types, shape-derived parameter counts, planned specs, plan validation, count formatting and the
 * plan-editor contract. Dependency-free (no tfjs, no node:, no DOM): the library, the kernel and the lab extension
 * (which bundles it) import this one copy.
 */
export * from './types.js';
export * from './errors.js';
export * from './shapes.js';
export * from './spec.js';
export * from './choose.js';
export * from './validate.js';
export * from './format.js';
export * from './comm.js';
