/**
 * Training needs the gradient of gather (embeddings, CE), i.e. UnsortedSegmentSum. The wasm backend lacks it;
 * the backend module's JS kernel fills the gap (cpu, native and webgpu have their own).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernels } from '../backend/wasm_kernels.js';

/**
 * Makes sure the current backend can run training (registers the wasm UnsortedSegmentSum when missing; idempotent).
 * @example await tf.setBackend('wasm'); ensureTrainingKernels();
 */
export function ensureTrainingKernels(): void {
  if (tf.getBackend() === 'wasm') registerWasmKernels();
}
