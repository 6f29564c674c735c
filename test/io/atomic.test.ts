/** The one atomic writer (src/io/atomic.ts): files and folders appear whole or not at all, temporaries never stay. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic, writeFileAtomic, writeFileAtomicWith } from '../../src/io/atomic.js';
import { CheckpointError } from '../../src/errors.js';
import { tmpDir } from '../helpers.js';

test('writeFileAtomic replaces a file; a failing writer leaves the old content and no temporary', () => {
  const dir = tmpDir('atomic-file');
  const f = path.join(dir, 'sub', 'report.json');
  writeFileAtomic(f, '{"a":1}');
  writeFileAtomic(f, '{"a":2}');
  assert.equal(fs.readFileSync(f, 'utf8'), '{"a":2}');
  assert.throws(() => writeFileAtomicWith(f, (tmp) => { fs.writeFileSync(tmp, 'half'); throw new Error('disk full'); }), /disk full/);
  assert.equal(fs.readFileSync(f, 'utf8'), '{"a":2}');
  assert.deepEqual(fs.readdirSync(path.dirname(f)), ['report.json']);
});

test('writeDirAtomic: whole folder or nothing; replace or refuse an existing one', () => {
  const root = tmpDir('atomic-dir');
  const d = path.join(root, 'ckpt');
  writeDirAtomic(d, (tmp) => fs.writeFileSync(path.join(tmp, 'state.json'), '1'));
  writeDirAtomic(d, (tmp) => { fs.writeFileSync(path.join(tmp, 'state.json'), '2'); fs.writeFileSync(path.join(tmp, 'w.bin'), 'x'); });
  assert.deepEqual(fs.readdirSync(d).sort(), ['state.json', 'w.bin']);
  assert.equal(fs.readFileSync(path.join(d, 'state.json'), 'utf8'), '2');
  assert.throws(() => writeDirAtomic(d, (tmp) => { fs.writeFileSync(path.join(tmp, 'state.json'), '3'); throw new Error('crash'); }), /crash/);
  assert.equal(fs.readFileSync(path.join(d, 'state.json'), 'utf8'), '2');
  assert.throws(() => writeDirAtomic(d, () => undefined, { replace: false }), (e: unknown) => e instanceof CheckpointError && /already exists/.test(String(e)));
  assert.deepEqual(fs.readdirSync(root), ['ckpt']);
});
