import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { importanceCmd } from '../../src/cli/importance.js';
import { pruneCmd } from '../../src/cli/prune.js';
import { searchCmd } from '../../src/cli/search.js';
import { PlanError } from '../../src/prune/errors.js';
import { UsageError } from '../../src/errors.js';
import type { ArchPlan, ImportanceReport } from '../../src/types.js';
import { ensureReference } from './reference.js';
import { captureLog } from '../helpers.js';

let tmp = '';
let model = '';
let text = '';

/** Runs fn and returns what it printed with console.log. */
const capture = (fn: () => Promise<void>): Promise<string[]> => captureLog(fn, true);

before(async () => {
  await tf.setBackend('cpu');
  model = path.join(ensureReference(), 'llama_gqa');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-cli-'));
  text = path.join(tmp, 'text.txt');
  fs.writeFileSync(text, 'Call me Ishmael. Some years ago - never mind how long precisely - having little or no money in my purse, '.repeat(40));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('importance -> prune (targets and --plan) -> search, end to end on a tiny checkpoint', async () => {
  const report = path.join(tmp, 'report.json');
  const out1 = await capture(() => importanceCmd([model, text, '--out', report, '--samples', '4', '--seq-len', '16', '--batch', '2', '--depth', 'ppl,bi', '--blocks', '1']));
  assert.equal(out1.at(-1), report);
  const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as ImportanceReport;
  assert.equal(rep.samples, 4);
  assert.equal(rep.seqLen, 16);
  assert.deepEqual(Object.keys(rep.layers!).sort(), ['bi', 'ppl']);

  const dir = path.join(tmp, 'small');
  const out2 = await capture(() => pruneCmd([model, '--report', report, '--hidden', '40', '--ffn', '40', '--heads', '4', '--layers', '3', '--out', dir]));
  assert.equal(out2.at(-2), dir);
  assert.ok(Number(out2.at(-1)) > 0);
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as ArchPlan;
  assert.equal(plan.target.numLayers, 3);
  assert.ok(fs.existsSync(path.join(dir, 'tokenizer.json')), 'tokenizer copied');

  const dir2 = path.join(tmp, 'small2');
  const out3 = await capture(() => pruneCmd([model, '--plan', path.join(dir, 'plan.json'), '--out', dir2]));
  assert.equal(out3.at(-1), out2.at(-1));
  await assert.rejects(pruneCmd([model, '--plan', path.join(dir, 'plan.json'), '--out', dir2]), /already exists/);

  const planOut = path.join(tmp, 'best.json');
  const out4 = await capture(() => searchCmd([model, '--report', report, '--params', '60K', '--text', text, '--samples', '2', '--seq-len', '16',
    '--top-k', '3', '--hidden-multiple', '8', '--ffn-multiple', '16', '--layer-multiple', '1', '--max-depth', '0.3', '--plan-out', planOut]));
  assert.match(out4[0], /rank/);
  assert.equal(out4.length, 5);
  assert.equal(out4.at(-1), planOut);
  assert.equal((JSON.parse(fs.readFileSync(planOut, 'utf8')) as ArchPlan).kind, 'arch-plan');

  // Stage 2: the best 2 candidates retrained by 2 distillation steps each, re-ranked.
  const out5 = await capture(() => searchCmd([model, '--report', report, '--params', '60K', '--text', text, '--samples', '2', '--seq-len', '16',
    '--top-k', '3', '--hidden-multiple', '8', '--ffn-multiple', '16', '--layer-multiple', '1', '--max-depth', '0.3',
    '--distill-steps', '2', '--distill-top', '2']));
  const at = out5.findIndex((l) => /^after 2 distillation steps:/.test(l));
  assert.ok(at > 0, out5.join('\n'));
  assert.equal(out5.length - at - 2, 2, 'two re-ranked rows');
});

test('CLI errors: bad flags, foreign report, impossible targets', async () => {
  const report = path.join(tmp, 'report2.json');
  await capture(() => importanceCmd([model, text, '--out', report, '--samples', '2', '--seq-len', '8', '--depth', 'bi']));
  await assert.rejects(importanceCmd([model, text, '--out', report, '--agg-seq', 'max']), (e: unknown) => e instanceof UsageError && /--agg-seq/.test(String(e)));
  await assert.rejects(importanceCmd([model, text, '--out', report, '--depth', 'ppl,magic']), /unknown metric "magic"/);
  await assert.rejects(pruneCmd([model, '--report', report, '--out', path.join(tmp, 'x')]), /either target sizes or --plan/);
  await assert.rejects(pruneCmd([model, '--report', report, '--heads', '5', '--out', path.join(tmp, 'x')]), (e: unknown) => e instanceof PlanError && e.code === 'heads-not-divisible');
  await assert.rejects(pruneCmd([model, '--report', report, '--hidden', '100', '--out', path.join(tmp, 'x')]), /larger than the source/);
  const foreign = path.join(tmp, 'foreign.json');
  const rep = JSON.parse(fs.readFileSync(report, 'utf8'));
  fs.writeFileSync(foreign, JSON.stringify({ ...rep, spec: { ...rep.spec, numLayers: 12 } }));
  await assert.rejects(pruneCmd([model, '--report', foreign, '--hidden', '40', '--out', path.join(tmp, 'x')]), /another model/);
  await assert.rejects(pruneCmd([model, '--report', path.join(tmp, 'nope.json'), '--hidden', '40', '--out', path.join(tmp, 'x')]), /no such file/);
  await assert.rejects(searchCmd([model, '--report', report, '--params', 'many', '--text', text]), /--params/);
  await assert.rejects(searchCmd([model, '--report', report, '--params', '10', '--text', text]), /no architecture/);
  assert.ok(!fs.existsSync(path.join(tmp, 'x')));
});

test('unknown flags are usage errors that show the usage', async () => {
  await assert.rejects(pruneCmd([model, '--bogus', '1']), (e: unknown) => e instanceof UsageError && /usage: minitron prune/.test(String(e)));
  await assert.rejects(searchCmd([model]), /usage: minitron search/);
  await assert.rejects(importanceCmd([model]), /usage: minitron importance/);
});
