import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../src/backend/gradients.js';
import { loadNativeAddon } from '../src/backend/native_addon.js';
import { installNativeKernels } from '../src/backend/native_kernels.js';
import { TINY_DEFAULT, tinyWeights, distillStep, adamW } from '../bench/tiny_model.js';
(async () => {
  await tf.setBackend('cpu'); (tf.backend() as any).firstUse = false;
  installNativeKernels(loadNativeAddon().addon!);
  const c = TINY_DEFAULT;
  const wt = tinyWeights(c, 1), ws = tinyWeights(c, 2);
  const teacher: Record<string, tf.Tensor> = {}, student: Record<string, tf.Variable> = {};
  for (const [k, v] of wt) teacher[k] = tf.tensor(v.data, v.shape);
  for (const [k, v] of ws) student[k] = tf.variable(tf.tensor(v.data, v.shape), true, 's_' + k);
  const opt = adamW(Object.values(student));
  const ids = tf.tensor2d(Array.from({ length: 8 * 128 }, (_, i) => (i * 7919) % c.vocab), [8, 128], 'int32');
  for (let i = 0; i < 2; i++) { const t0 = performance.now(); const l = distillStep(c, teacher, student, opt, ids); console.log('step', l, (performance.now() - t0).toFixed(0), 'ms'); }
  const prof = await tf.profile(() => { distillStep(c, teacher, student, opt, ids); });
  const agg = new Map<string, [number, number]>();
  for (const k of prof.kernels) { const a = agg.get(k.name) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(k.name, a); }
  const rows = [...agg].sort((a, b) => b[1][0] - a[1][0]);
  let tot = 0; for (const r of rows) tot += r[1][0];
  console.log('total kernel ms', tot.toFixed(0));
  for (const [n, [ms, cnt]] of rows.slice(0, 25)) console.log(n.padEnd(22), ms.toFixed(1).padStart(8), cnt);
  if (process.argv.includes('--shapes')) {
    const mm = new Map<string, [number, number]>();
    for (const k of prof.kernels) {
      if (k.name !== 'BatchMatMul') continue;
      const key = JSON.stringify(k.inputShapes) + ' -> ' + JSON.stringify(k.outputShapes);
      const a = mm.get(key) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; mm.set(key, a);
    }
    for (const [n, [ms, cnt]] of [...mm].sort((a, b) => b[1][0] - a[1][0])) console.log(ms.toFixed(1).padStart(7), String(cnt).padStart(3), n);
  }
})();
