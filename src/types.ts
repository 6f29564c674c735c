/**
 * Core types shared by every stage of minitron. Plain JSON except Params.
 * HF config key names never appear here: io/config.ts is the one place that maps them.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Model families the forward pass implements. */
export type Family = 'gpt2' | 'llama' | 'mistral' | 'qwen2';

/** Element-wise activation of the MLP. */
export type Activation = 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh' | 'silu' | 'relu';

/** llama3-style RoPE frequency scaling (rope_scaling.rope_type == "llama3"). */
export interface RopeScaling {
  readonly type: 'llama3';
  readonly factor: number;
  readonly lowFreqFactor: number;
  readonly highFreqFactor: number;
  readonly originalMaxPositions: number;
}

/**
 * Architecture of a decoder-only causal LM, normalised over families.
 * @example const spec: ModelSpec = specFromConfig(JSON.parse(fs.readFileSync('config.json', 'utf8')));
 */
export interface ModelSpec {
  readonly family: Family;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly ffnHiddenSize: number;
  readonly activation: Activation;
  /** 'gated': down(act(gate(x)) * up(x)) (llama family); 'plain': down(act(up(x))) (gpt2). */
  readonly mlpType: 'gated' | 'plain';
  readonly normType: 'layernorm' | 'rmsnorm';
  readonly normEps: number;
  /** 'learned': absolute position embeddings (gpt2); 'rope': rotary (llama family). */
  readonly positional: 'learned' | 'rope';
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling | null;
  readonly maxPositions: number;
  readonly tiedEmbeddings: boolean;
  /** q/k/v projections carry a bias (gpt2, qwen2, llama attention_bias). */
  readonly qkvBias: boolean;
  /** o_proj carries a bias (gpt2, llama attention_bias). */
  readonly oBias: boolean;
  /** MLP projections carry a bias (gpt2, llama mlp_bias). */
  readonly mlpBias: boolean;
  /** Sliding attention window (mistral), null when attention is full. */
  readonly slidingWindow: number | null;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
}

/**
 * Weights as a flat map of canonical names to tensors (torch Linear layout [out, in]).
 * Names: model.embed_tokens.weight, model.embed_positions.weight (gpt2), model.layers.{i}.input_layernorm.{weight,bias},
 * model.layers.{i}.self_attn.{q,k,v,o}_proj.{weight,bias}, model.layers.{i}.post_attention_layernorm.{weight,bias},
 * model.layers.{i}.mlp.{gate,up,down}_proj.{weight,bias}, model.norm.{weight,bias}, lm_head.weight (untied only).
 */
export type Params = Record<string, tf.Tensor>;

/** A model as computation needs it: spec and weights. @example const m: ModelLike = { spec, params }; */
export interface ModelLike {
  spec: ModelSpec;
  params: Params;
}

/** The closed set of prunable axes. */
export type Axis = 'heads' | 'neurons' | 'channels' | 'layers';

/** Aggregation of activation magnitudes over a sequence or a batch. */
export type Aggregation = 'mean' | 'l2' | 'var';

/**
 * Importance scores per axis, serialisable as JSON.
 * heads: [layer][head]; neurons: [layer][neuron]; channels: [channel]; layers: [layer] per depth metric.
 */
export interface ImportanceReport {
  readonly kind: 'importance-report';
  readonly spec: ModelSpec;
  readonly metric: string;
  readonly aggregation: { readonly seq: Aggregation; readonly batch: Aggregation };
  readonly samples: number;
  readonly seqLen: number;
  readonly heads?: number[][];
  readonly neurons?: number[][];
  readonly channels?: number[];
  /** Depth scores by metric name (higher = more important), e.g. { ppl: [...], bi: [...] }. */
  readonly layers?: Record<string, number[]>;
  /** Scores for removing each window of k contiguous layers: { k, start[], score[] }. */
  readonly blocks?: { readonly k: number; readonly metric: string; readonly scores: number[] };
}

/** Architecture plan: the single source of truth for masks, slices, the editor widget and exports. */
export interface ArchPlan {
  readonly kind: 'arch-plan';
  readonly from: ModelSpec;
  readonly target: {
    readonly hiddenSize: number;
    readonly ffnHiddenSize: number;
    readonly numHeads: number;
    readonly numLayers: number;
  };
  /** Sorted kept indices. heads: per kept-or-not source layer; neurons: per source layer. */
  readonly keep: {
    readonly heads: number[][];
    readonly neurons: number[][];
    readonly channels: number[];
    readonly layers: number[];
  };
}

/** One row of a training log. */
export interface TrainRow {
  readonly step: number;
  readonly tokens: number;
  readonly loss: number;
  readonly kl?: number;
  readonly ce?: number;
  readonly is?: number;
  readonly lr: number;
  readonly evalLoss?: number;
  readonly tokensPerSec?: number;
}

/** Training history returned by distill() and shown by the loss plot. */
export interface TrainHistory {
  readonly kind: 'train-history';
  readonly rows: TrainRow[];
}
