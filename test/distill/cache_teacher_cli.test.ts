/**
 * `minitron cache-teacher` then `minitron distill --teacher-cache`: the cached run loads no teacher and reports the
 * cache; a finished cache is reused; a cache of other text, another --seq-len or other options is refused by name;
 * --out inside the teacher is refused. (Equality with the live teacher: test/distill/teacher_cache_train.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cacheTeacherCmd } from '../../src/cli/cache_teacher.js';
import { distillCmd } from '../../src/cli/distill.js';
import { mobyDickText } from '../../src/data/corpus.js';
import { TeacherCache } from '../../src/distill/teacher_cache.js';
import { textFile, writeTeacherStudent } from './tiny_llama.js';
import { captureLog } from '../helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-cli-'));
let teacherDir = '', studentDir = '', dataFile = '', otherFile = '';

const capture = (fn: () => Promise<void>): Promise<string[]> => captureLog(fn);

before(async () => {
  ({ teacherDir, studentDir } = await writeTeacherStudent(root));
  dataFile = textFile(root, 'moby.txt', mobyDickText().slice(0, 4000));
  otherFile = textFile(root, 'other.txt', mobyDickText().slice(4000, 8000));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('minitron cache-teacher / distill --teacher-cache', () => {
  it('caches, then distils from the cache alone', async () => {
    const cache = path.join(root, 'cache');
    const c = await capture(() => cacheTeacherCmd([teacherDir, dataFile, '--out', cache, '--seq-len', '16', '--top-k', '8']));
    assert.match(c.at(-1)!, new RegExp(`^cache ${cache} windows \\d+$`));
    const windows = TeacherCache.open(cache).info.windows;
    assert.ok(windows >= 20, `windows ${windows}`);
    const again = await capture(() => cacheTeacherCmd([teacherDir, dataFile, '--out', cache, '--seq-len', '16', '--top-k', '8']));
    assert.equal(again.at(-1), c.at(-1), 'a finished cache is reused as it is');
    const lines = await capture(() => distillCmd(['--teacher-cache', cache, '--student', studentDir, '--data', dataFile, '--steps', '2',
      '--out', path.join(root, 'kd'), '--batch', '2', '--seq-len', '16', '--eval-tokens', '64']));
    assert.match(lines.find((l) => l.startsWith('data '))!, new RegExp(`teacher cache ${cache}`));
    assert.equal(lines.filter((l) => /^step \d+\/2 .*kl \d/.test(l)).length, 2);
    assert.match(lines.at(-1)!, /^eval_ppl \d/);
  });

  it('refuses a cache of other text or another --seq-len, and an --out inside the teacher', async () => {
    const cache = path.join(root, 'cache2');
    await capture(() => cacheTeacherCmd([teacherDir, dataFile, '--out', cache, '--seq-len', '16', '--top-k', '4']));
    const run = (data: string, seq: string, out: string): Promise<string[]> => capture(() => distillCmd(['--teacher-cache', cache, '--student', studentDir,
      '--data', data, '--steps', '1', '--out', path.join(root, out), '--batch', '1', '--seq-len', seq]));
    await assert.rejects(run(otherFile, '16', 'x1'), /made from other data/);
    await assert.rejects(run(dataFile, '8', 'x2'), /holds windows of 16 tokens, the run uses seqLen 8/);
    await assert.rejects(cacheTeacherCmd([teacherDir, dataFile, '--out', path.join(teacherDir, 'cache')]), /--out/);
    await assert.rejects(cacheTeacherCmd([teacherDir, dataFile, '--out', cache, '--seq-len', '16', '--top-k', '8']), /made with topK=4, this call has topK=8/);
  });
});
