/** Importance stage barrel (re-exported by src/index.ts). */
export * from './aggregate.js';
export * from './accumulator.js';
export * from './baselines.js';
export * from './depth.js';
export * from './estimate.js';
export * from './loss.js';
export * from './mc_task.js';
export * from './spec_match.js';
export * from './depth_metrics.js';
