/**
 * LM loss and perplexity. Perplexity follows transformers' "Perplexity of fixed-length models" guide: windows of
 * seqLen tokens advancing by stride; each window scores only the tokens not scored by the previous window.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { UsageError } from '../errors.js';
import type { LoadedModel } from '../io/checkpoint.js';
import { forward, type ForwardOptions } from '../model/forward.js';
import { nextTokenNll } from './nll.js';
import { checkTokenIds } from '../io/tokenizer.js';

/**
 * Per-position next-token NLL [B, T-1] for ids [B, T]: -log p(ids[:, t+1] | ids[:, ..t]).
 * @example const nll = tokenNll(spec, params, ids) // [B, T-1]
 */
export function tokenNll(spec: ModelSpec, params: Params, ids: tf.Tensor2D, options: Partial<ForwardOptions> = {}): tf.Tensor2D {
  return tf.tidy(() => nextTokenNll(forward(spec, params, ids, options), ids)); // [B, T-1]
}

/**
 * Mean next-token cross-entropy of ids [B, T] (a scalar, differentiable).
 * @example const loss = lmLoss(spec, params, ids); loss.dataSync()[0]
 */
export function lmLoss(spec: ModelSpec, params: Params, ids: tf.Tensor2D, options: Partial<ForwardOptions> = {}): tf.Scalar {
  return tf.tidy(() => tf.mean(tokenNll(spec, params, ids, options)) as tf.Scalar);
}

/** Options of perplexity. */
export interface PerplexityOptions {
  readonly seqLen: number;
  readonly stride: number;
  /** Truncate the tokenized text to this many tokens (0 = all). */
  readonly maxTokens: number;
  /** Windows evaluated per forward. */
  readonly batch: number;
  readonly forward: Partial<ForwardOptions>;
  readonly onProgress: ((done: number, total: number) => void) | null;
  /**
   * A beginning-of-sequence token id put before every window (null: none, the transformers perplexity guide's
   * layout). Models trained with one (Gemma) expect it; with it the first token of each window is scored too.
   */
  readonly bos: number | null;
}
export const DEFAULT_PERPLEXITY_OPTIONS: PerplexityOptions = { seqLen: 256, stride: 256, maxTokens: 0, batch: 4, forward: {}, onProgress: null, bos: null };

/** Result of perplexity. */
export interface PerplexityResult {
  readonly ppl: number;
  /** Mean NLL per scored token (nats). */
  readonly nll: number;
  /** Number of scored tokens. */
  readonly tokens: number;
}

/**
 * Windows [begin, end, scoredFrom] as the transformers guide lays them out; with `bos` (a BOS token before each window)
 * a window's first token is predicted too.
 */
export function perplexityWindows(n: number, seqLen: number, stride: number, bos = false): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let prevEnd = 0;
  for (let begin = 0; begin < n; begin += stride) {
    const end = Math.min(begin + seqLen, n);
    out.push([begin, end, Math.max(prevEnd, begin + (bos ? 0 : 1))]);
    prevEnd = end;
    if (end === n) break;
  }
  return out;
}

/**
 * Perplexity of token ids under a model (sliding windows, each token scored once).
 * @example const { ppl } = await perplexityOfIds(spec, params, ids, { seqLen: 256, stride: 128 });
 */
export async function perplexityOfIds(spec: ModelSpec, params: Params, ids: number[], options: Partial<PerplexityOptions> = {}): Promise<PerplexityResult> {
  const o = { ...DEFAULT_PERPLEXITY_OPTIONS, ...options };
  if (!(o.seqLen > 1) || !(o.stride > 0) || o.stride > o.seqLen) throw new UsageError(`perplexity: need seqLen > 1 and 0 < stride <= seqLen (got ${o.seqLen}, ${o.stride})`);
  const all = o.maxTokens > 0 ? ids.slice(0, o.maxTokens) : ids;
  if (all.length < 2) throw new UsageError(`perplexity: need at least 2 tokens, got ${all.length}`);
  checkTokenIds(all, spec.vocabSize, 'perplexity');
  if (o.bos !== null) checkTokenIds([o.bos], spec.vocabSize, 'perplexity (bos)');
  const windows = perplexityWindows(all.length, o.seqLen, o.stride, o.bos !== null);
  const pre = o.bos === null ? [] : [o.bos], shift = o.bos === null ? 1 : 0; // position t predicts token begin + t + shift
  let sum = 0, count = 0;
  for (let i = 0; i < windows.length; ) {
    // Batch consecutive windows of the same length.
    const len = windows[i][1] - windows[i][0];
    let j = i;
    while (j < windows.length && j - i < o.batch && windows[j][1] - windows[j][0] === len) j++;
    const group = windows.slice(i, j);
    const flat = group.flatMap(([b, e]) => [...pre, ...all.slice(b, e)]);
    const L = len + pre.length;
    const nll = tf.tidy(() => tokenNll(spec, params, tf.tensor2d(flat, [group.length, L], 'int32'), o.forward)); // [b, L-1]
    const data = await nll.data();
    nll.dispose();
    group.forEach(([b, e, from], g) => {
      // score the tokens with global index in [from, e)
      for (let t = from - b - shift; t < L - 1; t++) sum += data[g * (L - 1) + t];
      count += e - from;
    });
    i = j;
    o.onProgress?.(i, windows.length);
  }
  const nll = sum / count;
  return { ppl: Math.exp(nll), nll, tokens: count };
}

/**
 * Perplexity of a text under a loaded model (tokenized without special tokens).
 * @example const { ppl } = await perplexity(model, mobyDickText(), { seqLen: 256, stride: 256, maxTokens: 4096 });
 */
export async function perplexity(model: LoadedModel, text: string, options: Partial<PerplexityOptions> = {}): Promise<PerplexityResult> {
  if (!model.tokenizer) throw new UsageError(`perplexity: ${model.dir} has no tokenizer.json`);
  return perplexityOfIds(model.spec, model.params, model.tokenizer.encode(text), options);
}
