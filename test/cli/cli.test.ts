/**
 * The `minitron` command as a user runs it (bin/minitron.js), on tiny fixtures and the real model.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mobyDickText } from '../../src/data/corpus.js';
import { GEN, REAL_MODEL, ROOT, tmpDir } from '../helpers.js';

function minitron(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'minitron.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('minitron info prints the spec and parameter counts', () => {
  const r = minitron('info', path.join(GEN, 'qwen2_bias'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /family\s+"qwen2"/);
  assert.match(r.out, /numKvHeads\s+2/);
  assert.match(r.out, /total\s+[\d,]+/);
  const real = minitron('info', REAL_MODEL);
  assert.match(real.out, /total\s+134,515,008/);
});

test('minitron ppl prints `ppl <value>` last, equal to transformers on the real model', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(GEN, 'real_reference.json'), 'utf8')).ppl_2048;
  const file = path.join(tmpDir('cli'), 'moby.txt');
  fs.writeFileSync(file, mobyDickText());
  const r = minitron('ppl', REAL_MODEL, file, '--seq-len', '256', '--stride', '256', '--max-tokens', '2048');
  assert.equal(r.code, 0, r.err);
  const last = r.out.trim().split('\n').pop()!;
  const m = /^ppl (\d+\.\d+)$/.exec(last);
  assert.ok(m, `last line: ${last}`);
  assert.ok(Math.abs(Number(m[1]) / ref.ppl - 1) <= 1e-3, `${m[1]} vs ${ref.ppl}`);
});

test('bad CLI input: unknown command, missing model folder, bad flag value', () => {
  assert.equal(minitron('frobnicate').code, 2);
  const missing = minitron('info', '/nonexistent/model');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /\/nonexistent\/model: config.json missing/);
  const bad = minitron('ppl', REAL_MODEL, path.join(ROOT, 'README.md'), '--seq-len', 'abc');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--seq-len: expected a positive integer, got "abc"/);
  const typo = minitron('ppl', REAL_MODEL, path.join(ROOT, 'README.md'), '--seqlen', '64');
  assert.equal(typo.code, 1);
  assert.match(typo.err, /Unknown option '--seqlen'[\s\S]*usage: minitron ppl/);
  const noText = minitron('ppl', REAL_MODEL, '/nonexistent.txt');
  assert.match(noText.err, /\/nonexistent.txt: no such file or folder/);
});

test('--help / -h on every subcommand prints its usage (choices from the value tables) and exits 0', async () => {
  const { AGGREGATIONS } = await import('../../src/types.js');
  const { DEPTH_METRICS } = await import('../../src/importance/depth_metrics.js');
  const { LOGIT_LOSSES } = await import('../../src/distill/losses.js');
  for (const cmd of ['info', 'ppl', 'importance', 'prune', 'search', 'distill', 'cache-teacher']) {
    for (const flag of ['--help', '-h']) {
      const r = minitron(cmd, flag);
      assert.equal(r.code, 0, `${cmd} ${flag}: ${r.err}`);
      assert.ok(r.out.startsWith(`usage: minitron ${cmd} `), `${cmd} ${flag}: ${r.out}`);
    }
  }
  const imp = minitron('importance', '--help').out;
  assert.ok(imp.includes(`--depth ${Object.keys(DEPTH_METRICS).join(',')}`), imp);
  assert.ok(imp.includes(`--agg-seq ${Object.keys(AGGREGATIONS).join('|')}`), imp);
  for (const k of Object.keys(DEPTH_METRICS)) assert.match(imp, new RegExp(`--depth ${k.replace('+', '\\+')} +\\S`));
  const dis = minitron('distill', '-h').out;
  assert.ok(dis.includes(`--logit-loss ${Object.keys(LOGIT_LOSSES).join('|')}`), dis);
  const top = minitron('--help');
  assert.equal(top.code, 0);
  assert.match(top.out, /importance +activation and depth importance report/);
  const bad = minitron('importance', 'm', path.join(ROOT, 'README.md'), '--out', 'r.json', '--depth', 'ppl,nope');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--depth: unknown metric "nope", expected some of ppl,bi,taylor,taylor\+,mc/);
});
