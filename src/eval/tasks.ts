/**
 * Downstream proxies built from held-out text, so a notebook can measure more than perplexity without a benchmark
 * download: LAMBADA-style last-word prediction (greedy, exact match) and a multiple-choice continuation task (the
 * true next words of a passage among distractors from elsewhere in the text) scored by summed log-likelihood as
 * lm-evaluation-harness scores multiple choice.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { MinitronError } from '../errors.js';
import { forward, type ForwardOptions } from '../model/forward.js';
import { Rng } from '../data/rng.js';

/** One multiple-choice item: the continuation tokens of each choice follow the context tokens. @example const it: McItem = { context: [1, 2], choices: [[3], [4]], label: 0 }; */
export interface McItem {
  context: number[];
  choices: number[][];
  label: number;
}

/** One last-word item: predict `target` (the tokens of the passage's last word) after `context`. @example item.word // 'whale' */
export interface LastWordItem {
  context: number[];
  target: number[];
  word: string;
}

/** Anything with encode (the io Tokenizer fits). @example const e: Encoder = model.tokenizer!; */
export interface TaskEncoder {
  encode(text: string): number[];
}

/** Options of the task builders. @example lastWordTask(moby, tok, { count: 100, contextWords: 60 }) */
export interface TaskOptions {
  /** Items to build. */
  count: number;
  /** Words of context before the word or continuation to predict. */
  contextWords: number;
  /** Multiple choice: choices per item (one true continuation) and words per choice. */
  choices: number;
  choiceWords: number;
  seed: number;
}

/** Defaults: 100 items, 60 words of context, 4 choices of 8 words. @example { ...DEFAULT_TASK_OPTIONS, count: 20 } */
export const DEFAULT_TASK_OPTIONS: TaskOptions = { count: 100, contextWords: 60, choices: 4, choiceWords: 8, seed: 0 };

/** A text too short for the items asked. */
export class TaskError extends MinitronError {
}

/** The text's words, and the indices of words that end a sentence. */
function words(text: string): { w: string[]; ends: number[] } {
  const w = text.replace(/\s+/g, ' ').trim().split(' ');
  const ends: number[] = [];
  w.forEach((x, i) => { if (/^[A-Za-z]{3,}[.!?]["”’]?$/.test(x)) ends.push(i); });
  return { w, ends };
}

/** Tokens of `suffix` as they follow `prefix` (lm-eval: encode(prefix + suffix) minus encode(prefix)). */
function continuation(tok: TaskEncoder, prefix: string, suffix: string): { ctx: number[]; cont: number[] } {
  const ctx = tok.encode(prefix);
  const all = tok.encode(prefix + suffix);
  return { ctx, cont: all.slice(ctx.length) };
}

/** `count` distinct sentence ends with at least `before` words before them (and `after` after), in a seeded order. */
function pickEnds(ends: number[], n: number, o: TaskOptions, after: number, what: string): number[] {
  const ok = ends.filter((e) => e >= o.contextWords && e + after < n);
  if (ok.length < o.count) throw new TaskError(`${what}: the text has ${ok.length} usable sentence ends, ${o.count} items were asked`);
  return new Rng(o.seed).shuffle(ok).slice(0, o.count).sort((a, b) => a - b);
}

/**
 * LAMBADA-style items: passages that end a sentence; the target is the sentence's last word (punctuation dropped).
 * @example const items = lastWordTask(mt.mobyDickText().slice(500_000), tok, { count: 100 });
 */
export function lastWordTask(text: string, tok: TaskEncoder, opts: Partial<TaskOptions> = {}): LastWordItem[] {
  const o = { ...DEFAULT_TASK_OPTIONS, ...opts };
  const { w, ends } = words(text);
  return pickEnds(ends, w.length, o, 0, 'lastWordTask').map((e) => {
    const word = (w[e] as string).replace(/[.!?"”’]+$/, '');
    const { ctx, cont } = continuation(tok, w.slice(e - o.contextWords, e).join(' '), ` ${word}`);
    return { context: ctx, target: cont, word };
  });
}

/**
 * Multiple-choice continuation items: after a passage ending a sentence, the true next `choiceWords` words against
 * `choices - 1` runs of words starting other sentences of the text; the true one's position is seeded.
 * @example const items = continuationTask(heldOut, tok, { count: 100, choices: 4 });
 */
export function continuationTask(text: string, tok: TaskEncoder, opts: Partial<TaskOptions> = {}): McItem[] {
  const o = { ...DEFAULT_TASK_OPTIONS, ...opts };
  const { w, ends } = words(text);
  const starts = ends.filter((e) => e + o.choiceWords < w.length).map((e) => e + 1);
  const rng = new Rng(o.seed ^ 0x4d43);
  return pickEnds(ends, w.length, o, o.choiceWords, 'continuationTask').map((e) => {
    const prefix = w.slice(e - o.contextWords + 1, e + 1).join(' ');
    const run = (s: number): string => ` ${w.slice(s, s + o.choiceWords).join(' ')}`;
    const others = rng.shuffle(starts.filter((s) => Math.abs(s - (e + 1)) > o.contextWords)).slice(0, o.choices - 1);
    const label = rng.int(o.choices);
    const texts = others.map(run);
    texts.splice(label, 0, run(e + 1));
    const ctx = tok.encode(prefix);
    return { context: ctx, choices: texts.map((t) => continuation(tok, prefix, t).cont), label };
  });
}

/**
 * Fraction of items whose target tokens are all the greedy (argmax) next tokens, teacher-forced — the LAMBADA metric.
 * @example lastWordAccuracy(model.spec, model.params, items) // 0.31
 */
export function lastWordAccuracy(spec: ModelSpec, params: Params, items: LastWordItem[], opts: Partial<ForwardOptions> = {}): number {
  let right = 0;
  for (const it of items) {
    const seq = [...it.context, ...it.target.slice(0, -1)];
    const hit = tf.tidy(() => {
      const logits = forward(spec, params, tf.tensor2d([seq], [1, seq.length], 'int32'), opts); // [1, T, V]
      const pred = tf.argMax(tf.slice(logits, [0, it.context.length - 1, 0], [1, it.target.length, spec.vocabSize]), -1); // [1, C]
      const p = pred.dataSync();
      return it.target.every((t, j) => p[j] === t);
    });
    if (hit) right++;
  }
  return items.length ? right / items.length : 0;
}
