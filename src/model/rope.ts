/**
 * Rotary position embeddings as transformers computes them (float32 inverse frequencies, rotate_half layout),
 * including llama3, linear and longrope frequency scaling, per-layer-kind bases (Gemma 3 local layers) and partial
 * rotation (Phi-3 partial_rotary_factor: only the first rotaryDim dims of each head turn).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, RopeScaling } from '../types.js';
import type { LayerType } from '../plan_core/types.js';

const f32 = Math.fround;

/** The RoPE of one kind of layer: base, scaling and the number of rotated dims. */
export interface RopeSetup {
  readonly theta: number;
  readonly scaling: RopeScaling | null;
  readonly dim: number;
}

/**
 * RoPE of `kind` layers: 'sliding' layers of a spec with a local base use it without scaling (Gemma 3).
 * @example ropeSetup(gemmaSpec, 'sliding').theta // 10000
 */
export function ropeSetup(spec: ModelSpec, kind: LayerType = 'full'): RopeSetup {
  const dim = spec.rotaryDim ?? spec.headDim;
  if (kind === 'sliding' && spec.localRopeTheta !== undefined) return { theta: spec.localRopeTheta, scaling: null, dim };
  return { theta: spec.ropeTheta, scaling: spec.ropeScaling, dim };
}

function llama3(inv: Float32Array, sc: Extract<RopeScaling, { type: 'llama3' }>): void {
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
}

/**
 * Inverse frequencies [dim/2] for `spec` (scaling applied when configured); longrope picks its long factors when
 * the sequence (T tokens) is longer than the original context, as transformers' dynamic update does.
 * @example ropeInvFreq(spec).length === spec.headDim / 2
 */
export function ropeInvFreq(spec: ModelSpec, T = 1, kind: LayerType = 'full'): Float32Array {
  const { theta, scaling: sc, dim } = ropeSetup(spec, kind);
  const inv = new Float32Array(dim / 2);
  const ext = sc?.type === 'longrope' ? (T > sc.originalMaxPositions ? sc.longFactor : sc.shortFactor) : null;
  for (let i = 0; i < dim / 2; i++) {
    const p = f32(Math.pow(theta, f32((2 * i) / dim)));
    inv[i] = ext ? f32(1 / f32(f32(ext[i]) * p)) : f32(1 / p);
  }
  if (sc?.type === 'llama3') llama3(inv, sc);
  if (sc?.type === 'linear') for (let i = 0; i < inv.length; i++) inv[i] = f32(inv[i] / sc.factor);
  return inv;
}

/**
 * cos and sin tables [T, dim] for positions offset..offset+T-1 (halves duplicated, as transformers' emb = cat(freqs, freqs);
 * dim = the rotated dims), times longrope's attention factor.
 * @example const { cos, sin } = ropeTables(spec, 256);
 */
export function ropeTables(spec: ModelSpec, T: number, offset = 0, kind: LayerType = 'full'): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const sc = ropeSetup(spec, kind).scaling;
  const inv = ropeInvFreq(spec, offset + T, kind);
  const scale = sc?.type === 'longrope' ? f32(sc.attentionFactor) : 1;
  const half = inv.length;
  const D = 2 * half;
  const cos = new Float32Array(T * D);
  const sin = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const a = f32(f32(t + offset) * inv[i]);
      const c = scale === 1 ? Math.cos(a) : f32(Math.cos(a)) * scale, s = scale === 1 ? Math.sin(a) : f32(Math.sin(a)) * scale;
      cos[t * D + i] = cos[t * D + i + half] = c;
      sin[t * D + i] = sin[t * D + i + half] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [T, D]), sin: tf.tensor2d(sin, [T, D]) };
}
