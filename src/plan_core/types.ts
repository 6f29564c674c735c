/**
 * The JSON shapes shared by the library, the kernel and the lab extension: ModelSpec and ArchPlan.
 * Dependency-free (no tfjs, no node:, no DOM) so the lab extension bundles this file as it is.
 */

/** Model families the forward pass implements (io/config.ts SUPPORTED_MODEL_TYPES lists them for config parsing). @example const f: Family = 'qwen2'; */
export type Family = 'gpt2' | 'llama' | 'mistral' | 'qwen2';

/** Element-wise activation of the MLP. @example const a: Activation = 'silu'; */
export type Activation = 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh' | 'silu' | 'relu';

/** llama3-style RoPE frequency scaling (rope_scaling.rope_type == "llama3"). @example spec.ropeScaling?.factor // 32 */
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

/** The prunable sizes of a plan, one per axis. @example for (const f of TARGET_FIELDS) console.log(f, plan.target[f]); */
export const TARGET_FIELDS = ['hiddenSize', 'ffnHiddenSize', 'numHeads', 'numLayers'] as const;
/** One of TARGET_FIELDS. @example const f: TargetField = 'numHeads'; */
export type TargetField = (typeof TARGET_FIELDS)[number];

/** Target sizes of a plan. @example const t: PlanTarget = { hiddenSize: 512, ffnHiddenSize: 1024, numHeads: 6, numLayers: 24 }; */
export type PlanTarget = { readonly [K in TargetField]: number };

/** Sorted kept indices per axis (heads and neurons: one row per source layer). @example plan.keep.heads[3] // [0, 2, 5] */
export interface PlanKeep {
  readonly heads: number[][];
  readonly neurons: number[][];
  readonly channels: number[];
  readonly layers: number[];
}

/**
 * Architecture plan: the single source of truth for masks, slices, the editor widget and exports.
 * @example const plan: ArchPlan = { kind: 'arch-plan', from: spec, target, keep };
 */
export interface ArchPlan {
  readonly kind: 'arch-plan';
  readonly from: ModelSpec;
  readonly target: PlanTarget;
  readonly keep: PlanKeep;
}
