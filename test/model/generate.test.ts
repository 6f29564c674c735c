/**
 * generate(): greedy continuation equal to transformers' greedy generate on a transformers-made checkpoint; prompts a
 * model cannot embed (ids outside the vocabulary, an empty prompt) and a bad maxNewTokens are refused by name.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { generate } from '../../src/model/generate.js';
import { loadModel, type LoadedModel } from '../../src/io/checkpoint.js';
import { UsageError } from '../../src/errors.js';
import { GEN, ROOT, setup } from '../helpers.js';

let model: LoadedModel;
const DIR = path.join(GEN, 'llama_gqa');

describe('generate', () => {
  before(async () => {
    await setup();
    model = await loadModel(DIR, { requireTokenizer: false });
  });

  it('greedy ids equal transformers generate(do_sample=False)', async () => {
    const prompt = [3, 17, 42, 5];
    const ours = await generate(model.spec, model.params, prompt, { maxNewTokens: 6, stopToken: -1 });
    const code = `import sys, json, torch
from transformers import AutoModelForCausalLM
m = AutoModelForCausalLM.from_pretrained(sys.argv[1]).eval()
ids = torch.tensor([json.loads(sys.argv[2])])
out = m.generate(ids, max_new_tokens=6, do_sample=False, eos_token_id=None, pad_token_id=0)
print(json.dumps(out[0, ids.shape[1]:].tolist()))`;
    const ref = JSON.parse(execFileSync(path.join(ROOT, '.venv/bin/python'), ['-c', code, DIR, JSON.stringify(prompt)]).toString()) as number[];
    assert.deepEqual(ours, ref);
  });

  it('refuses ids outside the vocabulary, an empty prompt and a bad maxNewTokens, leaving no tensor', async () => {
    const n0 = tf.memory().numTensors;
    const V = model.spec.vocabSize;
    await assert.rejects(generate(model.spec, model.params, [1, V]), (e: unknown) => e instanceof UsageError && e.message.includes(`token id ${V} at position 1`));
    await assert.rejects(generate(model.spec, model.params, [-1]), /generate prompt: token id -1/);
    await assert.rejects(generate(model.spec, model.params, []), /the prompt has no token/);
    await assert.rejects(generate(model.spec, model.params, [1], { maxNewTokens: 1.5 }), /maxNewTokens must be an integer/);
    assert.equal(tf.memory().numTensors, n0);
  });
});
