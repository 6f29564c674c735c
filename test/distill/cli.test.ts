import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { distillCmd } from '../../src/cli/distill.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { forward } from '../../src/model/forward.js';
import { mobyDickText } from '../../src/data/corpus.js';
import { UsageError } from '../../src/errors.js';
import { textFile, writeTeacherStudent } from './tiny_llama.js';
import { maxRelDiff } from './helpers.js';
import { captureLog } from '../helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-cli-'));
let teacherDir = '';
let studentDir = '';
let dataFile = '';

const capture = (fn: () => Promise<void>): Promise<string[]> => captureLog(fn);

before(async () => {
  ({ teacherDir, studentDir } = await writeTeacherStudent(root));
  dataFile = textFile(root, 'moby.txt', mobyDickText().slice(0, 6000));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('minitron distill CLI', () => {
  it('trains, prints progress and eval_ppl last, and writes an HF checkpoint that transformers loads with the same logits', async () => {
    const out = path.join(root, 'out');
    const lines = await capture(() => distillCmd(['--teacher', teacherDir, '--student', studentDir, '--data', dataFile, '--steps', '3',
      '--out', out, '--batch', '2', '--seq-len', '16', '--lr', '1e-3', '--eval-tokens', '128', '--eval-every', '3']));
    assert.match(lines.at(-1)!, /^eval_ppl \d+(\.\d+)?$/);
    const progress = lines.filter((l) => l.startsWith('step '));
    assert.equal(progress.length, 3);
    assert.match(progress[0]!, /^step 1\/3 {2}loss [\d.]+ {2}kl [\d.]+ {2}lr \S+ {2}tok\/s \d+ {2}eta \S+/);
    assert.match(progress[2]!, /eval_loss [\d.]+/);
    const ppl = Number(lines.at(-1)!.split(' ')[1]);
    assert.ok(ppl > 1 && Number.isFinite(ppl), `ppl ${ppl}`);
    // transformers loads the output; its logits equal ours
    const model = await loadModel(out);
    const ids = [[1, 504, 3303, 28, 2536, 314, 260, 2017]];
    const ours = tf.tidy(() => Array.from(forward(model.spec, model.params, tf.tensor2d(ids, [1, 8], 'int32')).dataSync()));
    tf.dispose(Object.values(model.params));
    const py = execFileSync(path.resolve(__dirname, '../../.venv/bin/python'), ['-c', `
import json, sys, torch
from transformers import AutoModelForCausalLM
m = AutoModelForCausalLM.from_pretrained(sys.argv[1]).eval()
with torch.no_grad():
    print(json.dumps(m(torch.tensor(json.loads(sys.argv[2]))).logits.flatten().tolist()))
`, out, JSON.stringify(ids)], { maxBuffer: 64 * 1024 * 1024 }).toString();
    const theirs = JSON.parse(py) as number[];
    assert.ok(maxRelDiff(ours, theirs) < 1e-3, `logit diff ${maxRelDiff(ours, theirs)}`);
    // a second run refuses to overwrite, and --resume of a finished run just re-exports
    await assert.rejects(distillCmd(['--teacher', teacherDir, '--student', studentDir, '--data', dataFile, '--steps', '3', '--out', out]), /already exists/);
    const out2 = path.join(root, 'out2');
    const l2 = await capture(() => distillCmd(['--teacher', teacherDir, '--student', studentDir, '--data', dataFile, '--steps', '3',
      '--out', out2, '--state', `${out}.state`, '--resume', '--batch', '2', '--seq-len', '16', '--lr', '1e-3', '--eval-tokens', '128']));
    assert.equal(l2.filter((l) => l.startsWith('step ')).length, 0);
    assert.equal(l2.at(-1), lines.at(-1));
  });

  it('CE mode needs no teacher; bad arguments raise UsageError', async () => {
    const out = path.join(root, 'out_ce');
    const lines = await capture(() => distillCmd(['--mode', 'ce', '--student', studentDir, '--data', dataFile, '--steps', '2',
      '--out', out, '--batch', '2', '--seq-len', '16', '--eval-tokens', '64']));
    assert.match(lines.find((l) => l.startsWith('step 2/2'))!, /ce [\d.]+/);
    assert.match(lines.at(-1)!, /^eval_ppl /);
    await assert.rejects(distillCmd(['--student', studentDir]), UsageError);
    await assert.rejects(distillCmd(['--teacher', teacherDir, '--student', studentDir, '--data', dataFile, '--steps', '1', '--out', path.join(root, 'x'), '--schedule', 'nope']), /--schedule: expected one of cosine\|linear\|constant, got "nope"/);
    await assert.rejects(distillCmd(['--teacher', teacherDir, '--student', studentDir, '--data', dataFile, '--steps', '1', '--out', path.join(root, 'x'), '--lr-typo', '1']), /Unknown option .--lr-typo.[\s\S]*usage: minitron distill/);
    await assert.rejects(distillCmd(['--teacher', teacherDir, '--student', studentDir, '--data', path.join(root, 'none.txt'), '--steps', '1', '--out', path.join(root, 'y')]), /none.txt: no such file or folder/);
  });
});
