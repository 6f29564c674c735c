/**
 * The library's one seeded PRNG (mulberry32) whose whole state is one uint32, so it can be saved in a checkpoint and
 * restored exactly. Used by calibration sampling, the distillation window sampler and the random importance baseline.
 */
import { DataError } from '../errors.js';

/** Seeded generator of uniform floats in [0, 1), integers and normals.
 * @example const r = new Rng(42); const i = r.int(10); const s = r.state; const r2 = Rng.fromState(s); */
export class Rng {
  private s: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new DataError(`rng: seed must be a finite number, got ${seed}`);
    this.s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Restores a generator from a saved `state`.
   * @example const r = Rng.fromState(saved); */
  static fromState(state: number): Rng {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new DataError(`rng: state must be a uint32, got ${state}`);
    const r = new Rng(0);
    r.s = state;
    return r;
  }

  /** The current state (a uint32). */
  get state(): number {
    return this.s;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i] as T;
      a[i] = a[j] as T;
      a[j] = tmp;
    }
    return a;
  }
}
