/**
 * Rotary position embeddings as transformers computes them (float32 inverse frequencies, rotate_half layout),
 * including llama3 frequency scaling.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../types.js';

const f32 = Math.fround;

/**
 * Inverse frequencies [headDim/2] for `spec` (llama3 scaling applied when configured).
 * @example ropeInvFreq(spec).length === spec.headDim / 2
 */
export function ropeInvFreq(spec: ModelSpec): Float32Array {
  const dim = spec.headDim;
  const inv = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) inv[i] = f32(1 / f32(Math.pow(spec.ropeTheta, f32((2 * i) / dim))));
  const sc = spec.ropeScaling;
  if (!sc) return inv;
  const lowWavelen = sc.originalMaxPositions / sc.lowFreqFactor;
  const highWavelen = sc.originalMaxPositions / sc.highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    let v = wavelen > lowWavelen ? inv[i] / sc.factor : inv[i];
    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
      const smooth = (sc.originalMaxPositions / wavelen - sc.lowFreqFactor) / (sc.highFreqFactor - sc.lowFreqFactor);
      v = (1 - smooth) * (v / sc.factor) + smooth * v;
    }
    inv[i] = f32(v);
  }
  return inv;
}

/**
 * cos and sin tables [T, headDim] for positions offset..offset+T-1 (halves duplicated, as transformers' emb = cat(freqs, freqs)).
 * @example const { cos, sin } = ropeTables(spec, 256);
 */
export function ropeTables(spec: ModelSpec, T: number, offset = 0): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const inv = ropeInvFreq(spec);
  const half = inv.length;
  const D = spec.headDim;
  const cos = new Float32Array(T * D);
  const sin = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const a = f32(f32(t + offset) * inv[i]);
      const c = Math.cos(a), s = Math.sin(a);
      cos[t * D + i] = cos[t * D + i + half] = c;
      sin[t * D + i] = sin[t * D + i + half] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [T, D]), sin: tf.tensor2d(sin, [T, D]) };
}
