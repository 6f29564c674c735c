/**
 * Hugging Face config.json <-> ModelSpec. The only place where HF config key names appear.
 */
import type { Activation, Family, ModelSpec, RopeScaling } from '../types.js';
import { FAMILIES, type LayerType } from '../plan_core/types.js';
import { ConfigError } from '../errors.js';

/** model_type values this project can load: every family, plus `gemma3` (its text_config is read as gemma3_text). */
export const SUPPORTED_MODEL_TYPES: readonly string[] = [...Object.keys(FAMILIES), 'gemma3'];

type Json = Record<string, unknown>;

/** cfg[key] as a finite number (fallback when absent); errors name `label` (the field's path in config.json). */
function num(cfg: Json, file: string, key: string, fallback?: number, label = key): number {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(file, label, 'a number (field missing)');
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(file, label, `a number, got ${JSON.stringify(v)}`);
  return v;
}

function posInt(cfg: Json, file: string, key: string, fallback?: number, label = key): number {
  const v = num(cfg, file, key, fallback, label);
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(file, label, `a positive integer, got ${v}`);
  return v;
}

function bool(cfg: Json, key: string, fallback: boolean): boolean {
  const v = cfg[key];
  return typeof v === 'boolean' ? v : fallback;
}

function tokenId(cfg: Json, key: string): number | null {
  const v = cfg[key];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return null;
}

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

function numList(cfg: Json, file: string, key: string, len: number, label: string): number[] {
  const v = cfg[key];
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new ConfigError(file, label, `a list of ${len} numbers (rotary dims / 2)`);
  }
  return v as number[];
}

function activation(file: string, key: string, v: unknown): Activation {
  const known: Activation[] = ['gelu_new', 'gelu', 'gelu_pytorch_tanh', 'silu', 'relu'];
  if (v === 'swish') return 'silu';
  if (typeof v === 'string' && (known as string[]).includes(v)) return v as Activation;
  throw new ConfigError(file, key, `one of ${known.join(', ')}, got ${JSON.stringify(v)}`);
}

/** What a rope dict needs besides itself: the rotated dims and the model's position range (longrope). */
interface RopeCtx { readonly file: string; readonly cfg: Json; readonly rotaryDim: number; readonly maxPositions: number }

function longrope(sc: Json, c: RopeCtx, where: string): RopeScaling {
  const origKey = 'original_max_position_embeddings';
  const orig = posInt(sc, c.file, origKey, posInt(c.cfg, c.file, origKey, c.maxPositions), `${where}.${origKey}`);
  const factor = num(sc, c.file, 'factor', c.maxPositions / orig, `${where}.factor`);
  const attention = num(sc, c.file, 'attention_factor', factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(orig)), `${where}.attention_factor`);
  return {
    type: 'longrope', shortFactor: numList(sc, c.file, 'short_factor', c.rotaryDim / 2, `${where}.short_factor`),
    longFactor: numList(sc, c.file, 'long_factor', c.rotaryDim / 2, `${where}.long_factor`), originalMaxPositions: orig, attentionFactor: attention,
  };
}

/** One rope dict (rope_parameters, one of its per-layer-type entries, or an old rope_scaling) -> scaling. */
function scalingOf(sc: Json | null | undefined, c: RopeCtx, where: string): RopeScaling | null {
  if (!sc) return null;
  const type = sc.rope_type ?? sc.type;
  if (type === undefined || type === 'default') return null;
  if (type === 'linear') return { type: 'linear', factor: num(sc, c.file, 'factor', undefined, `${where}.factor`) };
  if (type === 'longrope' || type === 'su') return longrope(sc, c, where);
  if (type !== 'llama3') throw new ConfigError(c.file, `${where}.rope_type`, `"default", "llama3", "linear" or "longrope" (got ${JSON.stringify(type)})`);
  return {
    type: 'llama3',
    factor: num(sc, c.file, 'factor', undefined, `${where}.factor`),
    lowFreqFactor: num(sc, c.file, 'low_freq_factor', undefined, `${where}.low_freq_factor`),
    highFreqFactor: num(sc, c.file, 'high_freq_factor', undefined, `${where}.high_freq_factor`),
    originalMaxPositions: posInt(sc, c.file, 'original_max_position_embeddings', undefined, `${where}.original_max_position_embeddings`),
  };
}

function ropeOf(c: RopeCtx): { theta: number; scaling: RopeScaling | null } {
  // transformers >= 5 writes rope_parameters; older configs write rope_theta + rope_scaling.
  const params = isObj(c.cfg.rope_parameters) ? c.cfg.rope_parameters : null;
  const theta = num(params ?? {}, c.file, 'rope_theta', num(c.cfg, c.file, 'rope_theta', 10000));
  const sc = params && params.rope_type && params.rope_type !== 'default' ? params : c.cfg.rope_scaling;
  return { theta, scaling: scalingOf(isObj(sc) ? sc : null, c, 'rope_scaling') };
}

/** Gemma 3: rope_parameters per layer type (sliding_attention / full_attention), or the older rope_theta, rope_local_base_freq, rope_scaling. */
function gemmaRope(c: RopeCtx): { theta: number; local: number; scaling: RopeScaling | null } {
  const p = isObj(c.cfg.rope_parameters) ? c.cfg.rope_parameters : {};
  const full = isObj(p.full_attention) ? p.full_attention : null, slide = isObj(p.sliding_attention) ? p.sliding_attention : null;
  const theta = num(full ?? {}, c.file, 'rope_theta', num(c.cfg, c.file, 'rope_theta', 1e6), 'rope_parameters.full_attention.rope_theta');
  const local = num(slide ?? {}, c.file, 'rope_theta', num(c.cfg, c.file, 'rope_local_base_freq', 1e4), 'rope_parameters.sliding_attention.rope_theta');
  if (scalingOf(slide, c, 'rope_parameters.sliding_attention')) {
    throw new ConfigError(c.file, 'rope_parameters.sliding_attention.rope_type', '"default" (scaled local RoPE is not implemented)');
  }
  const sc = full ?? (isObj(c.cfg.rope_scaling) ? c.cfg.rope_scaling : null);
  return { theta, local, scaling: scalingOf(sc, c, full ? 'rope_parameters.full_attention' : 'rope_scaling') };
}

const LAYER_TYPES: Record<string, LayerType> = { full_attention: 'full', sliding_attention: 'sliding' };

function layerTypesOf(cfg: Json, file: string, n: number, fallback: (i: number) => LayerType): LayerType[] {
  const v = cfg.layer_types;
  if (v === undefined || v === null) return Array.from({ length: n }, (_, i) => fallback(i));
  if (!Array.isArray(v) || v.length !== n || !v.every((t) => typeof t === 'string' && t in LAYER_TYPES)) {
    throw new ConfigError(file, 'layer_types', `${n} entries of "full_attention" / "sliding_attention"`);
  }
  return v.map((t) => LAYER_TYPES[t as string]);
}

function gpt2Spec(cfg: Json, file: string): ModelSpec {
  const hidden = posInt(cfg, file, 'n_embd');
  const heads = posInt(cfg, file, 'n_head');
  if (hidden % heads !== 0) throw new ConfigError(file, 'n_head', `a divisor of n_embd=${hidden}`);
  return {
    family: 'gpt2', vocabSize: posInt(cfg, file, 'vocab_size'), hiddenSize: hidden, numLayers: posInt(cfg, file, 'n_layer'),
    numHeads: heads, numKvHeads: heads, headDim: hidden / heads, ffnHiddenSize: posInt(cfg, file, 'n_inner', 4 * hidden),
    activation: activation(file, 'activation_function', cfg.activation_function ?? 'gelu_new'), mlpType: 'plain',
    normType: 'layernorm', normEps: num(cfg, file, 'layer_norm_epsilon', 1e-5), positional: 'learned', ropeTheta: 0,
    ropeScaling: null, maxPositions: posInt(cfg, file, 'n_positions', 1024), tiedEmbeddings: bool(cfg, 'tie_word_embeddings', true),
    qkvBias: true, oBias: true, mlpBias: true, slidingWindow: null, bosTokenId: tokenId(cfg, 'bos_token_id'), eosTokenId: tokenId(cfg, 'eos_token_id'),
  };
}

/** Family-specific fields of a rope decoder: biases, windows, per-layer kinds, RoPE, Gemma/Phi extras. */
function familyFields(family: Family, cfg: Json, file: string, base: { headDim: number; numLayers: number; maxPositions: number }): Partial<Mutable<ModelSpec>> {
  const attnBias = bool(cfg, 'attention_bias', false);
  const window = typeof cfg.sliding_window === 'number' ? cfg.sliding_window : null;
  const ctx: RopeCtx = { file, cfg, rotaryDim: base.headDim, maxPositions: base.maxPositions };
  if (family === 'gemma3_text') {
    if (bool(cfg, 'use_bidirectional_attention', false)) throw new ConfigError(file, 'use_bidirectional_attention', 'false (bidirectional Gemma 3 encoders are not causal LMs)');
    const pattern = posInt(cfg, file, 'sliding_window_pattern', 6);
    const rope = gemmaRope(ctx);
    // attn_logit_softcapping: transformers' Gemma 3 attention does not apply it (Gemma 2 did), so neither do we.
    const cap = typeof cfg.final_logit_softcapping === 'number' ? { finalLogitSoftcap: cfg.final_logit_softcapping } : {};
    return {
      activation: activation(file, 'hidden_activation', cfg.hidden_activation ?? 'gelu_pytorch_tanh'), qkvBias: attnBias, oBias: attnBias,
      slidingWindow: window, layerTypes: layerTypesOf(cfg, file, base.numLayers, (i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding')),
      ropeTheta: rope.theta, localRopeTheta: rope.local, ropeScaling: rope.scaling,
      queryPreAttnScalar: num(cfg, file, 'query_pre_attn_scalar', 256), ...cap,
    };
  }
  if (family === 'phi3') {
    const params = isObj(cfg.rope_parameters) ? cfg.rope_parameters : {};
    const partial = num(params, file, 'partial_rotary_factor', num(cfg, file, 'partial_rotary_factor', 1), 'rope_parameters.partial_rotary_factor');
    const rotaryDim = Math.floor(base.headDim * partial);
    if (rotaryDim % 2 !== 0 || rotaryDim <= 0) throw new ConfigError(file, 'partial_rotary_factor', `a fraction giving an even number of rotary dims of head_dim ${base.headDim}, got ${rotaryDim}`);
    const rope = ropeOf({ ...ctx, rotaryDim });
    return { qkvBias: false, oBias: false, slidingWindow: window, ropeTheta: rope.theta, ropeScaling: rope.scaling, ...(rotaryDim < base.headDim ? { rotaryDim } : {}) };
  }
  const rope = ropeOf(ctx);
  if (rope.scaling?.type === 'longrope') throw new ConfigError(file, 'rope_scaling.rope_type', `"llama3", "linear" or "default" for ${family} (longrope is read for phi3)`);
  const common = { ropeTheta: rope.theta, ropeScaling: rope.scaling };
  if (family === 'qwen3') {
    const w = bool(cfg, 'use_sliding_window', false) ? window : null;
    const maxWin = posInt(cfg, file, 'max_window_layers', base.numLayers);
    const types = w === null ? null : layerTypesOf(cfg, file, base.numLayers, (i) => (i >= maxWin ? 'sliding' : 'full'));
    return { ...common, qkvBias: attnBias, oBias: attnBias, slidingWindow: w, ...(types ? { layerTypes: types } : {}) };
  }
  const useSliding = family === 'mistral' || bool(cfg, 'use_sliding_window', false);
  return {
    ...common, qkvBias: family === 'qwen2' ? true : attnBias, oBias: family === 'qwen2' ? false : attnBias,
    mlpBias: family === 'llama' ? bool(cfg, 'mlp_bias', false) : false, slidingWindow: useSliding ? window : null,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Normalise a parsed config.json into a ModelSpec; `file` is used in error messages. A `gemma3` (multimodal) config
 * gives the spec of its text model (text_config).
 * @example const spec = specFromConfig(JSON.parse(fs.readFileSync(p, 'utf8')), p);
 */
export function specFromConfig(cfg: Json, file = 'config.json'): ModelSpec {
  const type = cfg.model_type;
  if (typeof type !== 'string' || !SUPPORTED_MODEL_TYPES.includes(type)) {
    throw new ConfigError(file, 'model_type', `one of ${SUPPORTED_MODEL_TYPES.join(', ')} (got ${JSON.stringify(type)})`);
  }
  if (type === 'gemma3') {
    if (!isObj(cfg.text_config)) throw new ConfigError(file, 'text_config', 'an object (the Gemma 3 text model config)');
    return specFromConfig({ ...cfg.text_config, model_type: 'gemma3_text' }, `${file} text_config`);
  }
  const family = type as Family;
  if (family === 'gpt2') return gpt2Spec(cfg, file);
  const hidden = posInt(cfg, file, 'hidden_size');
  const heads = posInt(cfg, file, 'num_attention_heads');
  const kv = posInt(cfg, file, 'num_key_value_heads', heads);
  if (heads % kv !== 0) throw new ConfigError(file, 'num_key_value_heads', `a divisor of num_attention_heads=${heads}, got ${kv}`);
  const headDim = cfg.head_dim == null ? hidden / heads : posInt(cfg, file, 'head_dim');
  if (!Number.isInteger(headDim)) throw new ConfigError(file, 'head_dim', `present, since hidden_size ${hidden} is not divisible by ${heads} heads`);
  const numLayers = posInt(cfg, file, 'num_hidden_layers'), maxPositions = posInt(cfg, file, 'max_position_embeddings', 2048);
  const spec: ModelSpec = {
    family, vocabSize: posInt(cfg, file, 'vocab_size'), hiddenSize: hidden, numLayers, numHeads: heads, numKvHeads: kv, headDim,
    ffnHiddenSize: posInt(cfg, file, 'intermediate_size'), activation: activation(file, 'hidden_act', cfg.hidden_act ?? 'silu'),
    mlpType: 'gated', normType: 'rmsnorm', normEps: num(cfg, file, 'rms_norm_eps', 1e-6), positional: 'rope', ropeTheta: 10000,
    ropeScaling: null, maxPositions, tiedEmbeddings: bool(cfg, 'tie_word_embeddings', family === 'gemma3_text'),
    qkvBias: false, oBias: false, mlpBias: false, slidingWindow: null,
    bosTokenId: tokenId(cfg, 'bos_token_id'), eosTokenId: tokenId(cfg, 'eos_token_id'),
  };
  return { ...spec, ...familyFields(family, cfg, file, { headDim, numLayers, maxPositions }) };
}

const HF_ARCH: Record<Family, string> = {
  gpt2: 'GPT2LMHeadModel', llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM', gemma3_text: 'Gemma3ForCausalLM', phi3: 'Phi3ForCausalLM',
};

function ropeDict(theta: number, sc: RopeScaling | null): Json {
  const rope: Json = { rope_theta: theta, rope_type: 'default' };
  if (sc?.type === 'llama3') {
    Object.assign(rope, {
      rope_type: 'llama3', factor: sc.factor, low_freq_factor: sc.lowFreqFactor, high_freq_factor: sc.highFreqFactor,
      original_max_position_embeddings: sc.originalMaxPositions,
    });
  } else if (sc?.type === 'linear') {
    Object.assign(rope, { rope_type: 'linear', factor: sc.factor });
  } else if (sc?.type === 'longrope') {
    Object.assign(rope, {
      rope_type: 'longrope', short_factor: [...sc.shortFactor], long_factor: [...sc.longFactor],
      original_max_position_embeddings: sc.originalMaxPositions, attention_factor: sc.attentionFactor,
    });
  }
  return rope;
}

const LAYER_TYPE_NAMES: Record<LayerType, string> = { full: 'full_attention', sliding: 'sliding_attention' };

/** Family-specific config fields of a rope decoder (the inverse of familyFields). */
function familyConfig(spec: ModelSpec, cfg: Json): void {
  if (spec.layerTypes) cfg.layer_types = spec.layerTypes.map((t) => LAYER_TYPE_NAMES[t]);
  if (spec.family === 'gemma3_text') {
    delete cfg.hidden_act;
    delete cfg.rope_theta;
    delete cfg.rope_local_base_freq;
    Object.assign(cfg, {
      hidden_activation: spec.activation, attention_bias: spec.qkvBias, sliding_window: spec.slidingWindow,
      query_pre_attn_scalar: spec.queryPreAttnScalar ?? 256, final_logit_softcapping: spec.finalLogitSoftcap ?? null,
      rope_parameters: { full_attention: ropeDict(spec.ropeTheta, spec.ropeScaling), sliding_attention: ropeDict(spec.localRopeTheta ?? spec.ropeTheta, null) },
    });
    return;
  }
  const rope = ropeDict(spec.ropeTheta, spec.ropeScaling);
  cfg.rope_parameters = rope;
  if (spec.family === 'phi3') {
    const partial = (spec.rotaryDim ?? spec.headDim) / spec.headDim;
    Object.assign(rope, { partial_rotary_factor: partial });
    cfg.partial_rotary_factor = partial;
    if (spec.ropeScaling?.type === 'longrope') cfg.original_max_position_embeddings = spec.ropeScaling.originalMaxPositions;
    cfg.sliding_window = spec.slidingWindow;
  }
  if (spec.family === 'llama') Object.assign(cfg, { attention_bias: spec.qkvBias, mlp_bias: spec.mlpBias });
  if (spec.family === 'qwen3') Object.assign(cfg, { attention_bias: spec.qkvBias, use_sliding_window: spec.slidingWindow !== null });
  if (spec.family === 'qwen3' && spec.slidingWindow !== null) cfg.sliding_window = spec.slidingWindow;
  if (spec.family === 'mistral' || spec.family === 'qwen2') cfg.sliding_window = spec.slidingWindow;
}

/**
 * A config.json for `spec`, keeping unrelated fields of `base` (the source model's config) when given. A gemma3
 * (multimodal) base gives a gemma3_text config built on its text_config.
 * @example fs.writeFileSync('config.json', JSON.stringify(configFromSpec(spec, srcConfig), null, 2))
 */
export function configFromSpec(spec: ModelSpec, base: Json = {}): Json {
  const from = base.model_type === 'gemma3' && isObj(base.text_config) ? base.text_config : base;
  const cfg: Json = { ...from, model_type: spec.family, vocab_size: spec.vocabSize, tie_word_embeddings: spec.tiedEmbeddings };
  for (const k of ['quantization_config', '_name_or_path', 'transformers_version', 'rope_scaling']) delete cfg[k];
  if (spec.bosTokenId !== null) cfg.bos_token_id = spec.bosTokenId;
  if (spec.eosTokenId !== null) cfg.eos_token_id = spec.eosTokenId;
  if (spec.family === 'gpt2') {
    Object.assign(cfg, {
      architectures: ['GPT2LMHeadModel'], n_embd: spec.hiddenSize, n_layer: spec.numLayers, n_head: spec.numHeads,
      n_inner: spec.ffnHiddenSize, activation_function: spec.activation, layer_norm_epsilon: spec.normEps, n_positions: spec.maxPositions,
    });
    if (spec.headDim * spec.numHeads !== spec.hiddenSize) {
      throw new ConfigError('config.json', 'n_head', `gpt2 needs n_embd divisible into heads (head_dim ${spec.headDim} x ${spec.numHeads} != ${spec.hiddenSize})`);
    }
    return cfg;
  }
  Object.assign(cfg, {
    architectures: [HF_ARCH[spec.family]], hidden_size: spec.hiddenSize, num_hidden_layers: spec.numLayers, num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads, head_dim: spec.headDim, intermediate_size: spec.ffnHiddenSize, hidden_act: spec.activation,
    rms_norm_eps: spec.normEps, max_position_embeddings: spec.maxPositions, rope_theta: spec.ropeTheta,
  });
  familyConfig(spec, cfg);
  return cfg;
}

/**
 * Refuses sequences longer than a learned-position model (gpt2) can embed, naming the config field.
 * @example checkSeqLen(spec, 128, '/m/config.json'); // throws for gpt2 with n_positions 64
 */
export function checkSeqLen(spec: ModelSpec, seqLen: number, file: string): void {
  if (spec.positional !== 'learned' || seqLen <= spec.maxPositions) return;
  const field = spec.family === 'gpt2' ? 'n_positions' : 'max_position_embeddings';
  throw new ConfigError(file, field, `at least ${seqLen} learned positions for sequences of ${seqLen} tokens (--seq-len), got ${spec.maxPositions}`);
}

/**
 * Checks the config's depth against the tensor names in the weight files before anything is allocated: a config
 * claiming more layers than the files hold (e.g. 10⁹) is refused at once, naming the field.
 * @example checkConfigAgainstTensors(spec, files.keys(), '/m/config.json');
 */
export function checkConfigAgainstTensors(spec: ModelSpec, names: Iterable<string>, file: string): void {
  let maxLayer = -1;
  for (const n of names) {
    const m = /(?:^|\.)(?:layers|h)\.(\d+)\./.exec(n);
    if (m) maxLayer = Math.max(maxLayer, Number(m[1]));
  }
  if (spec.numLayers > maxLayer + 1) {
    const field = spec.family === 'gpt2' ? 'n_layer' : 'num_hidden_layers';
    throw new ConfigError(file, field, `at most ${maxLayer + 1} (the weight files hold ${maxLayer + 1} layers), got ${spec.numLayers}`);
  }
}

/** Config fields transformers' strict config classes type as float only (an integral value must be written as 8.0, not 8). */
const FLOAT_ONLY_FIELDS = ['final_logit_softcapping', 'attn_logit_softcapping'];

/**
 * config.json text for a config object: JSON with 2-space indent, float-only fields written with a decimal point.
 * @example fs.writeFileSync(file, configJson(configFromSpec(spec, base)))
 */
export function configJson(cfg: Json): string {
  const mark = '\u0000float:';
  const text = JSON.stringify(cfg, (k, v) => (FLOAT_ONLY_FIELDS.includes(k) && Number.isInteger(v) ? `${mark}${v}` : v), 2);
  return text.replace(/"\\u0000float:(-?\d+)"/g, '$1.0') + '\n';
}
