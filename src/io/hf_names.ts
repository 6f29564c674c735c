/**
 * Mapping of canonical parameter names to and from Hugging Face checkpoint names (the names and shapes themselves:
 * plan_core/shapes.ts expectedShapes, re-exported here).
 * Llama-family checkpoints already use the canonical names; GPT-2 fuses q/k/v (c_attn) and stores Conv1D weights [in, out];
 * Phi-3 fuses q/k/v (qkv_proj) and gate/up (gate_up_proj) in torch layout; a Gemma 3 multimodal checkpoint keeps its
 * text model under model.language_model.
 */
import type { ModelSpec } from '../types.js';
import { FAMILIES } from '../plan_core/types.js';
import type { HostTensor } from './safetensors.js';

export { expectedShapes } from '../plan_core/shapes.js';

/** Source of one canonical tensor: the HF tensor names it is read from. */
export interface HfSource {
  readonly names: string[];
  readonly convert: (parts: HostTensor[]) => HostTensor;
}

const same = (name: string): HfSource => ({ names: [name], convert: (p) => p[0] });

/** Transpose a 2-D host tensor. @example transpose2d({dtype:'float32', shape:[2,3], data}) // shape [3,2] */
export function transpose2d(t: HostTensor): HostTensor {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { dtype: 'float32', shape: [c, r], data: out };
}

/** Rows [from, to) of a 2-D tensor, or elements [from, to) of a 1-D one. */
function rows(t: HostTensor, from: number, to: number): HostTensor {
  const cols = t.shape.length === 2 ? t.shape[1] : 1;
  const shape = t.shape.length === 2 ? [to - from, cols] : [to - from];
  return { dtype: 'float32', shape, data: t.data.slice(from * cols, to * cols) };
}

/**
 * The prefix under which a checkpoint with these tensor names stores the model: GPT-2 "transformer." or "";
 * "language_model.model." (or "model.language_model.") for a Gemma 3 multimodal checkpoint's text model; "model." otherwise.
 * @example hfPrefix(spec, new Set(['wte.weight'])) // '' for a gpt2 spec
 */
export function hfPrefix(spec: ModelSpec, names: { has(n: string): boolean }): string {
  if (spec.family === 'gpt2') return !names.has('transformer.wte.weight') && names.has('wte.weight') ? '' : 'transformer.';
  if (names.has('model.embed_tokens.weight')) return 'model.';
  // transformers 5 names the text model model.language_model.*, and saves (as the Hub's Gemma 3 checkpoints hold it) language_model.model.*
  return ['model.language_model.', 'language_model.model.'].find((p) => names.has(`${p}embed_tokens.weight`)) ?? 'model.';
}

/** Rows of the fused Phi-3 tensors: [fused name, [from, to), part index] of canonical `sub` (after model.layers.{i}.), or null. */
function fusedRows(spec: ModelSpec, sub: string): [string, number, number, number] | null {
  const Q = spec.numHeads * spec.headDim, KV = spec.numKvHeads * spec.headDim, F = spec.ffnHiddenSize;
  const rows: Record<string, [string, number, number, number]> = {
    'self_attn.q_proj.weight': ['self_attn.qkv_proj.weight', 0, Q, 0], 'self_attn.k_proj.weight': ['self_attn.qkv_proj.weight', Q, Q + KV, 1],
    'self_attn.v_proj.weight': ['self_attn.qkv_proj.weight', Q + KV, Q + 2 * KV, 2],
    'mlp.gate_proj.weight': ['mlp.gate_up_proj.weight', 0, F, 0], 'mlp.up_proj.weight': ['mlp.gate_up_proj.weight', F, 2 * F, 1],
  };
  return rows[sub] ?? null;
}

/**
 * Where canonical `name` lives in an HF checkpoint of `spec.family` (prefix: from hfPrefix; GPT-2 "transformer." by default).
 * @example hfSource(spec, 'model.layers.0.self_attn.q_proj.weight', 'transformer.').names // ['transformer.h.0.attn.c_attn.weight']
 */
export function hfSource(spec: ModelSpec, name: string, prefix = 'transformer.'): HfSource {
  if (spec.family !== 'gpt2') {
    const hf = prefix !== 'model.' && prefix !== 'transformer.' && name.startsWith('model.') ? prefix + name.slice('model.'.length) : name;
    const m = /^(.*\.layers\.\d+\.)(.+)$/.exec(hf);
    const fused = m && FAMILIES[spec.family].fusedProjections ? fusedRows(spec, m[2]) : null;
    if (!m || !fused) return same(hf);
    return { names: [m[1] + fused[0]], convert: (p) => rows(p[0], fused[1], fused[2]) };
  }
  const D = spec.hiddenSize;
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!m) {
    const top: Record<string, string> = {
      'model.embed_tokens.weight': 'wte.weight', 'model.embed_positions.weight': 'wpe.weight',
      'model.norm.weight': 'ln_f.weight', 'model.norm.bias': 'ln_f.bias',
    };
    return name === 'lm_head.weight' ? same(name) : same(prefix + top[name]);
  }
  const h = `${prefix}h.${m[1]}.`;
  const qkv = ['q_proj', 'k_proj', 'v_proj'];
  const sub = m[2];
  const proj = /^self_attn\.(q|k|v)_proj\.(weight|bias)$/.exec(sub);
  if (proj) {
    const k = qkv.indexOf(`${proj[1]}_proj`);
    return proj[2] === 'weight'
      ? { names: [`${h}attn.c_attn.weight`], convert: (p) => rows(transpose2d(p[0]), k * D, (k + 1) * D) }
      : { names: [`${h}attn.c_attn.bias`], convert: (p) => rows(p[0], k * D, (k + 1) * D) };
  }
  const conv: Record<string, string> = {
    'self_attn.o_proj': 'attn.c_proj', 'mlp.up_proj': 'mlp.c_fc', 'mlp.down_proj': 'mlp.c_proj',
  };
  const lin = /^(self_attn\.o_proj|mlp\.up_proj|mlp\.down_proj)\.(weight|bias)$/.exec(sub);
  if (lin) {
    const src = `${h}${conv[lin[1]]}.${lin[2]}`;
    return lin[2] === 'weight' ? { names: [src], convert: (p) => transpose2d(p[0]) } : same(src);
  }
  const norms: Record<string, string> = { input_layernorm: 'ln_1', post_attention_layernorm: 'ln_2' };
  const nm = /^(input_layernorm|post_attention_layernorm)\.(weight|bias)$/.exec(sub);
  if (nm) return same(`${h}${norms[nm[1]]}.${nm[2]}`);
  throw new Error(`no HF source for ${name}`);
}

function concat(parts: HostTensor[], shape: number[]): HostTensor {
  const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
  let o = 0;
  for (const p of parts) { data.set(p.data, o); o += p.data.length; }
  return { dtype: 'float32', shape, data };
}

/** Phi-3: q/k/v rows into qkv_proj, gate/up rows into gate_up_proj (torch layout, no transposes). */
function fuseRows(spec: ModelSpec, canon: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const groups = new Map<string, HostTensor[]>();
  for (const [name, t] of canon) {
    const m = /^(model\.layers\.\d+\.)(.+)$/.exec(name);
    const f = m ? fusedRows(spec, m[2]) : null;
    if (!m || !f) { out.set(name, t); continue; }
    const key = m[1] + f[0];
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)![f[3]] = t;
  }
  for (const [key, parts] of groups) {
    const cols = parts[0].shape[1];
    out.set(key, concat(parts, [parts.reduce((a, p) => a + p.shape[0], 0), cols]));
  }
  return out;
}

/**
 * Canonical params -> HF tensors for writing a checkpoint of `spec.family`.
 * @example const hf = toHfTensors(spec, hostParams); writeSafetensors(file, hf)
 */
export function toHfTensors(spec: ModelSpec, canon: Map<string, HostTensor>): Map<string, HostTensor> {
  if (FAMILIES[spec.family].fusedProjections) return fuseRows(spec, canon);
  if (spec.family !== 'gpt2') return canon;
  const out = new Map<string, HostTensor>();
  const get = (n: string): HostTensor => {
    const t = canon.get(n);
    if (!t) throw new Error(`missing param ${n}`);
    return t;
  };
  const D = spec.hiddenSize;
  for (const [name, t] of canon) {
    const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
    if (!m) {
      const src = hfSource(spec, name).names[0];
      out.set(src, t);
      continue;
    }
    const h = `transformer.h.${m[1]}.`;
    const l = `model.layers.${m[1]}.self_attn.`;
    if (m[2] === 'self_attn.q_proj.weight') {
      const w = concat(['q', 'k', 'v'].map((x) => get(`${l}${x}_proj.weight`)), [3 * D, D]);
      out.set(`${h}attn.c_attn.weight`, transpose2d(w));
    } else if (m[2] === 'self_attn.q_proj.bias') {
      out.set(`${h}attn.c_attn.bias`, concat(['q', 'k', 'v'].map((x) => get(`${l}${x}_proj.bias`)), [3 * D]));
    } else if (/^self_attn\.[kv]_proj\./.test(m[2])) {
      continue;
    } else {
      const src = hfSource(spec, name).names[0];
      out.set(src, t.shape.length === 2 ? transpose2d(t) : t);
    }
  }
  return out;
}
