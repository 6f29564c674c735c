/**
 * Fused decoder layers with native forward and backward kernels (one kernel each way instead of 5-20 tfjs ops):
 * RMSNorm, SiLU(gate)·up, rotary embedding and causal attention in the [B, T, H, Dh] projection layout.
 * On other backends (or without the addon) each falls back to the same math in plain tfjs ops, which is also
 * the reference the tests compare the native path against.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native_addon.js';
import { bufferPool } from './buffer_pool.js';
import { FusedOpError, float32Values, nativeAddonFor } from './fused_ops.js';

/**
 * The addon for a fused layer: nativeAddonFor, unless MINITRON_FUSED=0 asks for the tfjs-op versions.
 * @example const addon = nativeFor(x); if (addon) addon.rmsNorm(...);
 */
export function nativeFor(...ts: tf.Tensor[]): NativeAddon | null {
  return process.env.MINITRON_FUSED === '0' ? null : nativeAddonFor(...ts);
}

function vals(t: tf.Tensor, what: string): Float32Array {
  const v = float32Values(t);
  if (!v) throw new FusedOpError(`backend/fused_layers.ts: ${what} is not a float32 cpu tensor`);
  return v;
}

const out = (n: number) => bufferPool().take(n);
type CustomFn = Parameters<typeof tf.customGrad>[0];

/**
 * RMSNorm over the last axis: x·rsqrt(mean(x²) + eps)·w (transformers' LlamaRMSNorm in float32).
 * @example rmsNorm(h, params['model.norm.weight'], 1e-5) // like h
 */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const D = x.shape[x.shape.length - 1];
  if (w.shape.length !== 1 || w.shape[0] !== D) throw new FusedOpError(`backend/fused_layers.ts rmsNorm: weight [${w.shape}] must be [${D}] for x [${x.shape}]`);
  const addon = nativeFor(x, w);
  if (!addon || x.size === 0) {
    const ms = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
  }
  const rows = x.size / D;
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = out(x.size), rstd = new Float32Array(rows);
    addon.rmsNorm(vals(xi, 'x'), vals(wi, 'w'), eps, y, rstd);
    save([xi, wi, tf.tensor1d(rstd)]);
    return {
      value: tf.tensor(y, xi.shape, 'float32'),
      gradFunc: (dy: tf.Tensor, [xs, ws, rs]: tf.Tensor[]) => {
        const dx = out(xs.size), dw = new Float32Array(D);
        addon.rmsNormGrad(vals(xs, 'x'), vals(ws, 'w'), vals(rs, 'rstd'), vals(dy, 'dy'), dx, dw);
        return [tf.tensor(dx, xs.shape, 'float32'), tf.tensor1d(dw)];
      },
    };
  }) as unknown as CustomFn);
  return f(x, w);
}

/**
 * SwiGLU product silu(gate)·up (element-wise, equal shapes).
 * @example siluMul(gate, up) // [B, T, F]
 */
export function siluMul(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  if (gate.shape.join(',') !== up.shape.join(',')) throw new FusedOpError(`backend/fused_layers.ts siluMul: gate [${gate.shape}] and up [${up.shape}] must have equal shapes`);
  const addon = nativeFor(gate, up);
  if (!addon || gate.size === 0) return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
  const f = tf.customGrad(((g: tf.Tensor, u: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = out(g.size);
    addon.siluMul(vals(g, 'gate'), vals(u, 'up'), y);
    save([g, u]);
    return {
      value: tf.tensor(y, g.shape, 'float32'),
      gradFunc: (dy: tf.Tensor, [gs, us]: tf.Tensor[]) => {
        const dg = out(gs.size), du = out(gs.size);
        addon.siluMulGrad(vals(gs, 'gate'), vals(us, 'up'), vals(dy, 'dy'), dg, du);
        return [tf.tensor(dg, gs.shape, 'float32'), tf.tensor(du, gs.shape, 'float32')];
      },
    };
  }) as unknown as CustomFn);
  return f(gate, up);
}

/**
 * Rotary embedding x·cos + rotate_half(x)·sin for x [B, T, H, Dh] and tables [T, Dh] (halves duplicated).
 * @example rope(q, cos, sin) // [B, T, H, Dh]
 */
export function rope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const [, T, H, Dh] = x.shape;
  if (cos.shape[0] !== T || cos.shape[1] !== Dh || sin.shape.join(',') !== cos.shape.join(',') || Dh % 2 !== 0) {
    throw new FusedOpError(`backend/fused_layers.ts rope: tables cos [${cos.shape}], sin [${sin.shape}] must be [${T}, ${Dh}] (even) for x [${x.shape}]`);
  }
  const addon = nativeFor(x, cos, sin);
  if (!addon || x.size === 0) {
    const c = tf.reshape(cos, [T, 1, Dh]), s = tf.reshape(sin, [T, 1, Dh]);
    const [x1, x2] = tf.split(x, [Dh / 2, Dh / 2], 3); // [B, T, H, Dh/2] each
    return tf.add(tf.mul(x, c), tf.mul(tf.concat([tf.neg(x2), x1], 3), s)) as tf.Tensor4D;
  }
  const cv = vals(cos, 'cos'), sv = vals(sin, 'sin');
  const f = tf.customGrad(((xi: tf.Tensor) => {
    const y = out(xi.size);
    addon.rope(vals(xi, 'x'), cv, sv, y, T, H, Dh, 1);
    return {
      value: tf.tensor(y, xi.shape, 'float32'),
      gradFunc: (dy: tf.Tensor) => {
        const dx = out(dy.size);
        addon.rope(vals(dy, 'dy'), cv, sv, dx, T, H, Dh, -1);
        return [tf.tensor(dx, dy.shape, 'float32')];
      },
    };
  }) as unknown as CustomFn);
  return f(x) as tf.Tensor4D;
}

/** Options of causalAttention. */
export interface AttentionOptions {
  /** A query at t sees keys s with t − s < window (mistral/qwen2 sliding window); null = all s ≤ t. */
  window: number | null;
  /** Score scale; default 1/sqrt(Dh). */
  scale: number | null;
}
export const DEFAULT_ATTENTION_OPTIONS: AttentionOptions = { window: null, scale: null };

/** Additive mask [G*T, T] for the tfjs fallback: 0 where query t sees key s, −1e9 elsewhere. */
function additiveMask(T: number, G: number, window: number | null): tf.Tensor2D {
  const m = new Float32Array(G * T * T);
  for (let g = 0; g < G; g++) for (let t = 0; t < T; t++) for (let s = 0; s < T; s++) {
    m[(g * T + t) * T + s] = s <= t && (window === null || t - s < window) ? 0 : -1e9;
  }
  return tf.tensor2d(m, [G * T, T]);
}

/** tfjs-op attention: the query heads of one KV group stacked along time, one batched matmul each way. */
function attentionReference(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number, window: number | null): tf.Tensor4D {
  const [B, T, H, Dh] = q.shape, KV = k.shape[2], G = H / KV;
  const q3 = tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B * KV, G * T, Dh]); // [B*KV, G*T, Dh]
  const k3 = tf.reshape(tf.transpose(k, [0, 2, 1, 3]), [B * KV, T, Dh]);
  const v3 = tf.reshape(tf.transpose(v, [0, 2, 1, 3]), [B * KV, T, Dh]);
  const probs = tf.softmax(tf.add(tf.mul(tf.matMul(q3, k3, false, true), scale), additiveMask(T, G, window)), -1); // [B*KV, G*T, T]
  return tf.transpose(tf.reshape(tf.matMul(probs, v3), [B, H, T, Dh]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, T, H, Dh]
}

/**
 * Causal self-attention softmax(scale·QKᵀ + mask)·V with grouped KV heads: q [B, T, H, Dh], k and v [B, T, KV, Dh]
 * (H a multiple of KV) → [B, T, H, Dh]. Native: one kernel each way, probabilities kept for the backward pass.
 * @example causalAttention(q, k, v, { window: spec.slidingWindow }) // [B, T, H, Dh]
 */
export function causalAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, options: Partial<AttentionOptions> = {}): tf.Tensor4D {
  const o = { ...DEFAULT_ATTENTION_OPTIONS, ...options };
  const [B, T, H, Dh] = q.shape, KV = k.shape[2];
  if (k.shape.join(',') !== v.shape.join(',') || k.shape[0] !== B || k.shape[1] !== T || k.shape[3] !== Dh || KV === 0 || H % KV !== 0) {
    throw new FusedOpError(`backend/fused_layers.ts causalAttention: q [${q.shape}], k [${k.shape}], v [${v.shape}]; expected q [B, T, H, Dh] and k, v [B, T, KV, Dh] with H % KV == 0`);
  }
  if (o.window !== null && !(o.window >= 1)) throw new FusedOpError(`backend/fused_layers.ts causalAttention: window ${o.window}, expected >= 1 or null`);
  const scale = o.scale ?? 1 / Math.sqrt(Dh);
  const addon = nativeFor(q, k, v);
  if (!addon || q.size === 0) return attentionReference(q, k, v, scale, o.window);
  const win = o.window === null || o.window >= T ? 0 : o.window;
  const f = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = out(qi.size), probs = out(B * H * T * T); // [B, T, H, Dh], [B, H, T, T]
    addon.attention(vals(qi, 'q'), vals(ki, 'k'), vals(vi, 'v'), y, probs, B, T, H, KV, Dh, scale, win);
    save([qi, ki, vi, tf.tensor(probs, [B, H, T, T], 'float32')]);
    return {
      value: tf.tensor(y, qi.shape, 'float32'),
      gradFunc: (dy: tf.Tensor, [qs, ks, vs, ps]: tf.Tensor[]) => {
        const dq = out(qs.size), dk = out(ks.size), dv = out(vs.size);
        addon.attentionGrad(vals(qs, 'q'), vals(ks, 'k'), vals(vs, 'v'), vals(ps, 'probs'), vals(dy, 'dy'), dq, dk, dv, B, T, H, KV, Dh, scale, win);
        return [tf.tensor(dq, qs.shape, 'float32'), tf.tensor(dk, ks.shape, 'float32'), tf.tensor(dv, vs.shape, 'float32')];
      },
    };
  }) as unknown as CustomFn);
  return f(q, k, v) as tf.Tensor4D;
}
