/**
 * Seeded batch sampler over a token stream: non-overlapping windows of seqLen tokens, visited in a
 * shuffled order per epoch. Its whole position (epoch, cursor, RNG state) is plain JSON for checkpoints.
 */
import { DataError } from '../errors.js';
import { Rng } from '../data/rng.js';

/** Raised on invalid data or sampler state. */
export class DistillDataError extends DataError {
}

/** Saved position of a sampler. */
export interface SamplerState {
  epoch: number;
  /** Windows already taken in this epoch. */
  cursor: number;
  /** RNG state at the start of this epoch (regenerates the epoch's order). */
  epochRng: number;
  /** RNG state now (the next epoch's order is drawn from it). */
  rng: number;
}

/**
 * Shuffled window sampler; `next(b)` returns b windows as one Int32Array [b * seqLen].
 * @example const s = new WindowSampler(ids, 128, 0); const batch = s.next(8); const saved = s.state;
 */
export class WindowSampler {
  readonly windows: number;
  private order: number[] = [];
  private st: SamplerState;

  constructor(private readonly ids: ArrayLike<number>, readonly seqLen: number, seed: number, state?: SamplerState) {
    if (!Number.isInteger(seqLen) || seqLen < 2) throw new DistillDataError(`data: seqLen must be an integer >= 2, got ${seqLen}`);
    this.windows = Math.floor(ids.length / seqLen);
    if (this.windows < 1) throw new DistillDataError(`data: ${ids.length} tokens are fewer than one window of seqLen ${seqLen}`);
    if (state) {
      for (const k of ['epoch', 'cursor', 'epochRng', 'rng'] as const) {
        if (!Number.isInteger(state[k]) || state[k] < 0) throw new DistillDataError(`data: sampler state field '${k}' must be an integer >= 0, got ${state[k]}`);
      }
      if (state.cursor > this.windows) throw new DistillDataError(`data: sampler state cursor ${state.cursor} exceeds ${this.windows} windows`);
      this.st = { ...state };
      this.order = this.drawOrder(state.epochRng).order;
    } else {
      const r = new Rng(seed);
      this.st = { epoch: 0, cursor: 0, epochRng: r.state, rng: 0 };
      const d = this.drawOrder(r.state);
      this.order = d.order;
      this.st.rng = d.after;
    }
  }

  private drawOrder(rngState: number): { order: number[]; after: number } {
    const r = Rng.fromState(rngState);
    const order = r.shuffle(Array.from({ length: this.windows }, (_, i) => i));
    return { order, after: r.state };
  }

  /** Current position (a copy). */
  get state(): SamplerState {
    return { ...this.st };
  }

  /** The next b windows (wrapping into a new shuffled epoch when needed) as [b * seqLen] int32. */
  next(b: number): Int32Array {
    const out = new Int32Array(b * this.seqLen);
    this.nextWindows(b).forEach((w, i) => {
      for (let j = 0; j < this.seqLen; j++) out[i * this.seqLen + j] = this.ids[w * this.seqLen + j] as number;
    });
    return out;
  }

  /** The indices of the next b windows (window w = tokens [w·seqLen, (w+1)·seqLen)); next(b) reads the same ones. */
  nextWindows(b: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < b; i++) {
      if (this.st.cursor >= this.windows) {
        const d = this.drawOrder(this.st.rng);
        this.st = { epoch: this.st.epoch + 1, cursor: 0, epochRng: this.st.rng, rng: d.after };
        this.order = d.order;
      }
      out.push(this.order[this.st.cursor] as number);
      this.st.cursor += 1;
    }
    return out;
  }
}

/** Token ids from an id array, or from text and a tokenizer.
 * @example const ids = toIds({ text, tokenizer }); */
export function toIds(data: ArrayLike<number> | { text: string; tokenizer: { encode(text: string): number[] } }, vocabSize?: number): Int32Array {
  const ids = 'text' in data ? Int32Array.from(data.tokenizer.encode(data.text)) : Int32Array.from(data as ArrayLike<number>);
  if (vocabSize !== undefined) {
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i] as number;
      if (v < 0 || v >= vocabSize) throw new DistillDataError(`data: token id ${v} at position ${i} is outside the vocabulary [0, ${vocabSize})`);
    }
  }
  return ids;
}
