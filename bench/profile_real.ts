/**
 * Per-kernel time of one real-model distillation step (teacher SmolLM2-135M, half-width student, KL, AdamW):
 *   node --import tsx bench/profile_real.ts [B] [T]
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/index.js';
import { loadModel } from '../src/io/checkpoint.js';
import { forward } from '../src/model/forward.js';
import { klDivLogits } from '../src/backend/fused_ops.js';
import { adamW, adamWUpdate } from './tiny_model.js';
import { benchIds, halfWidth, REAL_MODEL_DIR } from './rows.js';
import type { Params } from '../src/types.js';

(async () => {
  if (process.env.GCFLAG) (await import('node:v8')).setFlagsFromString(process.env.GCFLAG);
  await selectBackend('auto', { log: false });
  const B = Number(process.argv[2] ?? 8), T = Number(process.argv[3] ?? 256);
  const m = await loadModel(REAL_MODEL_DIR);
  const st = halfWidth(m.spec, m.params);
  const names = Object.keys(st.params);
  const vars = names.map((n) => tf.variable(st.params[n], true, `student.${n}`));
  const sp: Params = Object.fromEntries(names.map((n, i) => [n, vars[i]]));
  const opt = adamW(vars, 1e-4, 0.01);
  const ids = tf.tensor2d(benchIds(B, T, m.spec.vocabSize), [B, T], 'int32');
  const V = m.spec.vocabSize;
  const phase: Record<string, number> = {};
  const step = () => {
    let t0 = performance.now();
    const tl = tf.tidy(() => tf.reshape(forward(m.spec, m.params, ids), [B * T, V]) as tf.Tensor2D);
    phase.teacher = performance.now() - t0; t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => klDivLogits(tl, tf.reshape(forward(st.spec, sp, ids), [B * T, V])), vars);
    phase.studentFwdBwd = performance.now() - t0; t0 = performance.now();
    adamWUpdate(opt, vars, grads);
    phase.adamw = performance.now() - t0;
    tf.dispose([tl, value, grads]);
  };
  for (let i = 0; i < 3; i++) {
    step();
    console.log('phases (ms)', JSON.stringify(Object.fromEntries(Object.entries(phase).map(([k, v]) => [k, Math.round(v)]))));
  }
  if (!process.argv.includes('--kernels')) return;
  console.log('phases (ms)', JSON.stringify(Object.fromEntries(Object.entries(phase).map(([k, v]) => [k, Math.round(v)]))));
  const prof = await tf.profile(step);
  const agg = new Map<string, [number, number]>();
  for (const k of prof.kernels) { const a = agg.get(k.name) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(k.name, a); }
  let tot = 0; for (const [, [ms]] of agg) tot += ms;
  console.log('kernel total ms', tot.toFixed(0));
  for (const [n, [ms, cnt]] of [...agg].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20)) console.log(n.padEnd(22), ms.toFixed(1).padStart(9), cnt);
  const mm = new Map<string, [number, number]>();
  for (const k of prof.kernels) {
    if (k.name !== 'BatchMatMul') continue;
    const key = JSON.stringify(k.inputShapes) + ' -> ' + JSON.stringify(k.outputShapes);
    const a = mm.get(key) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; mm.set(key, a);
  }
  console.log('BatchMatMul by shape: ms, calls, GFLOP/s, shapes');
  for (const [n, [ms, cnt]] of [...mm].sort((a, b) => b[1][0] - a[1][0]).slice(0, 16)) {
    const [[a, b], [o]] = [JSON.parse(n.split(' -> ')[0]) as number[][], JSON.parse(n.split(' -> ')[1]) as number[][]];
    const k = a.length === 2 && b.length === 2 ? (a[0] === o[0] ? a[1] : a[0]) : 0;
    const gf = (2 * o.reduce((p, q) => p * q, 1) * k * cnt) / ms / 1e6;
    console.log(ms.toFixed(0).padStart(6), String(cnt).padStart(4), gf.toFixed(0).padStart(5), n);
  }
})();
