/**
 * Hugging Face config.json <-> ModelSpec. The only place where HF config key names appear.
 */
import type { Activation, Family, ModelSpec, RopeScaling } from '../types.js';
import { ConfigError } from '../errors.js';

/** model_type values this project can load. */
export const SUPPORTED_MODEL_TYPES: readonly Family[] = ['gpt2', 'llama', 'mistral', 'qwen2'];

type Json = Record<string, unknown>;

function num(cfg: Json, file: string, key: string, fallback?: number): number {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(file, key, 'a number (field missing)');
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(file, key, `a number, got ${JSON.stringify(v)}`);
  return v;
}

function posInt(cfg: Json, file: string, key: string, fallback?: number): number {
  const v = num(cfg, file, key, fallback);
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(file, key, `a positive integer, got ${v}`);
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

function activation(file: string, key: string, v: unknown): Activation {
  const known: Activation[] = ['gelu_new', 'gelu', 'gelu_pytorch_tanh', 'silu', 'relu'];
  if (v === 'swish') return 'silu';
  if (typeof v === 'string' && (known as string[]).includes(v)) return v as Activation;
  throw new ConfigError(file, key, `one of ${known.join(', ')}, got ${JSON.stringify(v)}`);
}

function ropeOf(cfg: Json, file: string): { theta: number; scaling: RopeScaling | null } {
  // transformers >= 5 writes rope_parameters; older configs write rope_theta + rope_scaling.
  const params = (cfg.rope_parameters ?? null) as Json | null;
  const theta = num(params ?? {}, file, 'rope_theta', num(cfg, file, 'rope_theta', 10000));
  const sc = (params && params.rope_type && params.rope_type !== 'default' ? params : cfg.rope_scaling) as Json | null | undefined;
  if (!sc) return { theta, scaling: null };
  const type = sc.rope_type ?? sc.type;
  if (type === 'default') return { theta, scaling: null };
  if (type !== 'llama3') throw new ConfigError(file, 'rope_scaling.rope_type', `"llama3" or "default" (got ${JSON.stringify(type)})`);
  return {
    theta,
    scaling: {
      type: 'llama3',
      factor: num(sc, file, 'factor'),
      lowFreqFactor: num(sc, file, 'low_freq_factor'),
      highFreqFactor: num(sc, file, 'high_freq_factor'),
      originalMaxPositions: posInt(sc, file, 'original_max_position_embeddings'),
    },
  };
}

/**
 * Normalise a parsed config.json into a ModelSpec; `file` is used in error messages.
 * @example const spec = specFromConfig(JSON.parse(fs.readFileSync(p, 'utf8')), p);
 */
export function specFromConfig(cfg: Json, file = 'config.json'): ModelSpec {
  const type = cfg.model_type;
  if (typeof type !== 'string' || !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(file, 'model_type', `one of ${SUPPORTED_MODEL_TYPES.join(', ')} (got ${JSON.stringify(type)})`);
  }
  const family = type as Family;
  if (family === 'gpt2') {
    const hidden = posInt(cfg, file, 'n_embd');
    const heads = posInt(cfg, file, 'n_head');
    if (hidden % heads !== 0) throw new ConfigError(file, 'n_head', `a divisor of n_embd=${hidden}`);
    return {
      family, vocabSize: posInt(cfg, file, 'vocab_size'), hiddenSize: hidden, numLayers: posInt(cfg, file, 'n_layer'),
      numHeads: heads, numKvHeads: heads, headDim: hidden / heads, ffnHiddenSize: posInt(cfg, file, 'n_inner', 4 * hidden),
      activation: activation(file, 'activation_function', cfg.activation_function ?? 'gelu_new'), mlpType: 'plain',
      normType: 'layernorm', normEps: num(cfg, file, 'layer_norm_epsilon', 1e-5), positional: 'learned', ropeTheta: 0,
      ropeScaling: null, maxPositions: posInt(cfg, file, 'n_positions', 1024), tiedEmbeddings: bool(cfg, 'tie_word_embeddings', true),
      qkvBias: true, oBias: true, mlpBias: true, slidingWindow: null, bosTokenId: tokenId(cfg, 'bos_token_id'), eosTokenId: tokenId(cfg, 'eos_token_id'),
    };
  }
  const hidden = posInt(cfg, file, 'hidden_size');
  const heads = posInt(cfg, file, 'num_attention_heads');
  const kv = posInt(cfg, file, 'num_key_value_heads', heads);
  if (heads % kv !== 0) throw new ConfigError(file, 'num_key_value_heads', `a divisor of num_attention_heads=${heads}, got ${kv}`);
  const headDim = cfg.head_dim == null ? hidden / heads : posInt(cfg, file, 'head_dim');
  if (!Number.isInteger(headDim)) throw new ConfigError(file, 'head_dim', `present, since hidden_size ${hidden} is not divisible by ${heads} heads`);
  const rope = ropeOf(cfg, file);
  const attnBias = bool(cfg, 'attention_bias', false);
  const useSliding = family === 'mistral' || bool(cfg, 'use_sliding_window', false);
  const sw = useSliding && typeof cfg.sliding_window === 'number' ? cfg.sliding_window : null;
  return {
    family, vocabSize: posInt(cfg, file, 'vocab_size'), hiddenSize: hidden, numLayers: posInt(cfg, file, 'num_hidden_layers'),
    numHeads: heads, numKvHeads: kv, headDim, ffnHiddenSize: posInt(cfg, file, 'intermediate_size'),
    activation: activation(file, 'hidden_act', cfg.hidden_act ?? 'silu'), mlpType: 'gated', normType: 'rmsnorm',
    normEps: num(cfg, file, 'rms_norm_eps', 1e-6), positional: 'rope', ropeTheta: rope.theta, ropeScaling: rope.scaling,
    maxPositions: posInt(cfg, file, 'max_position_embeddings', 2048), tiedEmbeddings: bool(cfg, 'tie_word_embeddings', false),
    qkvBias: family === 'qwen2' ? true : attnBias, oBias: family === 'qwen2' ? false : attnBias,
    mlpBias: family === 'llama' ? bool(cfg, 'mlp_bias', false) : false, slidingWindow: sw,
    bosTokenId: tokenId(cfg, 'bos_token_id'), eosTokenId: tokenId(cfg, 'eos_token_id'),
  };
}

/**
 * A config.json for `spec`, keeping unrelated fields of `base` (the source model's config) when given.
 * @example fs.writeFileSync('config.json', JSON.stringify(configFromSpec(spec, srcConfig), null, 2))
 */
export function configFromSpec(spec: ModelSpec, base: Json = {}): Json {
  const cfg: Json = { ...base, model_type: spec.family, vocab_size: spec.vocabSize, tie_word_embeddings: spec.tiedEmbeddings };
  for (const k of ['quantization_config', '_name_or_path', 'transformers_version']) delete cfg[k];
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
  const arch = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' }[spec.family];
  Object.assign(cfg, {
    architectures: [arch], hidden_size: spec.hiddenSize, num_hidden_layers: spec.numLayers, num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads, head_dim: spec.headDim, intermediate_size: spec.ffnHiddenSize, hidden_act: spec.activation,
    rms_norm_eps: spec.normEps, max_position_embeddings: spec.maxPositions, rope_theta: spec.ropeTheta,
  });
  const rope: Json = { rope_theta: spec.ropeTheta, rope_type: 'default' };
  if (spec.ropeScaling) {
    Object.assign(rope, {
      rope_type: 'llama3', factor: spec.ropeScaling.factor, low_freq_factor: spec.ropeScaling.lowFreqFactor,
      high_freq_factor: spec.ropeScaling.highFreqFactor, original_max_position_embeddings: spec.ropeScaling.originalMaxPositions,
    });
  }
  cfg.rope_parameters = rope;
  delete cfg.rope_scaling;
  if (spec.family === 'llama') Object.assign(cfg, { attention_bias: spec.qkvBias, mlp_bias: spec.mlpBias });
  if (spec.family === 'mistral' || spec.family === 'qwen2') cfg.sliding_window = spec.slidingWindow;
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
