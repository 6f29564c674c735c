/**
 * AdamW (decoupled weight decay, bias correction; the same arithmetic as torch.optim.AdamW) and
 * gradient clipping by global norm, over a name → tf.Variable map.
 */
import { MinitronError } from '../errors.js';
import * as tf from '@tensorflow/tfjs-core';
import { fusedAdamW } from '../backend/fused_ops.js';

/** Raised on invalid optimiser inputs or state. */
export class OptimError extends MinitronError {
}

/** AdamW hyper-parameters (lr is passed per step by the schedule). */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Which variables get weight decay; default: every tensor of rank >= 2 (not norms or biases). */
  decay: (name: string, v: tf.Variable) => boolean;
}

/** Defaults: betas (0.9, 0.95), eps 1e-8, weight decay 0.01 on matrices only. */
export const DEFAULT_ADAMW_OPTIONS: AdamWOptions = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.01,
  decay: (_name, v) => v.rank >= 2,
};

/** Serialisable optimiser state: step count and first/second moments by variable name. */
export interface AdamWState {
  step: number;
  m: Record<string, tf.Tensor>;
  v: Record<string, tf.Tensor>;
}

/**
 * AdamW over named variables; `step(grads, lr)` updates them in place.
 * @example const opt = new AdamW(vars, { weightDecay: 0.1 }); opt.step(grads, 1e-3); opt.dispose();
 */
export class AdamW {
  readonly opts: AdamWOptions;
  private t = 0;
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};

  constructor(private readonly vars: Record<string, tf.Variable>, opts: Partial<AdamWOptions> = {}) {
    this.opts = { ...DEFAULT_ADAMW_OPTIONS, ...opts };
    for (const [name, x] of Object.entries(vars)) {
      const z = tf.zerosLike(x);
      this.m[name] = tf.variable(z, false);
      this.v[name] = tf.variable(z, false);
      z.dispose();
    }
  }

  /** Number of steps taken. */
  get stepCount(): number {
    return this.t;
  }

  /** One update with gradients by variable name (missing names are skipped) at learning rate lr. */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.opts;
    for (const name of Object.keys(grads)) {
      if (!(name in this.vars)) throw new OptimError(`optim: gradient for unknown variable '${name}'`);
    }
    this.t += 1;
    for (const [name, p] of Object.entries(this.vars)) {
      const g = grads[name];
      if (g === undefined) continue;
      if (g.shape.join() !== p.shape.join()) throw new OptimError(`optim: gradient '${name}' has shape [${g.shape}], variable has [${p.shape}]`);
      const decay = wd !== 0 && this.opts.decay(name, p) ? wd : 0;
      // One native pass per variable where available; the same arithmetic in tfjs ops elsewhere.
      fusedAdamW(p, g, this.m[name] as tf.Variable, this.v[name] as tf.Variable, { lr, beta1: b1, beta2: b2, eps, weightDecay: decay, step: this.t });
    }
  }

  /** Current state (the tensors are the optimiser's own: read, do not dispose). */
  state(): AdamWState {
    return { step: this.t, m: { ...this.m }, v: { ...this.v } };
  }

  /** Replaces the state with copies of a saved one (shapes must match the variables). */
  loadState(s: AdamWState): void {
    if (!Number.isInteger(s.step) || s.step < 0) throw new OptimError(`optim: state step must be an integer >= 0, got ${s.step}`);
    for (const [name, p] of Object.entries(this.vars)) {
      for (const [key, src, dst] of [['m', s.m, this.m], ['v', s.v, this.v]] as const) {
        const x = src[name];
        if (x === undefined) throw new OptimError(`optim: state is missing ${key}['${name}']`);
        if (x.shape.join() !== p.shape.join()) throw new OptimError(`optim: state ${key}['${name}'] has shape [${x.shape}], variable has [${p.shape}]`);
        (dst[name] as tf.Variable).assign(x);
      }
    }
    this.t = s.step;
  }

  /** Frees the moment tensors (not the variables). */
  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}

/**
 * Global L2 norm of all gradients; when it exceeds maxNorm, returns gradients scaled by maxNorm/(norm+1e-6)
 * (torch.nn.utils.clip_grad_norm_). Returns new tensors the caller disposes; maxNorm <= 0 or Infinity disables clipping.
 * @example const { grads: g2, norm } = clipByGlobalNorm(grads, 1.0);
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = globalNorm(grads);
  const coef = clipCoefficient(norm, maxNorm);
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) out[n] = coef === 1 ? tf.clone(grads[n] as tf.Tensor) : tf.mul(grads[n] as tf.Tensor, coef);
  return { grads: out, norm };
}

/** Global L2 norm of a set of gradients (NaN/Infinity when any gradient is).
 * @example const n = globalNorm({ a: tf.tensor1d([3, 4]) }); // 5 */
export function globalNorm(grads: Record<string, tf.Tensor>): number {
  const names = Object.keys(grads);
  if (names.length === 0) return 0;
  return tf.tidy(() => {
    const sq = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
    return tf.sqrt(tf.addN(sq)).dataSync()[0] as number;
  });
}

/** The factor clipping applies for a norm: min(1, maxNorm / (norm + 1e-6)); 1 when maxNorm <= 0 or infinite.
 * @example clipCoefficient(10, 1) // ~0.1 */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return maxNorm > 0 && Number.isFinite(maxNorm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
}
