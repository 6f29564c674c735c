/**
 * V8's GC and OpenBLAS: `minitron distill` re-starts node with V8_TRAIN_FLAGS (the backend line says so), the other
 * commands and MINITRON_V8_FLAGS=0 keep V8's defaults; gcFunction() runs a collection without --expose-gc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gcFunction, gcOnMainThread, V8_TRAIN_FLAGS } from '../../src/backend/v8_gc.js';
import { ROOT, tmpDir } from '../helpers.js';
import { tinyParams, tinySpec, writeTiny } from '../distill/tiny_llama.js';

let model = '';

async function tinyModel(): Promise<string> {
  if (model) return model;
  const spec = tinySpec(1, 32, 64);
  model = await writeTiny(path.join(tmpDir('v8gc-model'), 'tiny'), spec, tinyParams(spec, 1));
  return model;
}

function distillOnce(env: NodeJS.ProcessEnv): { code: number | null; err: string } {
  const dir = tmpDir('v8gc');
  const data = path.join(dir, 'data.txt');
  fs.writeFileSync(data, 'Call me Ishmael. Some years ago, never mind how long precisely, having little money in my purse. '.repeat(20));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'minitron.js'), 'distill', '--teacher', model, '--student', model, '--data', data,
    '--steps', '1', '--batch', '1', '--seq-len', '8', '--out', path.join(dir, 'out')], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env } });
  return { code: r.status, err: r.stderr };
}

test('minitron distill runs with the GC on the main thread; MINITRON_V8_FLAGS=0 keeps the background GC', async () => {
  await tinyModel();
  assert.deepEqual([...V8_TRAIN_FLAGS], ['--single-threaded-gc']);
  const on = distillOnce({});
  assert.equal(on.code, 0, on.err);
  assert.match(on.err, /backend native .*V8 GC on the main thread/);
  const off = distillOnce({ MINITRON_V8_FLAGS: '0' });
  assert.equal(off.code, 0, off.err);
  assert.doesNotMatch(off.err, /V8 GC on the main thread|concurrent marking off/);
});

test('this test process runs the background GC, and gcFunction() collects without --expose-gc', () => {
  assert.equal(gcOnMainThread(), process.execArgv.includes('--single-threaded-gc'));
  const gc = gcFunction();
  assert.ok(gc, 'gc exposed at run time');
  gc({ type: 'major' });
});
