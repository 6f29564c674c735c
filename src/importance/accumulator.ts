/** One accumulator per axis, fed by the forward's activation taps (heads, neurons, channels, block importance). */
import * as tf from '@tensorflow/tfjs-core';
import type { Aggregation, ModelSpec } from '../types.js';
import type { TapName } from '../model/forward.js';
import { addRows, cosineSum, emptyStats, finishStats, tapAggregate, type BatchStats } from './aggregate.js';

/**
 * Where neuron scores are tapped, with what each tap is (CLI usage text).
 * @example Object.keys(NEURON_TAPS).join('|') // 'mlp_act|mlp_fc1'
 */
export const NEURON_TAPS = {
  mlp_act: 'down_proj input (ModelOpt)',
  mlp_fc1: 'gate/fc1 output before the activation (paper form)',
} as const satisfies Partial<Record<TapName, string>>;

/** A neuron tap. */
export type NeuronTap = keyof typeof NEURON_TAPS;

/** Which activations feed the accumulators and how they are aggregated. */
export interface AccumulatorOptions {
  seq: Aggregation;
  batch: Aggregation;
  /** 'mlp_act': down_proj input (ModelOpt, default); 'mlp_fc1': gate/fc1 output before the activation (paper form). */
  neuronTap: NeuronTap;
  /** Add the final norm's output to the channel scores. */
  finalNorm: boolean;
  /** Accumulate Block Importance (1 − cos(block_in, block_out)). */
  blockImportance: boolean;
}

/** Defaults: mean over the sequence, L2 over the batch, fc2 input, norms inside blocks only, BI on. */
export const DEFAULT_ACCUMULATOR_OPTIONS: AccumulatorOptions = {
  seq: 'mean', batch: 'l2', neuronTap: 'mlp_act', finalNorm: false, blockImportance: true,
};

/** Per-layer statistics; null for a layer not tapped yet. */
export type LayerStats = (BatchStats | null)[];

/** Serialisable accumulator state (for save and resume). */
export interface AccumulatorState {
  /** Per layer: statistics of each head's output norm [H]. */
  heads: LayerStats;
  /** Per layer: statistics of each MLP neuron [F]. */
  neurons: LayerStats;
  /** Channel statistics [D] of the norm outputs: both norms of every layer, and the final norm when it is scored. */
  channels: { attnNorm: LayerStats; mlpNorm: LayerStats; finalNorm: BatchStats | null };
  /** Block Importance sums per layer. */
  bi: { cosSum: number[]; tokens: number[] };
}

/** Scores the accumulator produces. */
export interface ActivationScores {
  heads: number[][];
  neurons: number[][];
  channels: number[];
  bi?: number[];
}

/** An empty state for `numLayers` layers. @example const st = emptyAccumulatorState(30); */
export function emptyAccumulatorState(numLayers: number): AccumulatorState {
  const layers = (): LayerStats => new Array<BatchStats | null>(numLayers).fill(null);
  return {
    heads: layers(), neurons: layers(), channels: { attnNorm: layers(), mlpNorm: layers(), finalNorm: null },
    bi: { cosSum: new Array<number>(numLayers).fill(0), tokens: new Array<number>(numLayers).fill(0) },
  };
}

/**
 * Collects per-unit activation statistics from forward taps; call `onTap` from ForwardOptions.onTap.
 * @example const acc = new ImportanceAccumulator(spec); forward(spec, params, ids, { onTap: acc.onTap });
 */
export class ImportanceAccumulator {
  readonly opts: AccumulatorOptions;
  private state: AccumulatorState;
  private pendingIn = new Map<number, tf.Tensor>();

  constructor(readonly spec: ModelSpec, opts: Partial<AccumulatorOptions> = {}, state?: AccumulatorState) {
    this.opts = { ...DEFAULT_ACCUMULATOR_OPTIONS, ...opts };
    this.state = state ? structuredClone(state) : emptyAccumulatorState(spec.numLayers);
  }

  /** Statistics `st` (created when null) with the sequence aggregates of x [B, T, U] or [B, T, H, Dh] added. */
  private added(st: BatchStats | null, x: tf.Tensor, perHeadNorm: boolean): BatchStats {
    const out = st ?? emptyStats(x.shape[2] as number);
    addRows(out, tapAggregate(x, perHeadNorm, this.opts.seq), x.shape[0]);
    return out;
  }

  /** Tap callback (arrow property so it can be passed directly). */
  readonly onTap = (name: TapName, layer: number, x: tf.Tensor): void => {
    const st = this.state;
    if (name === 'attn_ctx') {
      st.heads[layer] = this.added(st.heads[layer], x, true); // [B, T, H, Dh]: per-head L2 norm
    } else if (name === this.opts.neuronTap) {
      st.neurons[layer] = this.added(st.neurons[layer], x, false); // [B, T, F]: |x|
    } else if (name === 'attn_norm') {
      st.channels.attnNorm[layer] = this.added(st.channels.attnNorm[layer], x, false); // [B, T, D]
    } else if (name === 'mlp_norm') {
      st.channels.mlpNorm[layer] = this.added(st.channels.mlpNorm[layer], x, false); // [B, T, D]
    } else if (name === 'final_norm' && this.opts.finalNorm) {
      st.channels.finalNorm = this.added(st.channels.finalNorm, x, false); // [B, T, D]
    } else if (this.opts.blockImportance && name === 'block_in') {
      this.pendingIn.get(layer)?.dispose();
      this.pendingIn.set(layer, tf.keep(tf.clone(x)));
    } else if (this.opts.blockImportance && name === 'block_out') {
      const xin = this.pendingIn.get(layer);
      if (!xin) return;
      this.pendingIn.delete(layer);
      st.bi.cosSum[layer] += cosineSum(xin, x);
      st.bi.tokens[layer] += x.size / (x.shape[x.rank - 1] as number);
      xin.dispose();
    }
  };

  /** Drops block inputs left over from an interrupted forward. */
  reset(): void {
    for (const t of this.pendingIn.values()) t.dispose();
    this.pendingIn.clear();
  }

  /** A deep copy of the current state (JSON serialisable). */
  save(): AccumulatorState {
    return structuredClone(this.state);
  }

  /** Number of samples seen so far. */
  get samples(): number {
    return this.state.heads[0]?.n ?? this.state.channels.attnNorm[0]?.n ?? 0;
  }

  /**
   * Final scores: heads [layer][head], neurons [layer][neuron], channels [channel] (sum over norm layers), bi [layer].
   * @example const { heads, channels } = acc.scores();
   */
  scores(): ActivationScores {
    const s = this.spec, st = this.state;
    const fin = (x: BatchStats | null, size: number): number[] => (x ? finishStats(x, this.opts.batch) : new Array<number>(size).fill(0));
    const L = Array.from({ length: s.numLayers }, (_, l) => l);
    const channels = new Array<number>(s.hiddenSize).fill(0);
    const norms = [...L.flatMap((l) => [st.channels.attnNorm[l], st.channels.mlpNorm[l]]), st.channels.finalNorm];
    for (const n of norms) if (n) fin(n, s.hiddenSize).forEach((v, i) => { channels[i] += v; });
    const out: ActivationScores = {
      heads: L.map((l) => fin(st.heads[l], s.numHeads)),
      neurons: L.map((l) => fin(st.neurons[l], s.ffnHiddenSize)),
      channels,
    };
    if (this.opts.blockImportance) out.bi = L.map((l) => (st.bi.tokens[l] ? 1 - st.bi.cosSum[l] / st.bi.tokens[l] : 0));
    return out;
  }
}
