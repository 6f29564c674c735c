/**
 * Core types shared by every stage of minitron. Plain JSON except Params.
 * HF config key names never appear here: io/config.ts is the one place that maps them. The plan JSON shapes
 * (ModelSpec, ArchPlan) live in plan_core/ so the lab extension shares them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from './plan_core/types.js';

export type { Family, Activation, RopeScaling, ModelSpec, ArchPlan, PlanTarget, PlanKeep, TargetField } from './plan_core/types.js';
export { TARGET_FIELDS } from './plan_core/types.js';

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

/**
 * Aggregations of activation magnitudes over a sequence or a batch, with what each computes (CLI help text).
 * @example Object.keys(AGGREGATIONS).join('|') // 'mean|l2|var'
 */
export const AGGREGATIONS = {
  mean: 'mean',
  l2: 'L2 norm (root of the sum of squares)',
  var: 'population variance',
} as const;

/** Aggregation of activation magnitudes over a sequence or a batch. */
export type Aggregation = keyof typeof AGGREGATIONS;

/**
 * Terms of the distillation objective L = Σ weight·term, in the order they are computed: the TrainRow field each one
 * fills, its default weight (knowledge distillation: logits only), what it needs, and whether the CLI has a
 * `--<term>-weight` flag for it.
 * @example Object.keys(LOSS_TERMS) // ['kl', 'ce', 'is']
 */
export const LOSS_TERMS = {
  kl: { row: 'kl', defaultWeight: 1, needs: 'teacher logits', cliFlag: true, help: 'logit loss between teacher and student' },
  ce: { row: 'ce', defaultWeight: 0, needs: 'next-token targets', cliFlag: true, help: 'next-token cross-entropy on the data' },
  is: { row: 'is', defaultWeight: 0, needs: 'teacher/student state pairs', cliFlag: false, help: 'intermediate-state loss through learned projections' },
} as const;

/** One term of the distillation objective. */
export type LossTerm = keyof typeof LOSS_TERMS;

/** The loss-term names in computation order. @example for (const t of LOSS_TERM_NAMES) total += w[t] * part[t]; */
export const LOSS_TERM_NAMES = Object.keys(LOSS_TERMS) as LossTerm[];

/** Per-term values of a training row (a term is absent when its weight is 0). */
export type LossTermRow = { readonly [K in LossTerm as (typeof LOSS_TERMS)[K]['row']]?: number };

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

/** One row of a training log. */
export interface TrainRow extends LossTermRow {
  readonly step: number;
  readonly tokens: number;
  readonly loss: number;
  readonly lr: number;
  readonly evalLoss?: number;
  readonly tokensPerSec?: number;
}

/** Training history returned by distill() and shown by the loss plot. */
export interface TrainHistory {
  readonly kind: 'train-history';
  readonly rows: TrainRow[];
}
