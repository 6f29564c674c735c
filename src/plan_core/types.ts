/**
 * The JSON shapes shared by the library, the kernel and the lab extension: ModelSpec and ArchPlan.
 * Dependency-free (no tfjs, no node:, no DOM) so the lab extension bundles this file as it is.
 */

/**
 * Family facts, one row per model family the forward implements (io/config.ts maps config.json onto them):
 * qkNorm: RMSNorm over head_dim on every q and k head before RoPE (weights [headDim], kept by head pruning);
 * normPlusOne: RMSNorm scales by (1 + w) (Gemma); embedScale: token embeddings × √hidden (Gemma);
 * sandwichNorm: extra norms on the attention and MLP outputs, the MLP input norm is pre_feedforward_layernorm (Gemma 3);
 * fusedProjections: the checkpoint stores q/k/v as one qkv_proj and gate/up as one gate_up_proj (Phi-3).
 * @example FAMILIES.qwen3.qkNorm // true
 */
export const FAMILIES = {
  gpt2: { qkNorm: false, normPlusOne: false, embedScale: false, sandwichNorm: false, fusedProjections: false },
  llama: { qkNorm: false, normPlusOne: false, embedScale: false, sandwichNorm: false, fusedProjections: false },
  mistral: { qkNorm: false, normPlusOne: false, embedScale: false, sandwichNorm: false, fusedProjections: false },
  qwen2: { qkNorm: false, normPlusOne: false, embedScale: false, sandwichNorm: false, fusedProjections: false },
  qwen3: { qkNorm: true, normPlusOne: false, embedScale: false, sandwichNorm: false, fusedProjections: false },
  gemma3_text: { qkNorm: true, normPlusOne: true, embedScale: true, sandwichNorm: true, fusedProjections: false },
  phi3: { qkNorm: false, normPlusOne: false, embedScale: false, sandwichNorm: false, fusedProjections: true },
} as const satisfies Record<string, FamilyTraits>;

/** Structural traits of a family (one row of FAMILIES). @example const t: FamilyTraits = FAMILIES[spec.family]; */
export interface FamilyTraits {
  readonly qkNorm: boolean;
  readonly normPlusOne: boolean;
  readonly embedScale: boolean;
  readonly sandwichNorm: boolean;
  readonly fusedProjections: boolean;
}

/** Model families the forward pass implements (the keys of FAMILIES). @example const f: Family = 'qwen2'; */
export type Family = keyof typeof FAMILIES;

/** Attention kind of one layer (gemma3 / qwen3 layer_types): 'sliding' layers use slidingWindow and the local RoPE base. @example const t: LayerType = 'sliding'; */
export type LayerType = 'full' | 'sliding';

/** Element-wise activation of the MLP. @example const a: Activation = 'silu'; */
export type Activation = 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh' | 'silu' | 'relu';

/**
 * RoPE frequency scaling: llama3 (smooth per-wavelength), linear (positions / factor, Gemma 3 global layers) or
 * longrope (Phi-3: per-frequency short/long factors chosen by sequence length, cos/sin × attentionFactor).
 * @example spec.ropeScaling?.type === 'llama3' && spec.ropeScaling.factor // 32
 */
export type RopeScaling =
  | { readonly type: 'llama3'; readonly factor: number; readonly lowFreqFactor: number; readonly highFreqFactor: number; readonly originalMaxPositions: number }
  | { readonly type: 'linear'; readonly factor: number }
  | { readonly type: 'longrope'; readonly shortFactor: readonly number[]; readonly longFactor: readonly number[];
      readonly originalMaxPositions: number; readonly attentionFactor: number };

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
  /** Per-layer attention kind (gemma3, qwen3 with layer_types); absent: every layer uses slidingWindow as set. */
  readonly layerTypes?: readonly LayerType[];
  /** RoPE base of 'sliding' layers (gemma3 local base); absent: ropeTheta everywhere. */
  readonly localRopeTheta?: number;
  /** Attention scores are scaled by queryPreAttnScalar^-0.5 (gemma3); absent: headDim^-0.5. */
  readonly queryPreAttnScalar?: number;
  /** Leading dims of each head that RoPE rotates (phi3 partial_rotary_factor); absent: all of headDim. */
  readonly rotaryDim?: number;
  /** Final logits become cap·tanh(logits / cap) (gemma final_logit_softcapping); absent: none. */
  readonly finalLogitSoftcap?: number;
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
