/** Multiple-choice tasks (JSONL: context, choices, label), scored by summed log-likelihood of the choice tokens as lm-eval does. */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { forward, type ForwardOptions } from '../model/forward.js';
import { MinitronError } from '../errors.js';
import { nllFromLogits } from '../eval/nll.js';
import type { McItem } from '../eval/tasks.js';

export type { McItem };

/** Anything with encode (the io Tokenizer fits). */
export interface Encoder {
  encode(text: string): number[];
}

/** A task line that cannot be used. */
export class McTaskError extends MinitronError {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`[mc-task ${file}:${line}] ${message}`);
  }
}

/**
 * Reads a JSONL task file and tokenises it like lm-eval (encode(context+choice), choice tokens = the part after encode(context)).
 * @example const items = loadMcTask('winogrande.jsonl', model.tokenizer!);
 */
export function loadMcTask(file: string, tok: Encoder): McItem[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const items: McItem[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let o: { context?: unknown; choices?: unknown; label?: unknown };
    try { o = JSON.parse(raw) as typeof o; } catch { throw new McTaskError(file, i + 1, 'not valid JSON'); }
    if (typeof o.context !== 'string' || !Array.isArray(o.choices) || o.choices.some((c) => typeof c !== 'string') ||
      typeof o.label !== 'number' || !Number.isInteger(o.label) || o.label < 0 || o.label >= o.choices.length) {
      throw new McTaskError(file, i + 1, 'expected {"context": string, "choices": string[], "label": integer index into choices}');
    }
    // lm-eval moves trailing spaces of the context to the continuation.
    const ctx = o.context.replace(/\s+$/, '');
    const moved = o.context.slice(ctx.length);
    const ctxIds = tok.encode(ctx);
    const choices = (o.choices as string[]).map((c) => tok.encode(ctx + moved + c).slice(ctxIds.length));
    items.push({ context: ctxIds, choices, label: o.label });
  });
  return items;
}

/**
 * Summed log-probability of each choice's tokens given the context: [item][choice].
 * @example mcLogLikelihoods(spec, params, items)[0] // [-9.9, -17.9, -6.2]
 */
export function mcLogLikelihoods(spec: ModelSpec, params: Params, items: McItem[], opts: Partial<ForwardOptions> = {}): number[][] {
  return items.map((it) => it.choices.map((c) => tf.tidy(() => {
    // An empty context is replaced by one BOS/EOS token, as lm-eval does.
    const ctx = it.context.length ? it.context : [spec.bosTokenId ?? spec.eosTokenId ?? 0];
    const seq = [...ctx, ...c];
    const ids = tf.tensor2d([seq], [1, seq.length], 'int32'); // [1, T]
    const logits = forward(spec, params, ids, opts); // [1, T, V]
    const n = ctx.length;
    const pred = tf.slice(logits, [0, n - 1, 0], [1, c.length, spec.vocabSize]); // [1, C, V]: predicts the choice tokens
    const nll = nllFromLogits(pred, tf.tensor2d([c], [1, c.length], 'int32')); // [1, C]
    return -tf.sum(nll).dataSync()[0];
  })));
}

/**
 * Accuracy: fraction of items whose label has the highest log-likelihood.
 * @example mcAccuracy(mcLogLikelihoods(spec, params, items), items) // 0.62
 */
export function mcAccuracy(lls: number[][], items: McItem[]): number {
  let right = 0;
  lls.forEach((row, i) => {
    let best = 0;
    row.forEach((v, j) => { if (v > row[best]) best = j; });
    if (best === items[i].label) right++;
  });
  return items.length ? right / items.length : 0;
}
