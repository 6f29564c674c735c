/**
 * Greedy decoding for demos (recomputes the full sequence each step; no KV cache).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { forward } from './forward.js';
import { checkTokenIds } from '../io/tokenizer.js';
import { UsageError } from '../errors.js';

/** Options of generate. */
export interface GenerateOptions {
  readonly maxNewTokens: number;
  /** Stop at this token (default: the spec's eos). */
  readonly stopToken: number | null;
}
export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = { maxNewTokens: 20, stopToken: null };

/**
 * Greedy continuation of prompt ids; returns only the new ids.
 * @example const ids = await generate(spec, params, tok.encode('Call me'), { maxNewTokens: 10 });
 */
export async function generate(spec: ModelSpec, params: Params, prompt: number[], options: Partial<GenerateOptions> = {}): Promise<number[]> {
  const o = { ...DEFAULT_GENERATE_OPTIONS, ...options };
  if (prompt.length === 0) throw new UsageError('generate: the prompt has no token; expected at least one id (e.g. the BOS token)');
  checkTokenIds(prompt, spec.vocabSize, 'generate prompt');
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0) throw new UsageError(`generate: maxNewTokens must be an integer >= 0, got ${o.maxNewTokens}`);
  const stop = o.stopToken ?? spec.eosTokenId;
  const seq = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < o.maxNewTokens; i++) {
    const ctx = seq.slice(-spec.maxPositions);
    const next = tf.tidy(() => {
      const logits = forward(spec, params, tf.tensor2d(ctx, [1, ctx.length], 'int32')); // [1, T, V]
      return tf.argMax(tf.reshape(tf.slice(logits, [0, ctx.length - 1, 0], [1, 1, spec.vocabSize]), [-1]));
    });
    const id = (await next.data())[0];
    next.dispose();
    out.push(id);
    seq.push(id);
    if (stop !== null && id === stop) break;
  }
  return out;
}
