/**
 * Canonical tensor names and shapes of a ModelSpec, and parameter counts derived from them: the one shape rule that
 * checkpoint loading/saving, counting, slicing tests and the plan editors share.
 */
import { FAMILIES, type ModelSpec } from './types.js';

type Shapes = [suffix: string, shape: number[]][];

function normShapes(spec: ModelSpec, prefix: string): Shapes {
  const D = spec.hiddenSize;
  return spec.normType === 'layernorm' ? [[`${prefix}.weight`, [D]], [`${prefix}.bias`, [D]]] : [[`${prefix}.weight`, [D]]];
}

/**
 * Suffixes (after `model.layers.{i}.`) and shapes of one decoder layer's tensors.
 * @example layerShapes(spec)[0] // ['input_layernorm.weight', [D]]
 */
export function layerShapes(spec: ModelSpec): Shapes {
  const D = spec.hiddenSize, F = spec.ffnHiddenSize, Q = spec.numHeads * spec.headDim, KV = spec.numKvHeads * spec.headDim;
  const gated = spec.mlpType === 'gated', fam = FAMILIES[spec.family];
  const out: Shapes = [...normShapes(spec, 'input_layernorm'),
    ['self_attn.q_proj.weight', [Q, D]], ['self_attn.k_proj.weight', [KV, D]], ['self_attn.v_proj.weight', [KV, D]], ['self_attn.o_proj.weight', [D, Q]]];
  if (spec.qkvBias) out.push(['self_attn.q_proj.bias', [Q]], ['self_attn.k_proj.bias', [KV]], ['self_attn.v_proj.bias', [KV]]);
  if (spec.oBias) out.push(['self_attn.o_proj.bias', [D]]);
  // q/k norms act over head_dim, shared by every head: their size never changes with pruning.
  if (fam.qkNorm) out.push(['self_attn.q_norm.weight', [spec.headDim]], ['self_attn.k_norm.weight', [spec.headDim]]);
  out.push(...normShapes(spec, 'post_attention_layernorm'));
  if (fam.sandwichNorm) out.push(...normShapes(spec, 'pre_feedforward_layernorm'), ...normShapes(spec, 'post_feedforward_layernorm'));
  if (gated) out.push(['mlp.gate_proj.weight', [F, D]]);
  out.push(['mlp.up_proj.weight', [F, D]], ['mlp.down_proj.weight', [D, F]]);
  if (spec.mlpBias) {
    if (gated) out.push(['mlp.gate_proj.bias', [F]]);
    out.push(['mlp.up_proj.bias', [F]], ['mlp.down_proj.bias', [D]]);
  }
  return out;
}

/**
 * Names and shapes of the tensors outside the layers (embeddings, final norm, untied lm_head).
 * @example globalShapes(gpt2Spec).map(([n]) => n) // ['model.embed_tokens.weight', 'model.embed_positions.weight', ...]
 */
export function globalShapes(spec: ModelSpec): Shapes {
  const D = spec.hiddenSize;
  const out: Shapes = [['model.embed_tokens.weight', [spec.vocabSize, D]]];
  if (spec.positional === 'learned') out.push(['model.embed_positions.weight', [spec.maxPositions, D]]);
  out.push(...normShapes(spec, 'model.norm'));
  if (!spec.tiedEmbeddings) out.push(['lm_head.weight', [spec.vocabSize, D]]);
  return out;
}

/** Canonical name -> expected shape for `spec`. @example expectedShapes(spec).get('model.norm.weight') // [D] */
export function expectedShapes(spec: ModelSpec): Map<string, number[]> {
  const globals = globalShapes(spec);
  const m = new Map(globals.filter(([n]) => n.startsWith('model.embed')));
  const layer = layerShapes(spec);
  for (let i = 0; i < spec.numLayers; i++) for (const [s, shape] of layer) m.set(`model.layers.${i}.${s}`, shape);
  for (const [n, shape] of globals) if (!m.has(n)) m.set(n, shape);
  return m;
}

/** Per-component parameter counts. @example const c: ParamCounts = paramCounts(spec); c.total */
export interface ParamCounts {
  readonly embeddings: number;
  readonly attention: number;
  readonly mlp: number;
  readonly norms: number;
  readonly lmHead: number;
  readonly total: number;
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function component(name: string): Exclude<keyof ParamCounts, 'total'> {
  if (name.startsWith('model.embed')) return 'embeddings';
  if (name.startsWith('self_attn.')) return 'attention';
  if (name.startsWith('mlp.')) return 'mlp';
  return name === 'lm_head.weight' ? 'lmHead' : 'norms';
}

/**
 * Number of parameters of `spec` per component and in total: the numel of its expected tensors (tied embeddings once).
 * @example paramCounts(smollm2Spec).total // 134515008
 */
export function paramCounts(spec: ModelSpec): ParamCounts {
  const c = { embeddings: 0, attention: 0, mlp: 0, norms: 0, lmHead: 0 };
  for (const [s, shape] of layerShapes(spec)) c[component(s)] += spec.numLayers * numel(shape);
  for (const [n, shape] of globalShapes(spec)) c[component(n)] += numel(shape);
  return { ...c, total: c.embeddings + c.attention + c.mlp + c.norms + c.lmHead };
}

/**
 * Number of parameters of a model with this spec (embeddings counted once when tied).
 * @example paramCount(model.spec) // 134515008 for SmolLM2-135M
 */
export function paramCount(spec: ModelSpec): number {
  return paramCounts(spec).total;
}
