/**
 * minitron: prune and distill language models the Minitron way, in TypeScript on TensorFlow.js.
 * The whole public API and nothing else.
 */
export * from './types.js';
export * from './errors.js';
export * from './plan_core/index.js';
export { selectBackend, backendInfo, type BackendInfo } from './backend/index.js';
export { rmsNorm, siluMul, rope, causalAttention, klDivLogits, fusedAdamW, FusedOpError, bufferPool } from './backend/index.js';
export type { AttentionOptions, KlDivOptions, AdamWHyper, BufferPoolStats } from './backend/index.js';
export * from './io/safetensors.js';
export * from './io/config.js';
export * from './io/tokenizer.js';
export * from './io/checkpoint.js';
export * from './io/digest.js';
export * from './io/stamp.js';
export { expectedShapes } from './io/hf_names.js';
export * from './model/forward.js';
export * from './model/generate.js';
export { ropeInvFreq } from './model/rope.js';
export * from './eval/nll.js';
export * from './eval/perplexity.js';
export * from './eval/tasks.js';
export * from './data/corpus.js';
export * from './data/rng.js';
export * from './data/calibration.js';
export * from './host/index.js';
export * from './display/index.js';
export * from './widgets/index.js';
export * from './importance/index.js';
export * from './prune/index.js';
export * from './distill/index.js';
