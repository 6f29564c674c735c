import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import {
  DistillCheckpointError, hasTrainCheckpoint, loadTrainCheckpoint, readTensorFile, saveTrainCheckpoint, writeTensorFile,
} from '../../src/distill/train_state.js';
import { WindowSampler, DistillDataError } from '../../src/distill/data.js';
import { Rng } from '../../src/data/rng.js';
import { DataError } from '../../src/errors.js';
import { useCpu } from './helpers.js';

before(useCpu);

describe('training checkpoints', () => {
  it('safetensors round-trip (float32, int32) and the file is readable by the python safetensors package', () => {
    const n0 = tf.memory().numTensors;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-ck-'));
    const f = path.join(dir, 'x.safetensors');
    const a = tf.tensor2d([[1.5, -2], [3, 4]]);
    const b = tf.tensor1d([7, 8, 9], 'int32');
    writeTensorFile(f, { a, b });
    const back = readTensorFile(f);
    assert.deepEqual(Array.from(back.a!.dataSync()), [1.5, -2, 3, 4]);
    assert.deepEqual(back.b!.shape, [3]);
    assert.equal(back.b!.dtype, 'int32');
    const py = execFileSync(path.resolve(__dirname, '../../.venv/bin/python'), ['-c',
      `from safetensors.numpy import load_file; d = load_file(${JSON.stringify(f)}); print(d['a'].tolist(), d['b'].tolist())`]).toString().trim();
    assert.equal(py, '[[1.5, -2.0], [3.0, 4.0]] [7, 8, 9]');
    tf.dispose([a, b, ...Object.values(back)]);
    fs.rmSync(dir, { recursive: true });
    assert.equal(tf.memory().numTensors, n0);
  });

  it('saves atomically over an existing checkpoint and loads it back; incomplete dirs are refused', () => {
    const n0 = tf.memory().numTensors;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-ck-'));
    const dir = path.join(root, 'checkpoint');
    const w = tf.ones([2, 3]);
    saveTrainCheckpoint(dir, { weights: { w }, optim: { 'm:w': w }, state: { step: 1 } });
    saveTrainCheckpoint(dir, { weights: { w }, optim: { 'm:w': w }, state: { step: 2 } });
    assert.deepEqual(fs.readdirSync(root), ['checkpoint']); // no temp or old dirs left
    assert.ok(hasTrainCheckpoint(dir));
    const ck = loadTrainCheckpoint<{ step: number }>(dir);
    assert.equal(ck.state.step, 2);
    assert.deepEqual(ck.weights.w!.shape, [2, 3]);
    tf.dispose([w, ...Object.values(ck.weights), ...Object.values(ck.optim)]);
    fs.rmSync(path.join(dir, 'optim.safetensors'));
    assert.throws(() => loadTrainCheckpoint(dir), DistillCheckpointError);
    assert.throws(() => readTensorFile(path.join(root, 'none.safetensors')), /none.safetensors: no such file or folder/);
    const bad = tf.tensor1d([true], 'bool');
    assert.throws(() => writeTensorFile(path.join(root, 'b.safetensors'), { bad }), /dtype bool/);
    bad.dispose();
    fs.rmSync(root, { recursive: true });
    assert.equal(tf.memory().numTensors, n0);
  });
});

describe('window sampler and rng', () => {
  it('visits every window once per epoch and resumes exactly from a saved state', () => {
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const s = new WindowSampler(ids, 5, 9);
    const firstEpoch = new Set<number>();
    for (let i = 0; i < 10; i++) firstEpoch.add(s.next(1)[0]! / 5);
    assert.equal(firstEpoch.size, 10);
    s.next(3); // into epoch 1
    const saved = s.state;
    assert.equal(saved.epoch, 1);
    const r = new WindowSampler(ids, 5, 123, saved);
    assert.deepEqual(Array.from(r.next(20)), Array.from(s.next(20)));
    assert.throws(() => new WindowSampler(ids, 5, 0, { ...saved, cursor: 99 }), DistillDataError);
    assert.throws(() => new WindowSampler(ids, 1, 0), /seqLen/);
  });
  it('rng state restores the sequence', () => {
    const a = new Rng(5);
    a.next();
    const b = Rng.fromState(a.state);
    assert.equal(a.next(), b.next());
    assert.throws(() => Rng.fromState(-1), DataError);
  });
});
