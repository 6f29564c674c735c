/**
 * Checkpoint folders: specs, bad inputs, read-only loading, save/load round trip.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, readConfig, saveCheckpoint, paramCounts } from '../../src/io/checkpoint.js';
import { specFromConfig, configFromSpec } from '../../src/io/config.js';
import { CheckpointError, ConfigError, MinitronError } from '../../src/errors.js';
import { forward } from '../../src/model/forward.js';
import { GEN, TINY_MODELS, maxAbsDiff, setup, tmpDir } from '../helpers.js';
import { ensureReference, referenceLogits } from '../prune/reference.js';

before(setup);

function copyFixture(name: string): string {
  const dir = path.join(tmpDir(name), name);
  fs.cpSync(path.join(GEN, name), dir, { recursive: true });
  return dir;
}

test('config.json -> ModelSpec for every family', () => {
  const s = (n: string) => readConfig(path.join(GEN, n)).spec;
  assert.equal(s('gpt2_tied').family, 'gpt2');
  assert.equal(s('gpt2_tied').tiedEmbeddings, true);
  assert.equal(s('gpt2_untied').ffnHiddenSize, 96);
  assert.equal(s('gpt2_untied').tiedEmbeddings, false);
  assert.deepEqual([s('llama_gqa').numHeads, s('llama_gqa').numKvHeads, s('llama_gqa').tiedEmbeddings], [4, 2, false]);
  assert.equal(s('llama_tied_headdim').headDim, 24);
  assert.deepEqual(s('llama3_rope').ropeScaling, { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 });
  assert.equal(s('llama3_rope').ropeTheta, 500000);
  assert.equal(s('mistral_window').slidingWindow, 8);
  assert.deepEqual([s('qwen2_bias').qkvBias, s('qwen2_bias').oBias, s('qwen2_bias').slidingWindow], [true, false, null]);
  // Older configs: rope_theta + rope_scaling at top level.
  const old = specFromConfig({ model_type: 'llama', hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16,
    vocab_size: 10, rope_theta: 5e5, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } });
  assert.equal(old.ropeTheta, 5e5);
  assert.equal(old.ropeScaling?.originalMaxPositions, 8192);
  for (const n of TINY_MODELS) assert.deepEqual(specFromConfig(configFromSpec(s(n))), s(n), `${n} spec survives configFromSpec`);
});

test('bad configs name the field and what was expected', () => {
  assert.throws(() => specFromConfig({ model_type: 'bert' }, 'x/config.json'),
    (e: unknown) => e instanceof ConfigError && /x\/config.json: field "model_type": expected one of gpt2, llama, mistral, qwen2 \(got "bert"\)/.test(e.message));
  assert.throws(() => specFromConfig({ model_type: 'llama', hidden_size: 64 }, 'c.json'), /field "num_attention_heads": expected a number \(field missing\)/);
  assert.throws(() => specFromConfig({ model_type: 'llama', hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 3 }, 'c.json'),
    /num_key_value_heads": expected a divisor of num_attention_heads=4, got 3/);
  assert.throws(() => specFromConfig({ model_type: 'gpt2', n_embd: -3 }, 'c.json'), /field "n_embd": expected a positive integer, got -3/);
});

test('missing tensor, wrong shape, missing tokenizer, missing config are CheckpointErrors naming them', async () => {
  const dir = copyFixture('llama_gqa');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
  // more layers than the weight files hold: refused from the tensor names, before anything is read
  await assert.rejects(loadModel(dir, { requireTokenizer: false }), (e: unknown) => e instanceof ConfigError && /field "num_hidden_layers": expected at most 2 \(the weight files hold 2 layers\), got 3/.test(e.message));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1e9 }));
  await assert.rejects(loadModel(dir, { requireTokenizer: false }), /got 1000000000/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_attention_heads: 3 }));
  await assert.rejects(loadModel(dir, { requireTokenizer: false }), (e: unknown) => e instanceof MinitronError);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 100 }));
  await assert.rejects(loadModel(dir, { requireTokenizer: false }), /tensor "model.layers.0.mlp.gate_proj.weight" has shape \[112, 64\], config expects \[100, 64\]/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  await assert.rejects(loadModel(dir), /tokenizer.json missing/);
  fs.rmSync(path.join(dir, 'config.json'));
  await assert.rejects(loadModel(dir), /config.json missing/);
  assert.equal(tf.memory().numTensors, 0);
});

test('loading opens files read-only and never changes them', async () => {
  const dir = copyFixture('qwen2_bias');
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  for (const f of files) fs.chmodSync(f, 0o444);
  const before = files.map((f) => [fs.readFileSync(f).toString('base64'), fs.statSync(f).mtimeMs]);
  const m = await loadModel(dir, { requireTokenizer: false });
  tf.dispose(m.params);
  assert.deepEqual(files.map((f) => [fs.readFileSync(f).toString('base64'), fs.statSync(f).mtimeMs]), before);
});

for (const name of ['gpt2_untied', 'llama_tied_headdim', 'qwen2_bias']) {
  test(`${name}: saveCheckpoint -> loadModel gives identical logits; existing folder refused`, async () => {
    const m = await loadModel(path.join(GEN, name), { requireTokenizer: false });
    const out = path.join(tmpDir('save'), 'out');
    await saveCheckpoint(out, m.spec, m.params, { baseConfig: m.config });
    const back = await loadModel(out, { requireTokenizer: false });
    assert.deepEqual(back.spec, m.spec);
    const ids = tf.tensor2d([[3, 1, 4, 1, 5, 9, 2, 6]], [1, 8], 'int32');
    const a = forward(m.spec, m.params, ids), b = forward(back.spec, back.params, ids);
    assert.equal(maxAbsDiff(await a.data(), await b.data()), 0);
    await assert.rejects(saveCheckpoint(out, m.spec, m.params), /output folder already exists/);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['out'], 'no temp folder left behind');
    tf.dispose([a, b, ids, m.params, back.params]);
  });
}

test('parameter counts match the tensors', async () => {
  const m = await loadModel(path.join(GEN, 'llama_gqa'), { requireTokenizer: false });
  const total = Object.values(m.params).reduce((a, t) => a + t.size, 0);
  assert.equal(paramCounts(m.spec).total, total);
  tf.dispose(m.params);
});

test('tie_word_embeddings with a different stored lm_head: untied, as transformers does, with its logits', async () => {
  const dir = path.join(tmpDir('tied'), 'qwen2');
  fs.cpSync(path.join(ensureReference(), 'qwen2_bias'), dir, { recursive: true });
  const cfgFile = path.join(dir, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), tie_word_embeddings: true }));
  const m = await loadModel(dir, { requireTokenizer: false });
  assert.equal(m.spec.tiedEmbeddings, false);
  assert.ok(m.params['lm_head.weight']);
  const ids = [[3, 17, 42, 8, 91, 5], [11, 0, 95, 47, 29, 64]];
  const ours = tf.tidy(() => forward(m.spec, m.params, tf.tensor2d(ids, [2, 6], 'int32')).arraySync());
  const [ref] = referenceLogits(ids, [{ dir }]);
  assert.ok(maxAbsDiff(ours.flat(2), ref.flat(2)) <= 1e-4, `max diff ${maxAbsDiff(ours.flat(2), ref.flat(2))}`);
  tf.dispose(m.params);
});
