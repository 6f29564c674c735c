/**
 * Figures for the pruning note, on the real model (SmolLM2-135M): importance pass time vs one plain forward,
 * Moby Dick PPL after 25% / 50% width pruning by activation importance vs random vs weight magnitude, and depth
 * pruning of equal size by PPL-drop vs Block Importance vs best contiguous block. Results are written after every step.
 *   node --import tsx bench/prune_figures.ts [--model DIR] [--samples 8] [--seq-len 128] [--eval-tokens 1024]
 *        [--depth-samples 1] [--depth-seq-len 64] [--drop 6] [--repeats 2] [--parts timing,width,axes,depth] [--out bench/out/prune_figures.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/index.js';
import { loadModel } from '../src/io/checkpoint.js';
import { forward } from '../src/model/forward.js';
import { perplexityOfIds } from '../src/eval/perplexity.js';
import { mobyDickText, sotuText } from '../src/data/corpus.js';
import { estimateImportance } from '../src/importance/estimate.js';
import { contiguousWindows, pplWithout } from '../src/importance/depth.js';
import { magnitudeReport, randomReport } from '../src/importance/baselines.js';
import { planFromTargets, type PlanTargets } from '../src/prune/plan.js';
import { disposeParams, slicePlan } from '../src/prune/slice.js';
import { paramCount } from '../src/prune/count.js';
import { calibrationBatches } from '../src/data/calibration.js';
import type { ImportanceReport } from '../src/types.js';

(async () => {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string', default: '.cache/models/smollm2-135m' }, samples: { type: 'string', default: '8' },
      'seq-len': { type: 'string', default: '128' }, 'eval-tokens': { type: 'string', default: '1024' },
      'depth-samples': { type: 'string', default: '1' }, 'depth-seq-len': { type: 'string', default: '64' },
      drop: { type: 'string', default: '6' }, repeats: { type: 'string', default: '2' }, parts: { type: 'string', default: 'timing,width,depth' }, out: { type: 'string', default: 'bench/out/prune_figures.json' },
    },
  });
  const parts = new Set(v.parts!.split(','));
  const backend = await selectBackend('auto');
  const res: Record<string, unknown> = { backend: backend.name, args: v, started: new Date().toISOString() };
  const save = (): void => { fs.mkdirSync(path.dirname(v.out!), { recursive: true }); fs.writeFileSync(v.out!, JSON.stringify(res, null, 1)); };
  const log = (...a: unknown[]): void => console.error(`[prune_figures ${new Date().toISOString().slice(11, 19)}]`, ...a);
  const model = await loadModel(v.model!);
  const tok = model.tokenizer!;
  const { spec, params } = model;
  const seqLen = Number(v['seq-len']);
  const calib = calibrationBatches(sotuText(), (s) => tok.encode(s), { samples: Number(v.samples), seqLen, batchSize: 2, seed: 7 });
  const evalIds = tok.encode(mobyDickText().slice(0, Number(v['eval-tokens']) * 8)).slice(0, Number(v['eval-tokens']));
  const ppl = async (s = spec, p = params): Promise<number> => (await perplexityOfIds(s, p, evalIds, { seqLen: 256, stride: 256, batch: 1 })).ppl;
  res.calibration = { samples: Number(v.samples), seqLen, text: 'sotu' };
  res.eval = { tokens: evalIds.length, text: 'moby-dick (first tokens)', window: 256 };

  // 1. Importance pass time vs one plain forward over the same tokens (after a warm-up forward; best of `repeats`).
  const plainPass = (): void => {
    for (const b of calib) tf.tidy(() => { forward(spec, params, tf.tensor2d(b, [b.length, seqLen], 'int32')).dataSync(); });
  };
  tf.tidy(() => { forward(spec, params, tf.tensor2d([calib[0][0]], [1, seqLen], 'int32')).dataSync(); });
  const plainRuns: number[] = [];
  const impRuns: number[] = [];
  let report: ImportanceReport | null = null;
  for (let r = 0; r < (parts.has('timing') ? Number(v.repeats) : 1); r++) {
    let t = Date.now();
    plainPass();
    plainRuns.push(Date.now() - t);
    t = Date.now();
    report = await estimateImportance(model, calib, { depth: ['bi'] });
    impRuns.push(Date.now() - t);
  }
  res.timing = {
    plainForwardMs: Math.min(...plainRuns), importancePassMs: Math.min(...impRuns), plainRuns, impRuns,
    ratio: Math.min(...impRuns) / Math.min(...plainRuns), tokens: calib.length * 2 * seqLen,
  };
  if (parts.has('timing')) { log('timing', res.timing); save(); } else delete res.timing;
  if (report === null) throw new Error('--repeats must be at least 1');

  // 2. Baseline and width pruning (hidden and MLP by the same fraction; heads kept, as Minitron-4B-Width).
  res.baselinePpl = await ppl();
  res.baselineParams = paramCount(spec);
  log('baseline ppl', res.baselinePpl);
  save();
  const evalPlan = async (rep: ImportanceReport | null, targets: PlanTargets): Promise<{ ppl: number; params: number; layers?: number[] }> => {
    const plan = planFromTargets(spec, rep, targets);
    const small = slicePlan(spec, params, plan);
    try {
      return { ppl: await ppl(small.spec, small.params), params: paramCount(small.spec), layers: targets.numLayers ? plan.keep.layers : undefined };
    } finally { disposeParams(small.params); }
  };
  const width: Record<string, Record<string, unknown>> = {};
  res.width = width;
  const reports: Record<string, ImportanceReport> = { activation: report, random: randomReport(spec, 1), magnitude: magnitudeReport(spec, params) };
  for (const frac of parts.has('width') ? [0.25, 0.5] : []) {
    const hidden = Math.round((spec.hiddenSize * (1 - frac)) / spec.numHeads) * spec.numHeads; // loadable by transformers
    const ffn = Math.round((spec.ffnHiddenSize * (1 - frac)) / 64) * 64;
    width[`${frac * 100}%`] = { hidden, ffn };
    for (const [name, rep] of Object.entries(reports)) {
      const r = await evalPlan(rep, { hiddenSize: hidden, ffnHiddenSize: ffn });
      width[`${frac * 100}%`][name] = r;
      log('width', frac, name, r);
      save();
    }
  }

  // 2b. (optional) 25% of one axis at a time: which axis loses most.
  if (parts.has('axes')) {
    const axes: Record<string, PlanTargets> = {
      hidden: { hiddenSize: Math.round((spec.hiddenSize * 0.75) / spec.numHeads) * spec.numHeads },
      ffn: { ffnHiddenSize: Math.round((spec.ffnHiddenSize * 0.75) / 64) * 64 },
      heads: { numHeads: spec.numHeads - spec.numKvHeads },
    };
    const per: Record<string, Record<string, unknown>> = {};
    res.perAxis25 = per;
    for (const [axis, targets] of Object.entries(axes)) {
      per[axis] = { targets };
      // For heads also keep the LOWEST activation scores (a check of the head criterion's direction).
      const inverted = { ...report, heads: report.heads!.map((h) => h.map((x) => -x)) };
      for (const [name, rep] of Object.entries(axis === 'heads' ? { ...reports, 'activation-lowest': inverted } : reports)) {
        per[axis][name] = await evalPlan(rep, targets);
        log('axis', axis, name, per[axis][name]);
        save();
      }
    }
  }

  if (!parts.has('depth')) { res.finished = new Date().toISOString(); save(); return; }
  // 3. Depth pruning of equal size: drop `drop` layers by PPL-drop, by BI, and the best contiguous block.
  const drop = Number(v.drop);
  const dcal = calibrationBatches(sotuText(), (s) => tok.encode(s), { samples: Number(v['depth-samples']), seqLen: Number(v['depth-seq-len']), batchSize: 1, seed: 11 });
  const keep = spec.numLayers - drop;
  const depth: Record<string, unknown> = { drop, calibration: { samples: dcal.length, seqLen: Number(v['depth-seq-len']) } };
  res.depth = depth;
  const t = Date.now();
  const pplDrop = pplWithout(spec, params, dcal, Array.from({ length: spec.numLayers }, (_, l) => [l]), (i) => log('ppl-drop layer', i));
  depth.pplScores = pplDrop;
  depth.pplScoreMs = Date.now() - t;
  save();
  const blocks = pplWithout(spec, params, dcal, contiguousWindows(spec.numLayers, drop), (i) => log('window', i));
  depth.blockScores = blocks;
  save();
  const depthRep: ImportanceReport = { ...report, layers: { ppl: pplDrop, bi: report.layers!.bi }, blocks: { k: drop, metric: 'ppl', scores: blocks } };
  for (const metric of ['ppl', 'bi', 'block']) {
    const r = await evalPlan(depthRep, { numLayers: keep, depthMetric: metric });
    depth[metric] = r;
    log('depth', metric, r);
    save();
  }
  res.finished = new Date().toISOString();
  save();
  log('done', v.out);
})();
