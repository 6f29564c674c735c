import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../src/backend/gradients.js';
import { loadNativeAddon } from '../src/backend/native_addon.js';
import { installNativeKernels } from '../src/backend/native_kernels.js';
import { printKernelProfile } from './kernel_profile.js';
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
  printKernelProfile(prof, { top: 25, shapes: process.argv.includes('--shapes') });
})();
