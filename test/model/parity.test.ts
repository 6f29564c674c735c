/**
 * Logits and perplexity against transformers on tiny random checkpoints of every supported family, on every
 * available backend (test/backends.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/io/checkpoint.js';
import { forward, type TapName } from '../../src/model/forward.js';
import { perplexityOfIds } from '../../src/eval/perplexity.js';
import { GEN, TINY_MODELS, logitDiff, maxAbsDiff, noLeaks, reference, setup } from '../helpers.js';
import { describeEachBackend } from '../backends.js';

describeEachBackend('tiny models vs transformers', (b) => {
  for (const name of [...TINY_MODELS, 'llama_sharded', 'gemma3_multimodal']) {
    b.test(`${name}: logits equal transformers' within tolerance`, async () => {
      const dir = path.join(GEN, name);
      const model = await loadModel(dir, { requireTokenizer: false });
      const ref = reference(path.join(dir, 'reference.safetensors'));
      const diff = await logitDiff(model.spec, model.params, ref);
      console.log(`  ${name} (${model.spec.family}, ${b.name}) max |dlogit| = ${diff.toExponential(2)}`);
      assert.ok(diff <= b.tol.logits, `max |dlogit| ${diff} > ${b.tol.logits} on ${b.name}`);
      tf.dispose(model.params);
    });
  }

  for (const name of TINY_MODELS) {
    b.test(`${name}: sliding-window perplexity equals transformers' within tolerance (relative)`, async () => {
      const dir = path.join(GEN, name);
      const model = await loadModel(dir, { requireTokenizer: false });
      const refs = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
      const ids = [...reference(path.join(dir, 'reference.safetensors')).get('ppl_ids')!.data];
      // without a BOS (transformers' perplexity guide), then with BOS id 1 before every overlapping window
      for (const [ref, bos] of [[refs.ppl, null], [refs.ppl_bos1, 1]] as const) {
        const r = await noLeaks(() => perplexityOfIds(model.spec, model.params, ids, { seqLen: ref.seqLen, stride: ref.stride, batch: 3, bos }));
        assert.equal(r.tokens, ref.tokens, `scored tokens, bos ${bos}`);
        const rel = Math.abs(r.ppl / ref.ppl - 1);
        console.log(`  ${name} (${b.name}) ppl rel err = ${rel.toExponential(2)}${bos === null ? '' : ' with BOS'}`);
        assert.ok(rel <= b.tol.ppl, `ppl ${r.ppl} vs ${ref.ppl} on ${b.name}, bos ${bos}`);
      }
      tf.dispose(model.params);
    });
  }
});

test('taps expose every named activation with the documented shapes, masks zero units', async () => {
  await setup();
  const model = await loadModel(path.join(GEN, 'llama_gqa'), { requireTokenizer: false });
  const { spec } = model;
  const seen = new Map<string, number[]>();
  const ids = tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], 'int32');
  await noLeaks(() => {
    const heads = Array.from({ length: spec.numLayers }, () => [1, 0, 1, 1]);
    tf.dispose(forward(spec, model.params, ids, {
      mask: { heads },
      onTap: (n: TapName, l: number, x: tf.Tensor) => {
        seen.set(`${n}:${l}`, x.shape);
        if (n === 'attn_ctx') assert.equal(tf.tidy(() => tf.max(tf.abs(tf.slice(x, [0, 0, 1, 0], [1, 5, 1, spec.headDim]))).dataSync()[0]), 0);
      },
    }));
  });
  const D = spec.hiddenSize, F = spec.ffnHiddenSize;
  for (let l = 0; l < spec.numLayers; l++) {
    for (const n of ['block_in', 'attn_norm', 'mlp_norm', 'block_out']) assert.deepEqual(seen.get(`${n}:${l}`), [1, 5, D]);
    assert.deepEqual(seen.get(`attn_ctx:${l}`), [1, 5, spec.numHeads, spec.headDim]);
    assert.deepEqual(seen.get(`mlp_fc1:${l}`), [1, 5, F]);
    assert.deepEqual(seen.get(`mlp_act:${l}`), [1, 5, F]);
  }
  assert.deepEqual(seen.get('final_norm:-1'), [1, 5, D]);
  // Skipping a layer changes the output; skipping none equals the plain forward.
  const a = forward(spec, model.params, ids), b = forward(spec, model.params, ids, { skipLayers: [1] });
  assert.ok(maxAbsDiff(await a.data(), await b.data()) > 1e-3);
  tf.dispose([a, b, ids]);
  tf.dispose(model.params);
});
