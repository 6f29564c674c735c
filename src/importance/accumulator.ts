/** One accumulator per axis, fed by the forward's activation taps (heads, neurons, channels, block importance). */
import * as tf from '@tensorflow/tfjs-core';
import type { Aggregation, ModelSpec } from '../types.js';
import type { TapName } from '../model/forward.js';
import { addRows, cosineSum, emptyStats, finishStats, tapAggregate, type BatchStats } from './aggregate.js';

/** Which activations feed the accumulators and how they are aggregated. */
export interface AccumulatorOptions {
  seq: Aggregation;
  batch: Aggregation;
  /** 'mlp_act': down_proj input (ModelOpt, default); 'mlp_fc1': gate/fc1 output before the activation (paper form). */
  neuronTap: 'mlp_act' | 'mlp_fc1';
  /** Add the final norm's output to the channel scores. */
  finalNorm: boolean;
  /** Accumulate Block Importance (1 − cos(block_in, block_out)). */
  blockImportance: boolean;
}

/** Defaults: mean over the sequence, L2 over the batch, fc2 input, norms inside blocks only, BI on. */
export const DEFAULT_ACCUMULATOR_OPTIONS: AccumulatorOptions = {
  seq: 'mean', batch: 'l2', neuronTap: 'mlp_act', finalNorm: false, blockImportance: true,
};

/** Serialisable accumulator state (for save and resume). */
export interface AccumulatorState {
  stats: Record<string, BatchStats>;
  bi: { cosSum: number[]; tokens: number[] };
}

/** Scores the accumulator produces. */
export interface ActivationScores {
  heads: number[][];
  neurons: number[][];
  channels: number[];
  bi?: number[];
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
    this.state = state ? structuredClone(state) : {
      stats: {},
      bi: { cosSum: new Array<number>(spec.numLayers).fill(0), tokens: new Array<number>(spec.numLayers).fill(0) },
    };
  }

  private add(key: string, x: tf.Tensor, perHeadNorm: boolean): void {
    const b = x.shape[0], u = x.shape[2] as number;
    this.state.stats[key] ??= emptyStats(u);
    addRows(this.state.stats[key], tapAggregate(x, perHeadNorm, this.opts.seq), b);
  }

  /** Tap callback (arrow property so it can be passed directly). */
  readonly onTap = (name: TapName, layer: number, x: tf.Tensor): void => {
    if (name === 'attn_ctx') {
      this.add(`heads:${layer}`, x, true); // [B, T, H, Dh]: per-head L2 norm
    } else if (name === this.opts.neuronTap) {
      this.add(`neurons:${layer}`, x, false); // [B, T, F]: |x|
    } else if (name === 'attn_norm' || name === 'mlp_norm' || (name === 'final_norm' && this.opts.finalNorm)) {
      this.add(`${name}:${layer}`, x, false); // [B, T, D]
    } else if (this.opts.blockImportance && name === 'block_in') {
      this.pendingIn.get(layer)?.dispose();
      this.pendingIn.set(layer, tf.keep(tf.clone(x)));
    } else if (this.opts.blockImportance && name === 'block_out') {
      const xin = this.pendingIn.get(layer);
      if (!xin) return;
      this.pendingIn.delete(layer);
      this.state.bi.cosSum[layer] += cosineSum(xin, x);
      this.state.bi.tokens[layer] += x.size / (x.shape[x.rank - 1] as number);
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
    return this.state.stats['heads:0']?.n ?? this.state.stats['attn_norm:0']?.n ?? 0;
  }

  /**
   * Final scores: heads [layer][head], neurons [layer][neuron], channels [channel] (sum over norm layers), bi [layer].
   * @example const { heads, channels } = acc.scores();
   */
  scores(): ActivationScores {
    const s = this.spec;
    const fin = (key: string, size: number): number[] =>
      this.state.stats[key] ? finishStats(this.state.stats[key], this.opts.batch) : new Array<number>(size).fill(0);
    const L = Array.from({ length: s.numLayers }, (_, l) => l);
    const channels = new Array<number>(s.hiddenSize).fill(0);
    for (const key of Object.keys(this.state.stats)) {
      if (!/^(attn_norm|mlp_norm|final_norm):/.test(key)) continue;
      fin(key, s.hiddenSize).forEach((v, i) => { channels[i] += v; });
    }
    const out: ActivationScores = {
      heads: L.map((l) => fin(`heads:${l}`, s.numHeads)),
      neurons: L.map((l) => fin(`neurons:${l}`, s.ffnHiddenSize)),
      channels,
    };
    if (this.opts.blockImportance) out.bi = L.map((l) => (this.state.bi.tokens[l] ? 1 - this.state.bi.cosSum[l] / this.state.bi.tokens[l] : 0));
    return out;
  }
}
