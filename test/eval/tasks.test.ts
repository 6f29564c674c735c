/**
 * Downstream proxies: items built from held-out Moby Dick (seeded, tokenised as lm-eval does), scored by minitron and
 * by transformers on the same ids of the real model — the same hits, item by item (one near-tie allowed).
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { continuationTask, lastWordAccuracy, lastWordTask, TaskError } from '../../src/eval/tasks.js';
import { mcLogLikelihoods } from '../../src/importance/mc_task.js';
import { loadModel, type LoadedModel } from '../../src/io/checkpoint.js';
import { mobyDickText } from '../../src/data/corpus.js';
import { REAL_MODEL, ROOT, setup } from '../helpers.js';

let model: LoadedModel;
const text = mobyDickText().slice(600_000, 700_000);

describe('downstream proxy tasks', () => {
  before(async () => {
    await setup();
    model = await loadModel(REAL_MODEL);
  });

  it('build seeded items: last words and continuations tokenised as continuations of their context', () => {
    const tok = model.tokenizer!;
    const a = lastWordTask(text, tok, { count: 20, seed: 3 });
    assert.deepEqual(a, lastWordTask(text, tok, { count: 20, seed: 3 }));
    assert.equal(a.length, 20);
    for (const x of a) {
      assert.match(x.word, /^[A-Za-z]{3,}$/);
      assert.equal(tok.decode(x.target).trim(), x.word);
    }
    const m = continuationTask(text, tok, { count: 20, choices: 4, seed: 3 });
    assert.equal(m.length, 20);
    assert.ok(m.every((x) => x.choices.length === 4 && x.label >= 0 && x.label < 4 && x.choices.every((c) => c.length > 0)));
    assert.ok(new Set(m.map((x) => x.label)).size > 1, 'the true choice is not always in one place');
    assert.throws(() => lastWordTask('Too short. Text.', tok, { count: 5 }), (e: unknown) => e instanceof TaskError && /usable sentence ends/.test(e.message));
  });

  it('last-word accuracy and multiple-choice accuracy agree with transformers item by item', () => {
    const tok = model.tokenizer!;
    const lw = lastWordTask(text, tok, { count: 24, contextWords: 40, seed: 1 });
    const mc = continuationTask(text, tok, { count: 12, contextWords: 40, seed: 1 });
    const ours = {
      lastWord: lw.map((x) => lastWordAccuracy(model.spec, model.params, [x]) === 1),
      mc: mcLogLikelihoods(model.spec, model.params, mc).map((row, i) => row.indexOf(Math.max(...row)) === mc[i]!.label),
    };
    const ref = JSON.parse(execFileSync(path.join(ROOT, '.venv/bin/python'), [path.join(ROOT, 'test/eval/tasks_reference.py')], {
      input: JSON.stringify({ model: REAL_MODEL, lastWord: lw, mc }), maxBuffer: 1 << 26,
    }).toString()) as { lastWord: boolean[]; mc: boolean[] };
    const diff = (a: boolean[], b: boolean[]): number => a.filter((x, i) => x !== b[i]).length;
    assert.ok(diff(ours.lastWord, ref.lastWord) <= 1, `last word: ours ${ours.lastWord} vs transformers ${ref.lastWord}`);
    assert.ok(diff(ours.mc, ref.mc) <= 1, `mc: ours ${ours.mc} vs transformers ${ref.mc}`);
    assert.ok(ref.mc.filter(Boolean).length > 12 / 4, 'the teacher beats chance on the continuation task');
    const n0 = tf.memory().numTensors;
    lastWordAccuracy(model.spec, model.params, lw.slice(0, 2));
    assert.equal(tf.memory().numTensors, n0, 'no tensor left');
  });
});
