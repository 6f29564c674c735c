/** estimateImportance: one activation pass feeding every width accumulator, then the chosen depth metrics; resumable. */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { ImportanceReport, ModelLike, ModelSpec } from '../types.js';
import { ImportanceError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readJsonObject } from '../io/files.js';
import { checkTokenIds } from '../io/tokenizer.js';
import { forward } from '../model/forward.js';
import { ImportanceAccumulator, DEFAULT_ACCUMULATOR_OPTIONS, emptyAccumulatorState, type AccumulatorOptions, type AccumulatorState, type ActivationScores } from './accumulator.js';
import { contiguousWindows, pplWithout } from './depth.js';
import { depthScores, type DepthMetric } from './depth_metrics.js';
import type { McItem } from './mc_task.js';
import { specDiff } from './spec_match.js';
import { stopSignal, throwIfStopped } from '../host/stop.js';

export type { DepthMetric } from './depth_metrics.js';
export type { ModelLike };

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
  /** Stops after the pass in progress with InterruptedError (the state file keeps what is done); the host's stop signal too. */
  signal: AbortSignal | null;
}

/** Defaults: activation scores (mean over sequence, L2 over batch) plus PPL and BI depth scores. */
export const DEFAULT_IMPORTANCE_OPTIONS: ImportanceOptions = {
  ...DEFAULT_ACCUMULATOR_OPTIONS, depth: ['ppl', 'bi'], blockK: 0, mcItems: null, statePath: null, onProgress: null, signal: null,
};

/** Version of the saved state layout (part of the resume key, so older state files are refused, not misread). */
const STATE_VERSION = 2;

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

/** A fresh state, or the one saved at `statePath` when it belongs to this model, these options and this data. */
function startState(o: ImportanceOptions, spec: ModelSpec, batches: number[][][]): RunState {
  const seqLen = batches[0][0].length;
  const key = JSON.stringify({
    v: STATE_VERSION, seq: o.seq, neuronTap: o.neuronTap, finalNorm: o.finalNorm, batches: batches.length, rows: batches[0].length, seqLen, blockK: o.blockK,
  });
  const fresh: RunState = { kind: 'importance-state', spec, key, batchesDone: 0, acc: emptyAccumulatorState(spec.numLayers), layers: {}, blocks: [] };
  if (!o.statePath || !fs.existsSync(o.statePath)) return fresh;
  const saved = readJsonObject(o.statePath, 'an importance state file from an interrupted run') as unknown as RunState;
  const diff = saved.kind === 'importance-state' ? specDiff(saved.spec, spec) : ['kind'];
  if (diff.length > 0) throw new ImportanceError(`state ${o.statePath} belongs to another model (${diff.join('; ')})`);
  if (saved.key !== key) throw new ImportanceError(`state ${o.statePath} was saved with other options or data (${saved.key}), this run uses ${key}`);
  return saved;
}

/** The activation pass over the batches not done yet (state saved after each), then the width scores. */
async function activationPass(model: ModelLike, batches: number[][][], o: ImportanceOptions, st: RunState, save: () => void): Promise<ActivationScores> {
  const { spec, params } = model;
  const acc = new ImportanceAccumulator(spec, { ...o, blockImportance: o.blockImportance || o.depth.includes('bi') }, st.acc);
  for (let i = st.batchesDone; i < batches.length; i++) {
    const b = batches[i];
    tf.tidy(() => {
      const ids = tf.tensor2d(b, [b.length, b[0].length], 'int32'); // [B, T]
      forward(spec, params, ids, { onTap: acc.onTap }).dispose(); // logits [B, T, V] unused: the taps feed acc
    });
    acc.reset();
    st.acc = acc.save();
    st.batchesDone = i + 1;
    save();
    o.onProgress?.('activations', i + 1, batches.length);
    await new Promise((r) => setImmediate(r)); // let the event loop breathe (progress output, interrupts)
  }
  st.acc = acc.save();
  return acc.scores();
}

/** PPL with each window of `blockK` contiguous layers removed (kept in the state once computed). */
function blockScores(model: ModelLike, batches: number[][][], o: ImportanceOptions, st: RunState, save: () => void): number[] {
  if (st.blocks.length > 0) return st.blocks;
  const L = model.spec.numLayers, windows = contiguousWindows(L, o.blockK);
  st.blocks = pplWithout(model.spec, model.params, batches, windows, (i) => o.onProgress?.('blocks', i + 1, windows.length));
  save();
  return st.blocks;
}

/**
 * Runs the importance pass over token batches ([batch][row][token]) and returns an ImportanceReport.
 * @example const report = await estimateImportance(model, batches, { depth: ['ppl', 'bi'], statePath: 'imp.state.json' });
 */
export async function estimateImportance(model: ModelLike, batches: number[][][], options: Partial<ImportanceOptions> = {}): Promise<ImportanceReport> {
  const o: ImportanceOptions = { ...DEFAULT_IMPORTANCE_OPTIONS, ...options };
  if (batches.length === 0 || batches[0].length === 0) throw new ImportanceError('expected at least one non-empty batch of token ids');
  for (const b of batches) for (const row of b) checkTokenIds(row, model.spec.vocabSize, 'importance batches');
  const st = startState(o, model.spec, batches);
  const save = (): void => { if (o.statePath) writeFileAtomic(o.statePath, JSON.stringify(st)); };
  const stop = stopSignal(o.signal);
  const progress = (stage: string, done: number, total: number): void => {
    o.onProgress?.(stage, done, total);
    throwIfStopped(stop, 'estimateImportance'); // between passes: every pass reports progress when it ends
  };
  const width = await activationPass(model, batches, { ...o, onProgress: progress }, st, save);
  const layers = depthScores({ ...model, batches, width, mcItems: o.mcItems, progress }, o.depth, st.layers, save);
  const blocks = o.blockK > 0 ? blockScores(model, batches, { ...o, onProgress: progress }, st, save) : null;
  return {
    kind: 'importance-report',
    spec: model.spec,
    metric: `activation(${o.neuronTap}${o.finalNorm ? ',final_norm' : ''})`,
    aggregation: { seq: o.seq, batch: o.batch },
    samples: batches.reduce((n, b) => n + b.length, 0),
    seqLen: batches[0][0].length,
    heads: width.heads,
    neurons: width.neurons,
    channels: width.channels,
    ...(Object.keys(layers).length > 0 ? { layers } : {}),
    ...(blocks ? { blocks: { k: o.blockK, metric: 'ppl', scores: blocks } } : {}),
  };
}
