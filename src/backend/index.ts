/**
 * Backend choice (placeholder until the native backend lands): wasm, then cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** Which backend runs and why. */
export interface BackendInfo {
  readonly name: string;
  readonly reason: string;
}

let chosen: BackendInfo | null = null;

/** Select a backend ('auto' | 'wasm' | 'cpu'); MINITRON_BACKEND overrides. @example await selectBackend() */
export async function selectBackend(name = 'auto'): Promise<BackendInfo> {
  const want = process.env.MINITRON_BACKEND || name;
  if (chosen && (want === 'auto' || want === chosen.name)) return chosen;
  if (want === 'auto' || want === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        chosen = { name: 'wasm', reason: 'wasm SIMD' };
        return chosen;
      }
    } catch {
      /* fall through */
    }
  }
  await tf.setBackend('cpu');
  chosen = { name: 'cpu', reason: 'fallback' };
  return chosen;
}

/** The selected backend, or null before selectBackend. @example backendInfo()?.name */
export function backendInfo(): BackendInfo | null {
  return chosen;
}
