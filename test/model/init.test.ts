/**
 * initParams: the tensor names and shapes of a transformers checkpoint of the same config, matrices N(0, std²) with the
 * std asked, norms 1 and biases 0 (as transformers' _init_weights), seeded; the initial loss of such a model is
 * ln(vocab) to within what transformers' own fresh model gives on the same ids.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { initParams } from '../../src/distill/init.js';
import { loadModel, readConfig } from '../../src/io/checkpoint.js';
import { lmLoss } from '../../src/eval/perplexity.js';
import { GEN, ROOT, setup } from '../helpers.js';

describe('initParams', () => {
  before(setup);

  for (const name of ['gpt2_untied', 'llama_gqa', 'qwen2_bias']) {
    it(`${name}: names and shapes of the transformers checkpoint; seeded N(0, 0.02²) matrices, norms 1, biases 0`, async () => {
      const dir = path.join(GEN, name);
      const { spec } = readConfig(dir);
      const p = initParams(spec, { seed: 1, std: 0.02 });
      const q = initParams(spec, { seed: 1, std: 0.02 });
      const loaded = await loadModel(dir, { requireTokenizer: false });
      assert.deepEqual(Object.keys(p).sort(), Object.keys(loaded.params).sort());
      for (const [n, t] of Object.entries(loaded.params)) assert.deepEqual(p[n]!.shape, t.shape, n);
      tf.dispose(Object.values(loaded.params));
      for (const [n, t] of Object.entries(p)) {
        const v = t.dataSync() as Float32Array;
        if (/norm/.test(n)) assert.ok(v.every((x) => x === (n.endsWith('.weight') ? 1 : 0)), n);
        else if (n.endsWith('.bias')) assert.ok(v.every((x) => x === 0), n);
        else if (v.length >= 1000) {
          const mean = v.reduce((a, b) => a + b, 0) / v.length;
          const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
          assert.ok(Math.abs(mean) < 0.003 && Math.abs(sd - 0.02) < 0.002, `${n}: mean ${mean} sd ${sd}`);
        }
        assert.deepEqual(Array.from(v), Array.from(q[n]!.dataSync()), `${n} is seeded`);
      }
      tf.dispose([...Object.values(p), ...Object.values(q)]);
    });
  }

  it('a fresh model starts at the loss of transformers\' fresh model of the same config (≈ ln V)', () => {
    const dir = path.join(GEN, 'llama_gqa');
    const { spec } = readConfig(dir);
    const ids = Array.from({ length: 64 }, (_, i) => (i * 29 + 7) % spec.vocabSize);
    const code = `import sys, json, torch
from transformers import AutoConfig, AutoModelForCausalLM
torch.manual_seed(0)
cfg = AutoConfig.from_pretrained(sys.argv[1]); cfg.initializer_range = 0.02
m = AutoModelForCausalLM.from_config(cfg).eval()
ids = torch.tensor([json.loads(sys.argv[2])])
print(m(ids, labels=ids).loss.item())`;
    const ref = Number(execFileSync(path.join(ROOT, '.venv/bin/python'), ['-c', code, dir, JSON.stringify(ids)]).toString());
    const p = initParams(spec, { seed: 0 });
    const ours = tf.tidy(() => lmLoss(spec, p, tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync()[0] as number);
    tf.dispose(Object.values(p));
    assert.ok(Math.abs(ours - Math.log(spec.vocabSize)) < 0.1 && Math.abs(ours - ref) < 0.1, `ours ${ours}, transformers ${ref}, ln V ${Math.log(spec.vocabSize)}`);
  });
});
