/**
 * A small llama-style decoder (RMSNorm, causal MHA without RoPE, SwiGLU MLP, tied embeddings) written with
 * tfjs ops, plus a distillation train step (teacher forward, student forward+backward, AdamW). The same
 * model is written in PyTorch in bench/torch_ref.py; both read the same weights.
 */
import * as tf from '@tensorflow/tfjs-core';

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

function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true); // [..., 1]
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
}

/** Logits [B*T, V] of the model for ids [B, T]. */
export function tinyForward(c: TinyConfig, p: Record<string, tf.Tensor>, ids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const hd = c.dim / c.heads;
    const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9)); // [T, T]
    let x = tf.reshape(tf.gather(p.embed, tf.reshape(ids, [-1])), [B * T, c.dim]); // [B*T, D]
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, c.heads, hd]), [0, 2, 1, 3]); // [B, H, T, hd]
    for (let l = 0; l < c.layers; l++) {
      const h = rmsNorm(x, p[`l${l}.ln1`], c.eps); // [B*T, D]
      const q = heads(tf.matMul(h, p[`l${l}.wq`], false, true));
      const k = heads(tf.matMul(h, p[`l${l}.wk`], false, true));
      const v = heads(tf.matMul(h, p[`l${l}.wv`], false, true));
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), mask)); // [B, H, T, T]
      const ctx = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B * T, c.dim]); // [B*T, D]
      x = tf.add(x, tf.matMul(ctx, p[`l${l}.wo`], false, true));
      const h2 = rmsNorm(x, p[`l${l}.ln2`], c.eps);
      const g = tf.matMul(h2, p[`l${l}.wg`], false, true); // [B*T, F]
      const u = tf.matMul(h2, p[`l${l}.wu`], false, true);
      const a = tf.mul(tf.mul(g, tf.sigmoid(g)), u);
      x = tf.add(x, tf.matMul(a, p[`l${l}.wd`], false, true));
    }
    return tf.matMul(rmsNorm(x, p.norm, c.eps), p.embed, false, true) as tf.Tensor2D; // [B*T, V]
  });
}

/** Mean over tokens of KL(p_teacher || p_student) at temperature 1. */
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

/** One distillation step: returns the loss before the update. */
export function distillStep(c: TinyConfig, teacher: Record<string, tf.Tensor>, student: Record<string, tf.Variable>,
  opt: AdamW, ids: tf.Tensor2D): number {
  const names = Object.keys(student);
  const vars = names.map((n) => student[n]);
  const tl = tinyForward(c, teacher, ids); // [N, V]
  const { value, grads } = tf.variableGrads(() => klLoss(tl, tinyForward(c, student, ids)), vars);
  opt.step++;
  const bc1 = 1 - opt.beta1 ** opt.step, bc2 = 1 - opt.beta2 ** opt.step;
  tf.tidy(() => {
    names.forEach((n, i) => {
      const g = grads[vars[i].name], p = vars[i];
      const m = tf.add(tf.mul(opt.m[i], opt.beta1), tf.mul(g, 1 - opt.beta1));
      const v = tf.add(tf.mul(opt.v[i], opt.beta2), tf.mul(tf.square(g), 1 - opt.beta2));
      opt.m[i].assign(m); opt.v[i].assign(v);
      const upd = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), opt.eps));
      p.assign(tf.sub(tf.mul(p, 1 - opt.lr * opt.wd), tf.mul(upd, opt.lr)));
    });
  });
  const loss = value.dataSync()[0];
  tf.dispose([tl, value, grads]);
  return loss;
}
