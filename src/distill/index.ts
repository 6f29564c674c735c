/** Distillation: losses, optimiser, schedules, checkpoints, the trainer and teacher correction. */
export * from './losses.js';
export * from './optim.js';
export * from './schedule.js';
export * from './data.js';
export * from './train_state.js';
export * from './kernels.js';
export { microStep, type ForwardFn, type ModelLike, type StatePair, type TapPoint, type MicroInputs, type MicroResult } from './step.js';
export * from './trainer.js';
export * from './search_kd.js';
export * from './teacher_cache.js';
export * from './cached_kl.js';
export * from './init.js';
