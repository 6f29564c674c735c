/**
 * A small llama-style decoder (RMSNorm, causal MHA without RoPE, SwiGLU MLP, tied embeddings) written with
 * tfjs ops and the library's fused layers, plus a distillation train step (teacher forward, student forward+backward, AdamW). The same
 * model is written in PyTorch in bench/torch_ref.py; both read the same weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { klDivLogits, fusedAdamW } from '../src/backend/fused_ops.js';
import { causalAttention, rmsNorm, siluMul } from '../src/backend/fused_layers.js';

/** Shapes of the bench model. */
export interface TinyConfig { vocab: number; dim: number; layers: number; heads: number; ffn: number; eps: number }

/** The bench's 2-layer D256 configuration. */
export const TINY_DEFAULT: TinyConfig = { vocab: 512, dim: 256, layers: 2, heads: 4, ffn: 1024, eps: 1e-5 };

/** Ordered parameter names and shapes ([out, in] for projections, like HF). */
export function tinyParamShapes(c: TinyConfig): [string, number[]][] {
  const out: [string, number[]][] = [['embed', [c.vocab, c.dim]]];
  for (let l = 0; l < c.layers; l++) {
    out.push([`l${l}.ln1`, [c.dim]], [`l${l}.wq`, [c.dim, c.dim]], [`l${l}.wk`, [c.dim, c.dim]], [`l${l}.wv`, [c.dim, c.dim]],
      [`l${l}.wo`, [c.dim, c.dim]], [`l${l}.ln2`, [c.dim]], [`l${l}.wg`, [c.ffn, c.dim]], [`l${l}.wu`, [c.ffn, c.dim]],
      [`l${l}.wd`, [c.dim, c.ffn]]);
  }
  out.push(['norm', [c.dim]]);
  return out;
}

/** Deterministic weights (seeded normal, std 0.02; norms = 1) as plain Float32Arrays. */
export function tinyWeights(c: TinyConfig, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  tinyParamShapes(c).forEach(([name, shape], i) => {
    const data = name.includes('ln') || name === 'norm'
      ? new Float32Array(shape[0]).fill(1)
      : tf.tidy(() => tf.randomNormal(shape, 0, 0.02, 'float32', seed * 1000 + i).dataSync() as Float32Array);
    m.set(name, { shape, data });
  });
  return m;
}

/** Logits [B*T, V] of the model for ids [B, T], built from the library's fused layers (src/backend/fused_layers.ts). */
export function tinyForward(c: TinyConfig, p: Record<string, tf.Tensor>, ids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const hd = c.dim / c.heads;
    let x = tf.reshape(tf.gather(p.embed, tf.reshape(ids, [-1])), [B * T, c.dim]); // [B*T, D]
    const heads = (t: tf.Tensor) => tf.reshape(t, [B, T, c.heads, hd]) as tf.Tensor4D; // [B, T, H, hd]
    for (let l = 0; l < c.layers; l++) {
      const h = rmsNorm(x, p[`l${l}.ln1`], c.eps); // [B*T, D]
      const q = heads(tf.matMul(h, p[`l${l}.wq`], false, true));
      const k = heads(tf.matMul(h, p[`l${l}.wk`], false, true));
      const v = heads(tf.matMul(h, p[`l${l}.wv`], false, true));
      const ctx = tf.reshape(causalAttention(q, k, v), [B * T, c.dim]); // [B*T, D]
      x = tf.add(x, tf.matMul(ctx, p[`l${l}.wo`], false, true));
      const h2 = rmsNorm(x, p[`l${l}.ln2`], c.eps);
      const a = siluMul(tf.matMul(h2, p[`l${l}.wg`], false, true), tf.matMul(h2, p[`l${l}.wu`], false, true)); // [B*T, F]
      x = tf.add(x, tf.matMul(a, p[`l${l}.wd`], false, true));
    }
    return tf.matMul(rmsNorm(x, p.norm, c.eps), p.embed, false, true) as tf.Tensor2D; // [B*T, V]
  });
}

/** Mean over tokens of KL(p_teacher || p_student) at temperature 1, with plain tfjs ops (klDivLogits is the fused version). */
export function klLoss(teacherLogits: tf.Tensor2D, studentLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const lt = tf.logSoftmax(teacherLogits), ls = tf.logSoftmax(studentLogits); // [N, V]
    return tf.mean(tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)), -1));
  });
}

/** AdamW state and hyper-parameters (torch.optim.AdamW semantics). */
export interface AdamW { lr: number; beta1: number; beta2: number; eps: number; wd: number; step: number; m: tf.Variable[]; v: tf.Variable[] }

/** Fresh AdamW state for the given variables. */
export function adamW(vars: tf.Variable[], lr = 1e-3, wd = 0.01): AdamW {
  return { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd, step: 0,
    m: vars.map((v) => tf.variable(tf.zerosLike(v), false)), v: vars.map((v) => tf.variable(tf.zerosLike(v), false)) };
}

/** Applies one AdamW update in place (torch.optim.AdamW semantics: decoupled weight decay), fused where native. */
export function adamWUpdate(opt: AdamW, vars: tf.Variable[], grads: tf.NamedTensorMap): void {
  opt.step++;
  vars.forEach((p, i) => fusedAdamW(p, grads[p.name], opt.m[i], opt.v[i],
    { lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, weightDecay: opt.wd, step: opt.step }));
}

/** One distillation step: teacher forward, student forward+backward, AdamW; returns the loss before the update. */
export function distillStep(c: TinyConfig, teacher: Record<string, tf.Tensor>, student: Record<string, tf.Variable>,
  opt: AdamW, ids: tf.Tensor2D): number {
  const vars = Object.values(student);
  const tl = tinyForward(c, teacher, ids); // [N, V]
  const { value, grads } = tf.variableGrads(() => klDivLogits(tl, tinyForward(c, student, ids)), vars);
  adamWUpdate(opt, vars, grads);
  const loss = value.dataSync()[0];
  tf.dispose([tl, value, grads]);
  return loss;
}
