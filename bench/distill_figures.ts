/**
 * Figures for the distillation note: SmolLM2-135M as teacher, a student made by slicing (first half of the
 * MLP neurons in every layer, or dropping layers), Moby Dick perplexity before retraining, after N steps of KD
 * and after the same N steps of CE-only training on State of the Union text, with tokens/s.
 *
 *   node --import tsx bench/distill_figures.ts [--steps 20] [--batch 4] [--seq-len 128] [--lr 3e-4]
 *        [--ffn-keep 0.5] [--drop-layers 0] [--eval-tokens 4096] [--skip-teacher] [--out bench/out/distill_figures.json]
 * MINITRON_BACKEND=cpu|wasm picks the backend (default: the library's choice).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/index.js';
import { loadModel } from '../src/io/checkpoint.js';
import { perplexityOfIds } from '../src/eval/perplexity.js';
import { mobyDickText, sotuText } from '../src/data/corpus.js';
import { distill, type DistillResult } from '../src/distill/trainer.js';
import type { ModelSpec, Params } from '../src/types.js';
import { parseArgs } from 'node:util';
import { intFlag, numFlag } from '../src/cli/flags.js';

/** Keeps the first `keep` MLP neurons of every layer (a naive slice, no importance ranking). */
function sliceFfn(spec: ModelSpec, params: Params, keep: number): { spec: ModelSpec; params: Params } {
  const out: Params = {};
  for (const [n, t] of Object.entries(params)) {
    if (/mlp\.(gate|up)_proj\.weight$/.test(n)) out[n] = tf.slice(t, [0, 0], [keep, t.shape[1] as number]);
    else if (/mlp\.down_proj\.weight$/.test(n)) out[n] = tf.slice(t, [0, 0], [t.shape[0] as number, keep]);
    else out[n] = tf.clone(t);
  }
  return { spec: { ...spec, ffnHiddenSize: keep }, params: out };
}

/** Drops the given layers (renumbering the rest). */
function dropLayers(spec: ModelSpec, params: Params, drop: number[]): { spec: ModelSpec; params: Params } {
  const keep = Array.from({ length: spec.numLayers }, (_, i) => i).filter((i) => !drop.includes(i));
  const out: Params = {};
  for (const [n, t] of Object.entries(params)) {
    const m = /^model\.layers\.(\d+)\.(.*)$/.exec(n);
    if (!m) out[n] = t;
    else if (keep.includes(Number(m[1]))) out[`model.layers.${keep.indexOf(Number(m[1]))}.${m[2]}`] = t;
    else t.dispose();
  }
  return { spec: { ...spec, numLayers: keep.length }, params: out };
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ args: process.argv.slice(2), options: {
    steps: { type: 'string' }, batch: { type: 'string' }, 'seq-len': { type: 'string' }, lr: { type: 'string' }, 'ffn-keep': { type: 'string' },
    'drop-layers': { type: 'string' }, 'eval-tokens': { type: 'string' }, out: { type: 'string' }, 'skip-teacher': { type: 'boolean' },
  } });
  const steps = intFlag('--steps', v.steps, 20);
  const batch = intFlag('--batch', v.batch, 4);
  const seqLen = intFlag('--seq-len', v['seq-len'], 128);
  const lr = numFlag('--lr', v.lr, 3e-4);
  const ffnKeep = numFlag('--ffn-keep', v['ffn-keep'], 0.5);
  const dropN = intFlag('--drop-layers', v['drop-layers'], 0, 0);
  const evalTokens = intFlag('--eval-tokens', v['eval-tokens'], 4096);
  const outFile = v.out ?? 'bench/out/distill_figures.json';
  const backend = await selectBackend();
  const log = (s: string): void => console.log(`[distill_figures] ${s}`);
  log(`backend ${backend.name}; steps ${steps} batch ${batch} seqLen ${seqLen} lr ${lr} ffnKeep ${ffnKeep} dropLayers ${dropN}`);

  const teacher = await loadModel(path.resolve(__dirname, '../.cache/models/smollm2-135m'));
  const tok = teacher.tokenizer!;
  const evalIds = tok.encode(mobyDickText().slice(0, evalTokens * 8)).slice(0, evalTokens);
  const trainIds = tok.encode(sotuText().slice(0, steps * batch * seqLen * 8)).slice(0, Math.max(steps * batch * seqLen, 4 * seqLen));
  const ppl = async (spec: ModelSpec, params: Params): Promise<{ ppl: number; sec: number }> => {
    const t0 = Date.now();
    const r = await perplexityOfIds(spec, params, evalIds, { seqLen: 256, stride: 256, batch: 2 });
    return { ppl: r.ppl, sec: (Date.now() - t0) / 1000 };
  };
  const make = (): { spec: ModelSpec; params: Params } => {
    let s = sliceFfn(teacher.spec, teacher.params, Math.round(teacher.spec.ffnHiddenSize * ffnKeep));
    if (dropN > 0) {
      const L = s.spec.numLayers; // drop dropN layers from the upper-middle, keep the first 4 and last 2 (Shortened LLaMA habit)
      const drop = Array.from({ length: dropN }, (_, i) => L - 3 - i);
      s = dropLayers(s.spec, s.params, drop);
    }
    return s;
  };
  const result: Record<string, unknown> = { backend: backend.name, steps, batch, seqLen, lr, ffnKeep, dropLayers: dropN, evalTokens, trainTokens: trainIds.length };
  if (!v['skip-teacher']) {
    const tp = await ppl(teacher.spec, teacher.params);
    log(`teacher ppl ${tp.ppl.toFixed(3)} (${(evalIds.length / tp.sec).toFixed(0)} tok/s eval)`);
    result.teacherPpl = tp.ppl;
  }
  const s0 = make();
  const sp = await ppl(s0.spec, s0.params);
  log(`student before retraining: ppl ${sp.ppl.toFixed(3)}, ffn ${s0.spec.ffnHiddenSize}, layers ${s0.spec.numLayers}`);
  result.studentPplBefore = sp.ppl;
  tf.dispose(Object.values(s0.params));

  for (const mode of ['kd', 'ce'] as const) {
    const s = make();
    const t0 = Date.now();
    const r: DistillResult = await distill({
      mode, teacher: mode === 'kd' ? teacher : null, student: s, data: trainIds, steps, batch, seqLen, lr, minLr: lr / 10,
      warmup: Math.max(1, Math.floor(steps / 10)), seed: 0,
      onStep: (row) => log(`${mode} step ${row.step}/${steps} loss ${row.loss.toFixed(4)} tok/s ${(row.tokensPerSec ?? 0).toFixed(0)}`),
    });
    const sec = (Date.now() - t0) / 1000;
    const after = await ppl(s.spec, r.params);
    const tokS = (steps * batch * seqLen) / sec;
    log(`${mode}: ppl after ${steps} steps ${after.ppl.toFixed(3)}; ${tokS.toFixed(1)} train tok/s`);
    result[mode] = { pplAfter: after.ppl, trainTokensPerSec: tokS, seconds: sec, losses: r.rows.map((x) => x.loss) };
    tf.dispose([...Object.values(r.params), ...Object.values(s.params)]);
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(result, null, 1));
  log(`wrote ${outFile}`);
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
