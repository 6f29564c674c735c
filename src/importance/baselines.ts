/** Baseline importance reports for comparisons: weight magnitude and seeded random scores. */
import * as tf from '@tensorflow/tfjs-core';
import type { ImportanceReport, ModelSpec, Params } from '../types.js';
import { Rng } from '../data/rng.js';

const sq = (t: tf.Tensor, axis: number): number[] => tf.tidy(() => Array.from(tf.sum(tf.square(t), axis).dataSync()));

/**
 * Weight-magnitude scores: L2 norm of every weight slice a unit owns (heads: q rows + o columns; neurons: gate/up rows +
 * down column; channels: embedding column + every reading column / writing row of every layer).
 * @example const rep = magnitudeReport(model.spec, model.params);
 */
export function magnitudeReport(spec: ModelSpec, params: Params): ImportanceReport {
  const L = spec.numLayers, Dh = spec.headDim;
  const channels = sq(params['model.embed_tokens.weight'], 0); // [D]
  const heads: number[][] = [];
  const neurons: number[][] = [];
  for (let l = 0; l < L; l++) {
    const p = (n: string): tf.Tensor => params[`model.layers.${l}.${n}.weight`];
    const addCh = (v: number[]): void => v.forEach((x, i) => { channels[i] += x; });
    for (const n of ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'mlp.up_proj', ...(spec.mlpType === 'gated' ? ['mlp.gate_proj'] : [])]) addCh(sq(p(n), 0));
    addCh(sq(p('self_attn.o_proj'), 1));
    addCh(sq(p('mlp.down_proj'), 1));
    const qRows = sq(p('self_attn.q_proj'), 1); // [H*Dh]
    const oCols = sq(p('self_attn.o_proj'), 0); // [H*Dh]
    heads.push(Array.from({ length: spec.numHeads }, (_, h) => {
      let s = 0;
      for (let d = h * Dh; d < (h + 1) * Dh; d++) s += qRows[d] + oCols[d];
      return Math.sqrt(s);
    }));
    const up = sq(p('mlp.up_proj'), 1), down = sq(p('mlp.down_proj'), 0);
    const gate = spec.mlpType === 'gated' ? sq(p('mlp.gate_proj'), 1) : null;
    neurons.push(up.map((u, i) => Math.sqrt(u + down[i] + (gate ? gate[i] : 0))));
  }
  return {
    kind: 'importance-report', spec, metric: 'weight-magnitude', aggregation: { seq: 'mean', batch: 'l2' }, samples: 0, seqLen: 0,
    heads, neurons, channels: channels.map(Math.sqrt),
  };
}

/**
 * Seeded uniform random scores for every width axis and layer (a control for importance methods).
 * @example const rep = randomReport(model.spec, 42);
 */
export function randomReport(spec: ModelSpec, seed = 0): ImportanceReport {
  const gen = new Rng(seed);
  const r = (): number => gen.next();
  const L = Array.from({ length: spec.numLayers });
  return {
    kind: 'importance-report', spec, metric: `random(seed=${seed})`, aggregation: { seq: 'mean', batch: 'l2' }, samples: 0, seqLen: 0,
    heads: L.map(() => Array.from({ length: spec.numHeads }, r)),
    neurons: L.map(() => Array.from({ length: spec.ffnHiddenSize }, r)),
    channels: Array.from({ length: spec.hiddenSize }, r),
    layers: { random: L.map(r) },
  };
}
