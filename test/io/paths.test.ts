/**
 * Output-path checks (io/paths.ts) and the library save calls that use them: real paths through symlinks, hard
 * links and `..`; overlap in both directions; kind and writability; leftovers of killed writers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { checkOutput, folderBytes, OutputPathError, realPath } from '../../src/io/paths.js';
import { recoverStaleSiblings } from '../../src/io/atomic.js';
import { loadModel, saveCheckpoint } from '../../src/io/checkpoint.js';
import { exportPruned } from '../../src/prune/export.js';
import { planFromTargets } from '../../src/prune/plan.js';
import { GEN, setup, tmpDir } from '../helpers.js';

const quiet = { log: () => {} };

test('realPath resolves symlinks in the existing part and keeps the missing tail', () => {
  const d = fs.realpathSync(tmpDir('paths'));
  fs.mkdirSync(path.join(d, 'model'));
  fs.symlinkSync(path.join(d, 'model'), path.join(d, 'link'));
  assert.equal(realPath(path.join(d, 'link', 'a', 'b')), path.join(d, 'model', 'a', 'b'));
  assert.equal(realPath(path.join(d, 'x', '..', 'model')), path.join(d, 'model'));
  assert.equal(realPath('/nonexistent/deep/file'), '/nonexistent/deep/file');
});

test('checkOutput refuses overlap with inputs and other outputs, in every direction', () => {
  const d = tmpDir('paths');
  const model = path.join(d, 'model'), text = path.join(d, 'text.txt');
  fs.mkdirSync(model);
  fs.writeFileSync(path.join(model, 'config.json'), '{}');
  fs.writeFileSync(text, 'x');
  fs.symlinkSync(model, path.join(d, 'link'));
  fs.linkSync(text, path.join(d, 'hard.txt'));
  const refuse = (out: string, o: Parameters<typeof checkOutput>[1], re: RegExp): void =>
    assert.throws(() => checkOutput(out, { ...quiet, ...o }), (e: unknown) => e instanceof OutputPathError && re.test(e.message));
  refuse(path.join(model, 'config.json'), { inputs: [model] }, /lies inside the input folder/);
  refuse(path.join(d, 'link', 'config.json'), { inputs: [model] }, /lies inside the input folder/);
  refuse(path.join(d, 'hard.txt'), { inputs: [text] }, /is the input file/);
  refuse(d, { kind: 'dir', inputs: [text] }, /contains the input file/);
  refuse(path.join(d, 'o'), { kind: 'dir', outputs: [path.join(d, 'o', 's')] }, /contains the other output/);
  refuse(path.join(d, 'r.json'), { outputs: [path.join(d, 'r.json')] }, /is the other output/);
  refuse(model, { kind: 'file' }, /is a folder; expected a file path/);
  refuse(text, { kind: 'dir' }, /is a file; expected a folder/);
  refuse(path.join(text, 'sub', 'x'), { kind: 'dir' }, /cannot be created: .*text.txt is a file/);
  refuse(path.join(d, 'n'), { minFreeBytes: Number.MAX_SAFE_INTEGER }, /needs about .* MB free/);
  refuse('', {}, /expected a path/);
  assert.equal(checkOutput(path.join(d, 'fresh', 'r.json'), { ...quiet, inputs: [model, text, null, undefined] }), path.join(d, 'fresh', 'r.json'));
  assert.ok(!fs.existsSync(path.join(d, 'fresh')), 'checking creates nothing');
  assert.equal(folderBytes(model, /\.json$/), 2);
});

test('recoverStaleSiblings removes dead writers\' temporaries, keeps live ones, restores a moved-aside folder', () => {
  const d = tmpDir('stale');
  const target = path.join(d, 'checkpoint');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  fs.mkdirSync(`${target}.tmp-${dead}-1-0`);
  fs.mkdirSync(`${target}.tmp-${process.pid}-1-0`); // ours: a write in flight
  fs.mkdirSync(`${target}.old-${dead}-2-0`);
  fs.writeFileSync(path.join(`${target}.old-${dead}-2-0`, 'state.json'), '{}');
  fs.mkdirSync(path.join(d, 'other.tmp-1-1-0'));
  const lines = recoverStaleSiblings(target);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.ok(fs.existsSync(path.join(target, 'state.json')), 'old copy restored');
  assert.deepEqual(fs.readdirSync(d).sort(), ['checkpoint', `checkpoint.tmp-${process.pid}-1-0`, 'other.tmp-1-1-0']);
  assert.deepEqual(recoverStaleSiblings(path.join(d, 'missing', 'x')), []);
});

test('library saves refuse to write into their inputs, through symlinks too', async () => {
  await setup();
  const d = tmpDir('libsave');
  const src = path.join(d, 'models', 'llama'); // a copy: a failing check must never cost the shared fixtures
  fs.cpSync(path.join(GEN, 'prune', 'llama_gqa'), src, { recursive: true });
  const model = await loadModel(src);
  try {
    const plan = planFromTargets(model.spec, null, { numLayers: model.spec.numLayers });
    fs.symlinkSync(src, path.join(d, 'link'));
    await assert.rejects(exportPruned(path.join(d, 'link', 'small'), model, plan, null), (e: unknown) => e instanceof OutputPathError && /lies inside the input folder/.test(String(e)));
    await assert.rejects(saveCheckpoint(path.join(d, 'link'), model.spec, model.params, { tokenizerFrom: src, overwrite: true }), OutputPathError);
    await assert.rejects(saveCheckpoint(path.dirname(src), model.spec, model.params, { tokenizerFrom: src, overwrite: true }), /contains the input folder/);
    assert.ok(!fs.existsSync(path.join(src, 'small')));
  } finally {
    tf.dispose(model.params);
  }
});
