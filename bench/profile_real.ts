/**
 * Phase times of three real-model distillation steps (teacher SmolLM2-135M, half-width student, KL, AdamW) and,
 * with --kernels, the per-kernel and per-matmul-shape times of a fourth:
 *   node --import tsx bench/profile_real.ts [B] [T] [--kernels]
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/index.js';
import { realDistillStep, type DistillPhases } from './rows.js';
import { printKernelProfile } from './kernel_profile.js';

(async () => {
  await selectBackend('auto', { log: false });
  const B = Number(process.argv[2] ?? 8), T = Number(process.argv[3] ?? 256);
  const d = await realDistillStep(B, T);
  const phase: DistillPhases = { teacher: 0, studentFwdBwd: 0, adamw: 0 };
  const step = () => { d.step(phase); };
  for (let i = 0; i < 3; i++) {
    step();
    console.log('phases (ms)', JSON.stringify(Object.fromEntries(Object.entries(phase).map(([k, v]) => [k, Math.round(v)]))));
  }
  if (!process.argv.includes('--kernels')) return;
  const prof = await tf.profile(step);
  printKernelProfile(prof, { top: 20, shapes: true });
})();
