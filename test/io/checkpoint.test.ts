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
  assert.equal(old.ropeScaling?.type === 'llama3' && old.ropeScaling.originalMaxPositions, 8192);
  for (const n of TINY_MODELS) assert.deepEqual(specFromConfig(configFromSpec(s(n))), s(n), `${n} spec survives configFromSpec`);
});

test('config.json -> ModelSpec for qwen3, gemma3_text (and gemma3 text_config), phi3', () => {
  const s = (n: string) => readConfig(path.join(GEN, n)).spec;
  const q = s('qwen3_qknorm');
  assert.deepEqual([q.headDim, q.qkvBias, q.oBias, q.slidingWindow, q.layerTypes], [24, false, false, 8, ['full', 'sliding']]);
  const g = s('gemma3_text');
  assert.deepEqual([g.activation, g.layerTypes, g.slidingWindow, g.queryPreAttnScalar, g.finalLogitSoftcap, g.ropeTheta, g.localRopeTheta, g.ropeScaling],
    ['gelu_pytorch_tanh', ['sliding', 'full', 'sliding'], 8, 20, 5, 30000, 500, { type: 'linear', factor: 4 }]);
  // the multimodal config's text model, and the older top-level fields (rope_theta, rope_local_base_freq, sliding_window_pattern)
  const text = { hidden_size: 64, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 24, intermediate_size: 96, vocab_size: 10 };
  const mm = specFromConfig({ model_type: 'gemma3', text_config: { ...text, rope_theta: 1e6, rope_local_base_freq: 1e4, sliding_window_pattern: 2, sliding_window: 16 } });
  assert.deepEqual([mm.family, mm.layerTypes, mm.ropeTheta, mm.localRopeTheta, mm.tiedEmbeddings], ['gemma3_text', ['sliding', 'full', 'sliding', 'full'], 1e6, 1e4, true]);
  assert.throws(() => specFromConfig({ model_type: 'gemma3' }, 'g.json'), /field "text_config": expected an object/);
  assert.throws(() => specFromConfig({ model_type: 'gemma3_text', ...text, use_bidirectional_attention: true }, 'g.json'), /use_bidirectional_attention/);
  const p = s('phi3_longrope');
  assert.equal(p.rotaryDim, 8);
  assert.deepEqual(p.ropeScaling, { type: 'longrope', shortFactor: [1, 1.25, 1.5, 2], longFactor: [2, 3, 5, 8], originalMaxPositions: 16,
    attentionFactor: Math.sqrt(1 + Math.log(64 / 16) / Math.log(16)) });
  const phi = { model_type: 'phi3', hidden_size: 64, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 96, vocab_size: 10 };
  assert.throws(() => specFromConfig({ ...phi, rope_scaling: { type: 'longrope', short_factor: [1], long_factor: [1, 2, 3, 4, 5, 6, 7, 8] } }, 'p.json'),
    /field "rope_scaling.short_factor": expected a list of 8 numbers/);
  assert.throws(() => specFromConfig({ ...phi, rope_scaling: { type: 'yarn', factor: 2 } }, 'p.json'), /rope_scaling.rope_type/);
});

test('the text model of a Gemma 3 multimodal checkpoint saves as a gemma3_text checkpoint with the same logits', async () => {
  const m = await loadModel(path.join(GEN, 'gemma3_multimodal'), { requireTokenizer: false });
  const out = path.join(tmpDir('gemma3mm'), 'text');
  await saveCheckpoint(out, m.spec, m.params, { baseConfig: m.config });
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual([cfg.model_type, cfg.architectures, cfg.text_config, cfg.vision_config], ['gemma3_text', ['Gemma3ForCausalLM'], undefined, undefined]);
  const back = await loadModel(out, { requireTokenizer: false });
  assert.deepEqual(back.spec, m.spec);
  const ids = tf.tensor2d([[1, 5, 9, 2, 7, 3, 8, 4, 6, 10]], [1, 10], 'int32');
  const [a, b] = [forward(m.spec, m.params, ids), forward(back.spec, back.params, ids)];
  assert.equal(maxAbsDiff(await a.data(), await b.data()), 0);
  tf.dispose([a, b, ids, ...Object.values(m.params), ...Object.values(back.params)]);
});

test('bad configs name the field and what was expected', () => {
  assert.throws(() => specFromConfig({ model_type: 'bert' }, 'x/config.json'),
    (e: unknown) => e instanceof ConfigError && /x\/config.json: field "model_type": expected one of gpt2, llama, mistral, qwen2, qwen3, gemma3_text, phi3, gemma3 \(got "bert"\)/.test(e.message));
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
