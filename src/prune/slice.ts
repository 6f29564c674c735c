/** Hard pruning: real smaller tensors for every coupled weight of a plan (input params untouched). */
import * as tf from '@tensorflow/tfjs-core';
import type { ArchPlan, ModelSpec, Params } from '../types.js';
import { SliceError } from './errors.js';
import { plannedSpec } from './count.js';
import { validatePlan } from './validate.js';

/** Row and column index sets for one tensor (null = keep the whole axis). */
type Cut = readonly [rows: number[] | null, cols: number[] | null];

function headRows(heads: readonly number[], headDim: number): number[] {
  return heads.flatMap((h) => Array.from({ length: headDim }, (_, d) => h * headDim + d));
}

/** What to cut in a layer tensor, by its name suffix after `model.layers.{i}.` */
function layerCut(suffix: string, ch: number[] | null, heads: number[] | null, neu: number[] | null, kv: number[] | null): Cut | null {
  switch (suffix) {
    case 'input_layernorm.weight': case 'input_layernorm.bias':
    case 'post_attention_layernorm.weight': case 'post_attention_layernorm.bias':
    case 'pre_feedforward_layernorm.weight': case 'post_feedforward_layernorm.weight': // Gemma 3 norms follow the channels
    case 'self_attn.o_proj.bias': case 'mlp.down_proj.bias':
      return [ch, null];
    // q/k norms act over head_dim, shared by every head: they survive head and channel pruning unchanged
    case 'self_attn.q_norm.weight': case 'self_attn.k_norm.weight': return [null, null];
    case 'self_attn.q_proj.weight': return [heads, ch];
    case 'self_attn.q_proj.bias': return [heads, null];
    case 'self_attn.k_proj.weight': case 'self_attn.v_proj.weight': return [kv, ch];
    case 'self_attn.k_proj.bias': case 'self_attn.v_proj.bias': return [kv, null];
    case 'self_attn.o_proj.weight': return [ch, heads];
    case 'mlp.gate_proj.weight': case 'mlp.up_proj.weight': return [neu, ch];
    case 'mlp.gate_proj.bias': case 'mlp.up_proj.bias': return [neu, null];
    case 'mlp.down_proj.weight': return [ch, neu];
    default: return null;
  }
}

function globalCut(name: string, ch: number[] | null): Cut | null {
  switch (name) {
    case 'model.embed_tokens.weight': case 'model.embed_positions.weight': case 'lm_head.weight': return [null, ch];
    case 'model.norm.weight': case 'model.norm.bias': return [ch, null];
    default: return null;
  }
}

function apply(name: string, t: tf.Tensor, [rows, cols]: Cut): tf.Tensor {
  const maxRow = rows ? Math.max(...rows) : -1;
  const maxCol = cols ? Math.max(...cols) : -1;
  if (maxRow >= t.shape[0] || (cols && (t.rank !== 2 || maxCol >= (t.shape[1] ?? 0)))) {
    throw new SliceError(name, `shape [${t.shape.join(', ')}] is too small for the plan (row index ${maxRow}, column index ${maxCol})`);
  }
  let out = rows ? tf.gather(t, rows, 0) : t;
  if (cols) out = tf.gather(out, cols, 1);
  return out === t ? tf.clone(t) : out;
}

const all = (kept: readonly number[], size: number): number[] | null => (kept.length === size ? null : [...kept]);

/**
 * Slices every coupled tensor per the plan; returns the smaller spec and NEW params (caller disposes them).
 * @example const small = slicePlan(model.spec, model.params, plan); // small.spec.hiddenSize === plan.target.hiddenSize
 */
export function slicePlan(spec: ModelSpec, params: Params, plan: ArchPlan): { spec: ModelSpec; params: Params } {
  validatePlan(plan, spec);
  const ch = all(plan.keep.channels, spec.hiddenSize);
  const newLayer = new Map(plan.keep.layers.map((l, j) => [l, j]));
  const out: Params = tf.tidy(() => {
    const res: Params = {};
    for (const [name, t] of Object.entries(params)) {
      const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
      if (m) {
        const l = Number(m[1]);
        if (l >= spec.numLayers) throw new SliceError(name, `layer ${l} is outside the spec's ${spec.numLayers} layers`);
        const j = newLayer.get(l);
        if (j === undefined) continue;
        const heads = plan.keep.heads[l].length === spec.numHeads ? null : headRows(plan.keep.heads[l], spec.headDim);
        // Multi-head attention: each pruned query head takes its own K/V head along (GQA keeps every K/V head).
        const kv = spec.numKvHeads === spec.numHeads ? heads : null;
        const cut = layerCut(m[2], ch, heads, all(plan.keep.neurons[l], spec.ffnHiddenSize), kv);
        if (cut === null) throw new SliceError(name, 'unknown layer tensor: cannot tell which axes couple to the plan');
        res[`model.layers.${j}.${m[2]}`] = apply(name, t, cut);
      } else {
        // Unknown global tensors (e.g. buffers) are copied unchanged when channels are kept.
        const cut = globalCut(name, ch) ?? (ch === null ? [null, null] as const : null);
        if (cut === null) throw new SliceError(name, 'unknown tensor: cannot tell whether it couples to the hidden channels');
        res[name] = apply(name, t, cut);
      }
    }
    return res;
  });
  return { spec: plannedSpec(plan), params: out };
}

/**
 * Disposes every tensor of a Params map (e.g. the result of slicePlan).
 * @example disposeParams(small.params);
 */
export function disposeParams(params: Params): void {
  for (const t of Object.values(params)) t.dispose();
}
