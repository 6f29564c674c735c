import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { correctTeacher, distill, DistillOptionsError, NonFiniteLossError, type DistillResult } from '../../src/distill/trainer.js';
import { DistillCheckpointError, loadTrainCheckpoint } from '../../src/distill/train_state.js';
import { toyForward, toyModel } from './toy_model.js';
import { useCpu } from './helpers.js';
import { noLeaks } from '../helpers.js';
import { installHost } from '../../src/host/index.js';

before(useCpu);

const V = 17;
const teacher = toyModel(V, 8, 2, 1);
const student = toyModel(V, 4, 1, 2);
// data with structure: a repeating pattern with noise so a model can learn something
const data = Array.from({ length: 600 }, (_, i) => ((i * 5) % V + (i % 7 === 0 ? 3 : 0)) % V);
const base = { teacher, student, data, forward: toyForward, batch: 2, seqLen: 8, lr: 3e-2, warmup: 2, minLr: 3e-3 };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'distill-test-'));
}
function free(r: DistillResult): void {
  tf.dispose([...Object.values(r.params), ...r.projections]);
}
const losses = (r: DistillResult): number[] => r.rows.map((x) => x.loss);

describe('distill trainer (toy model)', () => {
  it('KD lowers the KL, is deterministic for a seed, leaves inputs untouched and frees its tensors', async () => {
    const n0 = tf.memory().numTensors;
    const before = Array.from(student.params['model.embed_tokens.weight']!.dataSync());
    const a = await distill({ ...base, steps: 12, seed: 3 });
    const b = await distill({ ...base, steps: 12, seed: 3 });
    assert.deepEqual(losses(a), losses(b));
    assert.equal(a.rows.length, 12);
    assert.ok(a.rows[11]!.loss < a.rows[0]!.loss * 0.8, `loss ${a.rows[0]!.loss} -> ${a.rows[11]!.loss}`);
    assert.ok(a.rows.every((r) => r.kl !== undefined && r.ce === undefined && r.tokens > 0 && r.lr > 0));
    assert.deepEqual(Array.from(student.params['model.embed_tokens.weight']!.dataSync()), before);
    const c = await distill({ ...base, steps: 12, seed: 4 });
    assert.notDeepEqual(losses(a), losses(c));
    [a, b, c].forEach(free);
    assert.equal(tf.memory().numTensors, n0);
  });

  it('resume after an interrupt at step 3 reaches the same losses as 6 straight steps', async () => {
    const n0 = tf.memory().numTensors;
    const dirA = tmp();
    const dirB = tmp();
    const opts = { ...base, steps: 6, seed: 7, evalData: data.slice(0, 80), evalEvery: 2 };
    const straight = await distill({ ...opts, outDir: dirA });
    const ctl = new AbortController();
    const first = await distill({ ...opts, outDir: dirB, signal: ctl.signal, onStep: (row) => { if (row.step === 3) ctl.abort(); } });
    assert.equal(first.stopped, 'interrupted');
    assert.equal(first.step, 3);
    const ck = loadTrainCheckpoint<{ step: number }>(path.join(dirB, 'checkpoint'));
    assert.equal(ck.state.step, 3);
    tf.dispose([...Object.values(ck.weights), ...Object.values(ck.optim)]);
    const resumed = await distill({ ...opts, outDir: dirB, resume: true });
    assert.equal(resumed.stopped, 'done');
    assert.deepEqual(losses(resumed), losses(straight));
    assert.deepEqual(resumed.rows.map((r) => r.evalLoss), straight.rows.map((r) => r.evalLoss));
    assert.ok(straight.rows[1]!.evalLoss! > 0 && straight.rows[0]!.evalLoss === undefined);
    assert.deepEqual(Array.from(resumed.params['model.embed_tokens.weight']!.dataSync()), Array.from(straight.params['model.embed_tokens.weight']!.dataSync()));
    // a mismatching run configuration is refused
    await assert.rejects(distill({ ...opts, outDir: dirB, resume: true, seqLen: 4 }), DistillCheckpointError);
    [straight, first, resumed].forEach(free);
    fs.rmSync(dirA, { recursive: true });
    fs.rmSync(dirB, { recursive: true });
    assert.equal(tf.memory().numTensors, n0);
  });

  it('gradient accumulation 2 x batch 2 equals batch 4', async () => {
    const a = await distill({ ...base, steps: 4, batch: 4, accum: 1, seed: 1 });
    const b = await distill({ ...base, steps: 4, batch: 2, accum: 2, seed: 1 });
    a.rows.forEach((r, i) => assert.ok(Math.abs(r.loss - b.rows[i]!.loss) < 1e-5, `step ${i}: ${r.loss} vs ${b.rows[i]!.loss}`));
    [a, b].forEach(free);
  });

  it('a NaN loss raises NonFiniteLossError and keeps the last good checkpoint', async () => {
    const n0 = tf.memory().numTensors;
    const dir = tmp();
    let calls = 0;
    const poisoned = (s: any, p: any, ids: tf.Tensor2D, o: any): tf.Tensor3D => {
      calls += 1;
      const y = toyForward(s, p, ids, o);
      if (calls <= 4) return y; // 2 steps x (teacher + student)
      const z = tf.mul(y, NaN) as tf.Tensor3D;
      y.dispose();
      return z;
    };
    await assert.rejects(distill({ ...base, steps: 6, outDir: dir, checkpointEvery: 1, forward: poisoned }), (e: unknown) => {
      assert.ok(e instanceof NonFiniteLossError);
      assert.equal(e.step, 2);
      assert.match(e.message, /non-finite loss \(NaN\) at step 2/);
      return true;
    });
    const ck = loadTrainCheckpoint<{ step: number }>(path.join(dir, 'checkpoint'));
    assert.equal(ck.state.step, 2);
    tf.dispose([...Object.values(ck.weights), ...Object.values(ck.optim)]);
    fs.rmSync(dir, { recursive: true });
    assert.equal(tf.memory().numTensors, n0);
  });

  it('intermediate-state loss trains a projection (student width 4 -> teacher width 8), balanced to the logit loss', async () => {
    const r = await distill({
      ...base, steps: 10, seed: 2,
      loss: { weights: { kl: 1, is: 1, ce: 0.5 }, scaleIsToLogits: true, stateLoss: 'mse' },
      states: [{ student: { tap: 'block_out', layer: 0 }, teacher: { tap: 'block_out', layer: 1 } }],
    });
    assert.equal(r.projections.length, 1);
    assert.deepEqual(r.projections[0]!.shape, [8, 4]);
    const row = r.rows[0]!;
    assert.ok(Math.abs(row.is! - row.kl!) < 1e-5 * Math.max(1, row.kl!), 'balanced is == kl');
    assert.ok(Math.abs(row.loss - (row.kl! + row.is! + 0.5 * row.ce!)) < 1e-4);
    free(r);
    await assert.rejects(distill({ ...base, steps: 1, loss: { weights: { is: 1 } }, states: [{ student: { tap: 'nope', layer: 0 }, teacher: { tap: 'block_out', layer: 0 } }] }), /was not tapped/);
  });

  it('CE mode (teacher correction) lowers the CE without a teacher', async () => {
    const r = await correctTeacher({ teacher, data, forward: toyForward, steps: 10, batch: 2, seqLen: 8, lr: 3e-2, warmup: 1 });
    assert.ok(r.rows.every((x) => x.ce !== undefined && x.kl === undefined));
    assert.ok(r.rows[9]!.loss < r.rows[0]!.loss);
    assert.ok(r.params['model.layers.1.mlp.up_proj.weight'] !== undefined);
    free(r);
  });

  it('rejects bad options', async () => {
    await assert.rejects(distill({ ...base, steps: 1, batch: 0 }), DistillOptionsError);
    await assert.rejects(distill({ ...base, steps: 0 }), /steps/);
    await assert.rejects(distill({ ...base, teacher: null, steps: 1 }), /needs a teacher/);
    await assert.rejects(distill({ ...base, steps: 1, resume: true }), /outDir/);
    await assert.rejects(distill({ ...base, steps: 1, data: [1, 2, 99] }), /outside the vocabulary/);
    await assert.rejects(distill({ ...base, steps: 1, data: [1, 2, 3] }), /fewer than one window/);
  });
});

describe('SIGINT handling', () => {
  it('handleSigint stops at the next step boundary with a resumable checkpoint and removes its handler', async () => {
    const dir = tmp();
    const listeners = process.listenerCount('SIGINT');
    const keep = (): void => {}; // keeps node from exiting on the emitted SIGINT if the handler were missing
    process.on('SIGINT', keep);
    const r = await distill({ ...base, steps: 5, outDir: dir, handleSigint: true, onStep: (row) => { if (row.step === 2) process.emit('SIGINT'); } });
    process.removeListener('SIGINT', keep);
    assert.equal(r.stopped, 'interrupted');
    assert.equal(r.step, 2);
    assert.equal(process.listenerCount('SIGINT'), listeners);
    const r2 = await distill({ ...base, steps: 5, outDir: dir, resume: true });
    assert.equal(r2.rows.length, 5);
    free(r);
    free(r2);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('the host stop signal (a Jupyter interrupt)', () => {
  it('stops at the next step boundary with a checkpoint, like the caller\'s own signal', async () => {
    const dir = tmp();
    const cell = new AbortController();
    installHost({ stopSignal: () => cell.signal });
    try {
      const r = await distill({ ...base, steps: 5, outDir: dir, onStep: (row) => { if (row.step === 2) cell.abort(); } });
      assert.equal(r.stopped, 'interrupted');
      assert.equal(r.step, 2);
      free(r);
    } finally {
      installHost({ stopSignal: null });
    }
    const ck = loadTrainCheckpoint<{ step: number }>(path.join(dir, 'checkpoint'));
    assert.equal(ck.state.step, 2);
    tf.dispose([...Object.values(ck.weights), ...Object.values(ck.optim)]);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('no tensor left on an early error', () => {
  it('data shorter than one window, bad options, a state pair that is never tapped', async () => {
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 1, data: [1, 2, 3] }), /fewer than one window/));
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 1, accum: 1.5 }), DistillOptionsError));
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 1, evalData: [1, 2, 3] }), /shorter than one window/));
    const states = [{ student: { tap: 'nope', layer: 0 }, teacher: { tap: 'block_out', layer: 0 } }];
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 1, loss: { weights: { is: 1 } }, states }), /was not tapped/));
  });

  it('resume from a checkpoint of another run shape or another student shape', async () => {
    const dir = tmp();
    free(await distill({ ...base, steps: 2, outDir: dir }));
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 2, outDir: dir, resume: true, seqLen: 4 }), /seqLen=8, this run has seqLen=4/));
    const wider = toyModel(V, 6, 1, 2);
    await noLeaks(() => assert.rejects(distill({ ...base, student: wider, steps: 2, outDir: dir, resume: true }), DistillCheckpointError));
    tf.dispose(Object.values(wider.params));
    fs.rmSync(dir, { recursive: true });
  });

  it('a NonFiniteLossError in the first step', async () => {
    const nan = (s: any, p: any, ids: tf.Tensor2D, o: any): tf.Tensor3D => tf.tidy(() => tf.mul(toyForward(s, p, ids, o), NaN) as tf.Tensor3D);
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 3, forward: nan }), NonFiniteLossError));
    await noLeaks(() => assert.rejects(distill({ ...base, steps: 3, accum: 2, forward: nan }), /non-finite loss \(NaN\) at step 0/));
  });
});
