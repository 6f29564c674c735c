/** estimateImportance: one activation pass feeding every width accumulator, then the chosen depth metrics; resumable. */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { ImportanceReport, ModelSpec, Params } from '../types.js';
import { forward } from '../model/forward.js';
import { ImportanceAccumulator, DEFAULT_ACCUMULATOR_OPTIONS, type AccumulatorOptions, type AccumulatorState } from './accumulator.js';
import { contiguousWindows, pplWithout, taylorPlus, taylorScores } from './depth.js';
import { mcAccuracy, mcLogLikelihoods, type McItem } from './mc_task.js';
import { specDiff } from './spec_match.js';

/** Depth metrics: PPL with the layer removed, Block Importance, Taylor, Taylor+ and multiple-choice accuracy. */
export type DepthMetric = 'ppl' | 'bi' | 'taylor' | 'taylor+' | 'mc';

/** Options of an importance run. */
export interface ImportanceOptions extends AccumulatorOptions {
  depth: DepthMetric[];
  /** Score removing every window of this many contiguous layers (PPL); 0 = off. */
  blockK: number;
  /** Tokenised multiple-choice items for the 'mc' depth metric. */
  mcItems: McItem[] | null;
  /** JSON file for partial state: written after each step, read back to resume. */
  statePath: string | null;
  onProgress: ((stage: string, done: number, total: number) => void) | null;
}

/** Defaults: activation scores (mean over sequence, L2 over batch) plus PPL and BI depth scores. */
export const DEFAULT_IMPORTANCE_OPTIONS: ImportanceOptions = {
  ...DEFAULT_ACCUMULATOR_OPTIONS, depth: ['ppl', 'bi'], blockK: 0, mcItems: null, statePath: null, onProgress: null,
};

/** What a resumable run saves. */
interface RunState {
  kind: 'importance-state';
  spec: ModelSpec;
  /** Options and data shape that the saved statistics depend on (checked on resume). */
  key: string;
  batchesDone: number;
  acc: AccumulatorState;
  layers: Record<string, number[]>;
  blocks: number[];
}

import type { ModelLike } from '../types.js';
import { readJsonObject } from '../io/files.js';
import { ImportanceStateError } from './report_check.js';
export type { ModelLike };

function writeJsonAtomic(path: string, value: unknown): void {
  fs.writeFileSync(`${path}.tmp`, JSON.stringify(value));
  fs.renameSync(`${path}.tmp`, path);
}

/**
 * Runs the importance pass over token batches ([batch][row][token]) and returns an ImportanceReport.
 * @example const report = await estimateImportance(model, batches, { depth: ['ppl', 'bi'], statePath: 'imp.state.json' });
 */
export async function estimateImportance(model: ModelLike, batches: number[][][], options: Partial<ImportanceOptions> = {}): Promise<ImportanceReport> {
  const o: ImportanceOptions = { ...DEFAULT_IMPORTANCE_OPTIONS, ...options };
  const { spec, params } = model;
  if (batches.length === 0 || batches[0].length === 0) throw new Error('estimateImportance: expected at least one non-empty batch of token ids');
  const seqLen = batches[0][0].length;
  const key = JSON.stringify({ seq: o.seq, neuronTap: o.neuronTap, finalNorm: o.finalNorm, batches: batches.length, rows: batches[0].length, seqLen, blockK: o.blockK });
  let st: RunState = { kind: 'importance-state', spec, key, batchesDone: 0, acc: undefined as unknown as AccumulatorState, layers: {}, blocks: [] };
  if (o.statePath && fs.existsSync(o.statePath)) {
    const saved = readJsonObject(o.statePath, 'an importance state file from an interrupted run') as unknown as RunState;
    const diff = saved.kind === 'importance-state' ? specDiff(saved.spec, spec) : ['kind'];
    if (diff.length > 0) throw new ImportanceStateError(`importance state ${o.statePath} belongs to another model (${diff.join('; ')})`);
    if (saved.key !== key) throw new ImportanceStateError(`importance state ${o.statePath} was saved with other options or data (${saved.key}), this run uses ${key}`);
    st = saved;
  }
  const save = (): void => { if (o.statePath) writeJsonAtomic(o.statePath, st); };
  const progress = (stage: string, done: number, total: number): void => o.onProgress?.(stage, done, total);
  const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

  // 1. One activation pass: every width accumulator and Block Importance share the same forward.
  const acc = new ImportanceAccumulator(spec, { ...o, blockImportance: o.blockImportance || o.depth.includes('bi') }, st.acc);
  for (let i = st.batchesDone; i < batches.length; i++) {
    const b = batches[i];
    tf.tidy(() => {
      const ids = tf.tensor2d(b, [b.length, b[0].length], 'int32'); // [B, T]
      forward(spec, params, ids, { onTap: acc.onTap }).dispose();
    });
    acc.reset();
    st.acc = acc.save();
    st.batchesDone = i + 1;
    save();
    progress('activations', i + 1, batches.length);
    await yieldLoop();
  }
  st.acc = acc.save();
  const width = acc.scores();

  // 2. Depth metrics that need more forwards (each result is saved as soon as it exists).
  const L = spec.numLayers;
  const singles = Array.from({ length: L }, (_, l) => [l]);
  if (o.depth.includes('ppl') && !st.layers.ppl) {
    st.layers.ppl = pplWithout(spec, params, batches, singles, (i) => progress('ppl', i + 1, L));
    save();
  }
  if (o.depth.includes('bi')) st.layers.bi = width.bi ?? [];
  if ((o.depth.includes('taylor') || o.depth.includes('taylor+')) && !st.layers.taylor) {
    progress('taylor', 0, 1);
    st.layers.taylor = taylorScores(spec, params, batches);
    save();
    progress('taylor', 1, 1);
  }
  if (o.depth.includes('taylor+')) st.layers['taylor+'] = taylorPlus(st.layers.taylor);
  if (o.depth.includes('mc') && !st.layers.mc) {
    if (!o.mcItems || o.mcItems.length === 0) throw new Error("estimateImportance: depth metric 'mc' needs options.mcItems (see loadMcTask)");
    const items = o.mcItems;
    st.layers.mc = singles.map((skip, i) => {
      const a = mcAccuracy(mcLogLikelihoods(spec, params, items, { skipLayers: skip }), items);
      progress('mc', i + 1, L);
      return a;
    });
    save();
  }
  if (!o.depth.includes('taylor')) delete st.layers.taylor;
  if (o.blockK > 0 && st.blocks.length === 0) {
    st.blocks = pplWithout(spec, params, batches, contiguousWindows(L, o.blockK), (i, _p) => progress('blocks', i + 1, L - o.blockK + 1));
    save();
  }
  const report: ImportanceReport = {
    kind: 'importance-report',
    spec,
    metric: `activation(${o.neuronTap}${o.finalNorm ? ',final_norm' : ''})`,
    aggregation: { seq: o.seq, batch: o.batch },
    samples: batches.reduce((n, b) => n + b.length, 0),
    seqLen,
    heads: width.heads,
    neurons: width.neurons,
    channels: width.channels,
    ...(Object.keys(st.layers).length > 0 ? { layers: st.layers } : {}),
    ...(o.blockK > 0 ? { blocks: { k: o.blockK, metric: 'ppl', scores: st.blocks } } : {}),
  };
  return report;
}
