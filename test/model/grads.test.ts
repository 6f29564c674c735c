/**
 * Gradients of the LM loss w.r.t. every parameter against transformers' autograd on the same tiny checkpoints
 * (grads.safetensors from test/make_fixtures.py), on every available backend (test/backends.ts): fused RMSNorm,
 * SwiGLU, RoPE and attention kernels on native, plain tfjs ops on cpu (reference kernels) and wasm.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/io/checkpoint.js';
import { lmLoss } from '../../src/eval/perplexity.js';
import { GEN, TINY_MODELS, maxAbsDiff, reference } from '../helpers.js';
import { describeEachBackend, type BackendCase } from '../backends.js';
import type { Params } from '../../src/types.js';
import { toHfTensors } from '../../src/io/hf_names.js';
import type { HostTensor } from '../../src/io/safetensors.js';

async function check(name: string, b: BackendCase): Promise<void> {
  const kernels = b.name;
  const dir = path.join(GEN, name);
  const model = await loadModel(dir, { requireTokenizer: false });
  const ids = reference(path.join(dir, 'reference.safetensors')).get('ids')!;
  const want = reference(path.join(dir, 'grads.safetensors'));
  const before = tf.memory().numTensors;
  const names = Object.keys(model.params);
  const vars = names.map((n) => tf.variable(model.params[n], true, `${name}.${kernels}.${n}`));
  const params: Params = Object.fromEntries(names.map((n, i) => [n, vars[i]]));
  const idsT = tf.tensor2d(Int32Array.from(ids.data, Number), ids.shape as [number, number], 'int32');
  const { value, grads } = tf.variableGrads(() => lmLoss(model.spec, params, idsT), vars);
  assert.ok(Math.abs(value.dataSync()[0] - want.get('loss')!.data[0]) < b.tol.loss, `loss ${value.dataSync()[0]} vs ${want.get('loss')!.data[0]}`);
  // Our gradients under transformers' names and layouts (gpt2: fused c_attn, Conv1D transposes), like an export.
  const ours = toHfTensors(model.spec, new Map(names.map((n, i) => [n, { dtype: 'float32', shape: vars[i].shape, data: grads[vars[i].name].dataSync() as Float32Array } as HostTensor])));
  let worst = 0;
  for (const [n, ref] of want) {
    if (n === 'loss') continue;
    const g = ours.get(n);
    assert.ok(g, `${name}: no gradient of ours maps to transformers' ${n}`);
    const scale = Math.max(...Array.from(ref.data, Math.abs), 1e-6);
    const rel = maxAbsDiff(g.data, ref.data) / scale;
    worst = Math.max(worst, rel);
    assert.ok(rel <= b.tol.grad, `${name} ${n}: max |dgrad| / max |grad| = ${rel.toExponential(2)} (${kernels})`);
  }
  console.log(`  ${name} (${kernels}): ${want.size - 1} gradients, worst max|Δ|/max|g| = ${worst.toExponential(2)}`);
  tf.dispose([value, ...Object.values(grads), ...vars, idsT]);
  tf.dispose(model.params);
  assert.equal(tf.memory().numTensors, before - Object.keys(model.params).length, 'tensor leak');
}

describeEachBackend('parameter gradients vs transformers', (b) => {
  for (const name of TINY_MODELS) b.test(`${name}: parameter gradients equal transformers'`, () => check(name, b));
});
