/**
 * Full-sequence causal forward for GPT-2 and Llama-family decoders, with named activation taps and
 * reversible unit masks (what-if pruning). One implementation serves inference, importance and training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../errors.js';
import type { ModelSpec, Params } from '../types.js';
import { activate, linear, norm } from './layers.js';
import { ropeTables } from './rope.js';
import { FAMILIES, type LayerType } from '../plan_core/types.js';
import { causalAttention, rope, siluMul } from '../backend/fused_layers.js';

/** Named activations a forward exposes (see ForwardOptions.onTap for shapes). */
export type TapName = 'block_in' | 'attn_norm' | 'attn_ctx' | 'mlp_norm' | 'mlp_fc1' | 'mlp_act' | 'block_out' | 'final_norm';

/** 0/1 (or soft) multipliers per unit; null/absent = keep all. heads/neurons are per layer. */
export interface ModelMask {
  readonly heads?: (number[] | null)[];
  readonly neurons?: (number[] | null)[];
  readonly channels?: number[] | null;
}

/** Options of forward. */
export interface ForwardOptions {
  /**
   * Called synchronously with each activation (disposed after the forward unless kept):
   * block_in, attn_norm, mlp_norm, block_out, final_norm [B, T, D]; attn_ctx [B, T, H, Dh] (o_proj input per head);
   * mlp_fc1 [B, T, F] (fc1 / gate output before the activation); mlp_act [B, T, F] (down_proj input). final_norm has layer -1.
   */
  readonly onTap: ((name: TapName, layer: number, x: tf.Tensor) => void) | null;
  readonly mask: ModelMask | null;
  /** Layers to skip entirely (depth what-if). */
  readonly skipLayers: readonly number[];
}
export const DEFAULT_FORWARD_OPTIONS: ForwardOptions = { onTap: null, mask: null, skipLayers: [] };

interface Ctx {
  readonly spec: ModelSpec;
  readonly params: Params;
  readonly opts: ForwardOptions;
  /** RoPE tables per layer kind (Gemma 3 local layers have their own base). */
  readonly rope: Record<LayerType, { cos: tf.Tensor2D; sin: tf.Tensor2D }> | null;
  readonly channelMask: tf.Tensor | null;
}

function tap(ctx: Ctx, name: TapName, layer: number, x: tf.Tensor): void {
  if (ctx.opts.onTap) ctx.opts.onTap(name, layer, x);
}

function maskChannels(ctx: Ctx, x: tf.Tensor): tf.Tensor {
  return ctx.channelMask ? tf.mul(x, ctx.channelMask) : x;
}

const layerKind = (spec: ModelSpec, l: number): LayerType => spec.layerTypes?.[l] ?? 'full';

/** RoPE over the first rotary dims of each head (all of them unless the spec rotates part, phi3). */
function rotate(x: tf.Tensor4D, t: { cos: tf.Tensor2D; sin: tf.Tensor2D }): tf.Tensor4D {
  const Dh = x.shape[3], rd = t.cos.shape[1];
  if (rd === Dh) return rope(x, t.cos, t.sin);
  const [a, b] = tf.split(x, [rd, Dh - rd], 3); // [B, T, n, rd], [B, T, n, Dh - rd]
  return tf.concat([rope(a as tf.Tensor4D, t.cos, t.sin), b], 3) as tf.Tensor4D; // [B, T, n, Dh]
}

function attention(ctx: Ctx, l: number, x: tf.Tensor3D): tf.Tensor3D {
  const { spec, params } = ctx;
  const [B, T] = x.shape;
  const H = spec.numHeads, KV = spec.numKvHeads, Dh = spec.headDim;
  const p = `model.layers.${l}.self_attn`;
  const proj = (name: string, n: number): tf.Tensor4D =>
    tf.reshape(linear(x, params[`${p}.${name}.weight`], params[`${p}.${name}.bias`]), [B, T, n, Dh]) as tf.Tensor4D; // [B, T, n, Dh]
  let q = proj('q_proj', H);
  let k = proj('k_proj', KV);
  const v = proj('v_proj', KV);
  if (FAMILIES[spec.family].qkNorm) {
    q = norm(spec, params, `${p}.q_norm`, q) as tf.Tensor4D; // per head over Dh
    k = norm(spec, params, `${p}.k_norm`, k) as tf.Tensor4D;
  }
  const kind = layerKind(spec, l);
  if (ctx.rope) {
    q = rotate(q, ctx.rope[kind]);
    k = rotate(k, ctx.rope[kind]);
  }
  const window = spec.layerTypes && kind === 'full' ? null : spec.slidingWindow;
  const scale = spec.queryPreAttnScalar === undefined ? null : spec.queryPreAttnScalar ** -0.5;
  let out: tf.Tensor = causalAttention(q, k, v, { window, scale }); // [B, T, H, Dh]
  const hm = ctx.opts.mask?.heads?.[l];
  if (hm) out = tf.mul(out, tf.tensor(hm, [1, 1, H, 1]));
  tap(ctx, 'attn_ctx', l, out);
  return linear(tf.reshape(out, [B, T, H * Dh]), params[`${p}.o_proj.weight`], params[`${p}.o_proj.bias`]) as tf.Tensor3D; // [B, T, D]
}

function mlp(ctx: Ctx, l: number, x: tf.Tensor3D): tf.Tensor3D {
  const { spec, params } = ctx;
  const p = `model.layers.${l}.mlp`;
  let act: tf.Tensor;
  if (spec.mlpType === 'gated') {
    const gate = linear(x, params[`${p}.gate_proj.weight`], params[`${p}.gate_proj.bias`]); // [B, T, F]
    tap(ctx, 'mlp_fc1', l, gate);
    const up = linear(x, params[`${p}.up_proj.weight`], params[`${p}.up_proj.bias`]); // [B, T, F]
    act = spec.activation === 'silu' ? siluMul(gate, up) : tf.mul(activate(spec.activation, gate), up);
  } else {
    const fc1 = linear(x, params[`${p}.up_proj.weight`], params[`${p}.up_proj.bias`]); // [B, T, F]
    tap(ctx, 'mlp_fc1', l, fc1);
    act = activate(spec.activation, fc1);
  }
  const nm = ctx.opts.mask?.neurons?.[l];
  if (nm) act = tf.mul(act, tf.tensor1d(nm));
  tap(ctx, 'mlp_act', l, act);
  return linear(act, params[`${p}.down_proj.weight`], params[`${p}.down_proj.bias`]) as tf.Tensor3D; // [B, T, D]
}

/** Norm of a sublayer's output (Gemma 3 sandwich norms), channel-masked like every norm output; identity elsewhere. */
function postNorm(ctx: Ctx, name: string, x: tf.Tensor3D): tf.Tensor3D {
  return FAMILIES[ctx.spec.family].sandwichNorm ? maskChannels(ctx, norm(ctx.spec, ctx.params, name, x)) as tf.Tensor3D : x;
}

function block(ctx: Ctx, l: number, h: tf.Tensor3D): tf.Tensor3D {
  const p = `model.layers.${l}`;
  const sandwich = FAMILIES[ctx.spec.family].sandwichNorm;
  tap(ctx, 'block_in', l, h);
  const a = maskChannels(ctx, norm(ctx.spec, ctx.params, `${p}.input_layernorm`, h)) as tf.Tensor3D;
  tap(ctx, 'attn_norm', l, a);
  // Gemma 3: post_attention_layernorm normalises the attention output and pre_feedforward_layernorm the MLP input.
  const h1 = tf.add(h, postNorm(ctx, `${p}.post_attention_layernorm`, attention(ctx, l, a))) as tf.Tensor3D;
  const mlpIn = sandwich ? `${p}.pre_feedforward_layernorm` : `${p}.post_attention_layernorm`;
  const m = maskChannels(ctx, norm(ctx.spec, ctx.params, mlpIn, h1)) as tf.Tensor3D;
  tap(ctx, 'mlp_norm', l, m);
  const out = tf.add(h1, postNorm(ctx, `${p}.post_feedforward_layernorm`, mlp(ctx, l, m))) as tf.Tensor3D;
  tap(ctx, 'block_out', l, out);
  return out;
}

function ropeByKind(spec: ModelSpec, T: number): Record<LayerType, { cos: tf.Tensor2D; sin: tf.Tensor2D }> {
  const full = ropeTables(spec, T, 0, 'full');
  return { full, sliding: spec.localRopeTheta === undefined ? full : ropeTables(spec, T, 0, 'sliding') };
}

/**
 * Final-norm hidden states [B, T, D] for token ids [B, T] (int32). Differentiable w.r.t. params.
 * @example const h = forwardHidden(spec, params, tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'));
 */
export function forwardHidden(spec: ModelSpec, params: Params, ids: tf.Tensor2D, options: Partial<ForwardOptions> = {}): tf.Tensor3D {
  const opts = { ...DEFAULT_FORWARD_OPTIONS, ...options };
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const D = spec.hiddenSize;
    let h = tf.reshape(tf.gather(params['model.embed_tokens.weight'], tf.reshape(ids, [-1])), [B, T, D]) as tf.Tensor3D; // [B, T, D]
    if (FAMILIES[spec.family].embedScale) h = tf.mul(h, Math.fround(Math.sqrt(D))) as tf.Tensor3D; // Gemma: × √hidden
    if (spec.positional === 'learned') {
      if (T > spec.maxPositions) throw new UsageError(`forward: ${T} tokens per sequence exceed the model's ${spec.maxPositions} learned positions`);
      const pos = tf.slice(params['model.embed_positions.weight'], [0, 0], [T, D]); // [T, D]
      h = tf.add(h, pos) as tf.Tensor3D;
    }
    const ctx: Ctx = {
      spec, params, opts,
      rope: spec.positional === 'rope' ? ropeByKind(spec, T) : null,
      channelMask: opts.mask?.channels ? tf.tensor1d(opts.mask.channels) : null,
    };
    h = maskChannels(ctx, h) as tf.Tensor3D;
    const skip = new Set(opts.skipLayers);
    // One tidy per block frees its intermediates early (peak memory of an 8x256 SmolLM2 forward: 8.1 GB -> 1.5 GB);
    // tensors saved for a gradient are kept by the tape.
    for (let l = 0; l < spec.numLayers; l++) {
      if (skip.has(l)) continue;
      const prev = h;
      h = tf.tidy(() => block(ctx, l, prev));
    }
    const out = maskChannels(ctx, norm(spec, params, 'model.norm', h)) as tf.Tensor3D;
    tap(ctx, 'final_norm', -1, out);
    return out;
  });
}

/** The output projection weight [V, D] (lm_head, or the tied token embedding). @example lmHeadWeight(spec, params).shape */
export function lmHeadWeight(spec: ModelSpec, params: Params): tf.Tensor {
  return spec.tiedEmbeddings ? params['model.embed_tokens.weight'] : params['lm_head.weight'];
}

/**
 * Logits [B, T, V] for token ids [B, T] (int32), soft-capped as cap·tanh(z / cap) when the spec sets finalLogitSoftcap.
 * Differentiable w.r.t. params.
 * @example const logits = forward(model.spec, model.params, tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'));
 */
export function forward(spec: ModelSpec, params: Params, ids: tf.Tensor2D, options: Partial<ForwardOptions> = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const z = linear(forwardHidden(spec, params, ids, options), lmHeadWeight(spec, params)) as tf.Tensor3D; // [B, T, V]
    const cap = spec.finalLogitSoftcap;
    return cap === undefined ? z : tf.mul(tf.tanh(tf.div(z, cap)), cap) as tf.Tensor3D;
  });
}
