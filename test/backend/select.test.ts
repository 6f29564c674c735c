import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, backendInfo, BackendError, nativeKernelsInstalled, loadNativeAddon } from '../../src/backend/index.js';

const ROOT = path.resolve(__dirname, '..', '..');
const EXPECTED_GRAD = [2, 2, 2, 0, 0, 0, 4, 4, 4, 0, 0, 0]; // rows gathered [0, 2, 2], each output row sums 2 columns of ones

function child(arg: string | null, env: Record<string, string>): { name?: string; tfjs?: string; warnings?: number; grad?: number[]; error?: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'select_child.ts'), ...(arg ? [arg] : [])], {
    cwd: ROOT, env: { ...process.env, MINITRON_BACKEND: '', ...env }, encoding: 'utf8', timeout: 60_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `child printed no JSON (status ${r.status}): ${r.stdout}\n${r.stderr}`);
  return { ...JSON.parse(line), stderr: r.stderr };
}

const hasAddon = !!loadNativeAddon().addon;

describe('selectBackend', () => {
  it('explicit cpu uses the reference kernels; backendInfo reports it', async () => {
    const info = await selectBackend('cpu', { log: false });
    assert.equal(info.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(nativeKernelsInstalled(), false);
    assert.equal(backendInfo(), info);
    assert.equal(await selectBackend('cpu', { log: false }), info, 'same request reuses the choice');
  });

  it('auto picks native when the addon is built', { skip: !hasAddon && 'addon not built' }, async () => {
    const info = await selectBackend('auto', { log: false });
    assert.equal(info.name, 'native');
    assert.equal(info.tfjsBackend, 'cpu');
    assert.ok(info.nativeKernels.includes('BatchMatMul') && info.nativeKernels.includes('UnsortedSegmentSum'));
    assert.ok(info.blas && info.blas.threads >= 1);
    assert.match(info.reason, /skipped tensorflow/);
    assert.equal(nativeKernelsInstalled(), true);
  });

  it('rejects unknown names with a BackendError naming the source', async () => {
    await assert.rejects(selectBackend('gpu' as never, { log: false }), (e: Error) => e instanceof BackendError && /selectBackend\(name\) = 'gpu'/.test(e.message));
  });

  it('auto in a fresh process logs its choice once and trains an embedding', () => {
    const r = child(null, {});
    assert.equal(r.name, hasAddon ? 'native' : 'wasm');
    assert.deepEqual(r.grad, EXPECTED_GRAD);
    assert.equal((r.stderr.match(/\[minitron\] backend:/g) ?? []).length, 1);
  });

  it('MINITRON_NATIVE=0 warns once and falls back to wasm, which trains (JS UnsortedSegmentSum)', () => {
    const r = child(null, { MINITRON_NATIVE: '0' });
    assert.equal(r.name, 'wasm');
    assert.equal(r.tfjs, 'wasm');
    assert.deepEqual(r.grad, EXPECTED_GRAD);
    assert.equal((r.stderr.match(/warning: backend native unavailable \(disabled by MINITRON_NATIVE=0\)/g) ?? []).length, 1);
  });

  it('a missing addon file falls back without crashing', () => {
    const r = child('native', { MINITRON_NATIVE_PATH: '/nonexistent/minitron_native.node' });
    assert.equal(r.name, 'wasm');
    assert.match(r.stderr, /native addon not built/);
    assert.deepEqual(r.grad, EXPECTED_GRAD);
  });

  it('MINITRON_BACKEND overrides auto; a bad value is a clear error', () => {
    assert.equal(child(null, { MINITRON_BACKEND: 'cpu' }).name, 'cpu');
    assert.deepEqual(child(null, { MINITRON_BACKEND: 'cpu' }).grad, EXPECTED_GRAD);
    assert.match(child(null, { MINITRON_BACKEND: 'fast' }).error ?? '', /BackendError: .*MINITRON_BACKEND = 'fast'/);
  });
});
