/**
 * The one stop channel of library loops (src/host/stop.ts): the caller's AbortSignal and the host's per-cell signal
 * stop importance passes between passes with InterruptedError, leave no tensor, and the state file resumes.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { estimateImportance } from '../../src/importance/estimate.js';
import { installHost, InterruptedError } from '../../src/host/index.js';
import { tinyParams, tinySpec } from '../distill/tiny_llama.js';
import { noLeaks } from '../helpers.js';

before(async () => { await tf.setBackend('cpu'); });

const spec = { ...tinySpec(3, 16, 32, 29), maxPositions: 16 };
const ids = (seed: number): number[] => Array.from({ length: 8 }, (_, i) => (i * 5 + seed * 3) % 29);
const batches = [0, 1, 2].map((b) => [ids(2 * b), ids(2 * b + 1)]);

test('estimateImportance stops between activation batches on its signal; the state file resumes to the same report', async () => {
  const params = tinyParams(spec, 4);
  const model = { spec, params };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stop-imp-'));
  const statePath = path.join(dir, 'state.json');
  const full = await estimateImportance(model, batches, { depth: ['ppl'] });
  const ctl = new AbortController();
  await noLeaks(() => assert.rejects(estimateImportance(model, batches, {
    depth: ['ppl'], statePath, signal: ctl.signal, onProgress: (stage, done) => { if (stage === 'activations' && done === 1) ctl.abort(); },
  }), (e: unknown) => e instanceof InterruptedError && /estimateImportance/.test(e.message)));
  assert.equal(JSON.parse(fs.readFileSync(statePath, 'utf8')).batchesDone, 1);
  const resumed = await estimateImportance(model, batches, { depth: ['ppl'], statePath });
  assert.deepEqual(resumed.layers, full.layers);
  assert.deepEqual(resumed.heads, full.heads);
  tf.dispose(Object.values(params));
  fs.rmSync(dir, { recursive: true });
});

test('the host stop signal (a Jupyter interrupt) stops the layer-removal passes between layers', async () => {
  const params = tinyParams(spec, 4);
  const cell = new AbortController();
  installHost({ stopSignal: () => cell.signal });
  const done: number[] = [];
  try {
    await noLeaks(() => assert.rejects(estimateImportance({ spec, params }, batches, {
      depth: ['ppl'], onProgress: (stage, i) => { if (stage === 'ppl') { done.push(i); if (i === 1) cell.abort(); } },
    }), InterruptedError));
  } finally {
    installHost({ stopSignal: null });
  }
  assert.deepEqual(done, [1]);
  tf.dispose(Object.values(params));
});
