/**
 * Tokenizer ids equal transformers' tokenizer on test texts (the real model's tokenizer.json).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { CheckpointError } from '../../src/errors.js';
import { GEN, REAL_MODEL, tmpDir } from '../helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import { checkTokenIds } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { perplexityOfIds } from '../../src/eval/perplexity.js';
import { estimateImportance } from '../../src/importance/estimate.js';
import { UsageError } from '../../src/errors.js';
import { setup } from '../helpers.js';

test('SmolLM2 tokenizer.json: ids identical to transformers on every test text', () => {
  const tok = loadTokenizer(REAL_MODEL);
  const cases = JSON.parse(fs.readFileSync(path.join(GEN, 'tokenizer_ids.json'), 'utf8')) as Array<{ text: string; ids: number[] }>;
  assert.ok(cases.length >= 6);
  for (const c of cases) {
    assert.deepEqual(tok.encode(c.text), c.ids, `ids differ for ${JSON.stringify(c.text.slice(0, 40))}`);
    assert.equal(tok.decode(c.ids), c.text);
  }
});

test('missing or malformed tokenizer.json is a CheckpointError naming the file', () => {
  const dir = tmpDir('tok');
  assert.throws(() => loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.message.includes(dir) && /tokenizer.json missing/.test(e.message));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{oops');
  assert.throws(() => loadTokenizer(dir), /tokenizer.json: not valid JSON/);
});

test('token ids a model cannot embed are refused where they enter, naming the first bad one', async () => {
  assert.doesNotThrow(() => checkTokenIds([0, 5, 95], 96, 'x'));
  assert.throws(() => checkTokenIds([0, 96], 96, 'ids'), (e: unknown) => e instanceof UsageError && /ids: token id 96 at position 1 is not in \[0, 96\)/.test(String(e)));
  assert.throws(() => checkTokenIds([1.5], 96, 'ids'), /token id 1.5/);
  assert.throws(() => checkTokenIds([-1], 96, 'ids'), /token id -1/);
  await setup();
  const m = await loadModel(path.join(GEN, 'llama_gqa'), { requireTokenizer: false });
  const V = m.spec.vocabSize;
  await assert.rejects(perplexityOfIds(m.spec, m.params, [1, 2, V, 3], { seqLen: 2, stride: 2 }), /perplexity: token id \d+ at position 2/);
  await assert.rejects(estimateImportance(m, [[[1, 2, V + 7]]]), /importance batches: token id \d+ at position 2/);
  tf.dispose(m.params);
});
