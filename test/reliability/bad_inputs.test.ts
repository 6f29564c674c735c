/**
 * Every bad input of the table (cases.ts, outputs.ts) run through the CLI in-process: the expected MinitronError
 * class and message, one printed line, inputs unchanged (sha256 of every file under the fixture root) and no
 * leftover output. A few run as real processes to check the exit code, the single line and MINITRON_DEBUG.
 * MINITRON_SHOW_ERRORS=1 prints each case's error class and message (to review their wording).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCommand, reportError } from '../../src/cli/main.js';
import { selectBackend } from '../../src/backend/index.js';
import { CASES, type BadCase } from './cases.js';
import { OUTPUT_CASES } from './outputs.js';
import { diffSnapshots, makeFixture, snapshot, type Fixture } from './fixture.js';
import { ROOT } from '../helpers.js';

let f: Fixture;

/** Runs fn with console output and stderr writes captured; returns what was printed to stderr by console.error. */
async function quiet<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; errLines: string[] }> {
  const errLines: string[] = [];
  const log = console.log, err = console.error, write = process.stderr.write;
  console.log = () => {};
  console.error = (...a: unknown[]) => { errLines.push(a.join(' ')); };
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { value: await fn(), errLines };
  } catch (error) {
    return { error, errLines };
  } finally {
    console.log = log; console.error = err; process.stderr.write = write;
  }
}

function classChain(e: unknown): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(e); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) names.push(p.constructor.name);
  return names;
}

before(async () => {
  await selectBackend('auto', { log: false });
  f = await makeFixture(async (fx) => {
    const r = await quiet(() => runCommand(['importance', fx.model, fx.text, '--out', fx.report, '--samples', '4', '--seq-len', '8', '--batch', '2', '--depth', 'ppl,bi']));
    assert.equal(r.error, undefined, String(r.error));
    const s = await quiet(() => runCommand(['search', fx.model, '--report', fx.report, '--params', '60K', '--text', fx.text, '--samples', '2', '--seq-len', '8',
      '--top-k', '2', '--hidden-multiple', '8', '--ffn-multiple', '16', '--layer-multiple', '1', '--max-depth', '0.3', '--plan-out', fx.plan]));
    assert.equal(s.error, undefined, String(s.error));
    const d = await quiet(() => runCommand(['distill', '--teacher', fx.model, '--student', fx.student, '--data', fx.text, '--steps', '1', '--out', path.join(fx.root, 'trained'),
      '--state', path.join(fx.root, 'trained.state'), '--batch', '1', '--seq-len', '8', '--eval-tokens', '32', '--checkpoint-every', '1']));
    assert.equal(d.error, undefined, String(d.error));
    process.exitCode = 0;
  });
});
after(() => fs.rmSync(f.root, { recursive: true, force: true }));

async function check(c: BadCase, i: number): Promise<void> {
  const dir = path.join(f.root, 'cases', String(i));
  fs.mkdirSync(dir, { recursive: true });
  c.setup?.(f, dir);
  const argv = c.argv(f, dir);
  const before = snapshot(f.root);
  const r = await quiet(() => runCommand(argv));
  assert.ok(r.error !== undefined, `expected ${c.error}, but minitron ${argv.join(' ')} succeeded`);
  const chain = classChain(r.error);
  assert.ok(chain.includes(c.error), `expected ${c.error}, got ${chain[0]}: ${(r.error as Error).message}`);
  assert.ok(chain.includes('MinitronError'), `${chain[0]} is not a MinitronError`);
  assert.match((r.error as Error).message, c.match);
  if (process.env.MINITRON_SHOW_ERRORS) process.stdout.write(`${c.name}\t${chain[0]}\t${(r.error as Error).message.split('\n')[0].replaceAll(f.root, '<root>')}\n`);
  const printed = await quiet(async () => reportError(argv[0], r.error));
  process.exitCode = 0;
  assert.ok(!/^\s+at /m.test(printed.errLines.join('\n')), 'no stack without MINITRON_DEBUG');
  assert.deepEqual(diffSnapshots(before, snapshot(f.root)), [], 'inputs unchanged, nothing left behind');
  fs.rmSync(dir, { recursive: true, force: true });
}

describe('bad inputs are refused with a typed error, inputs intact, nothing left behind', () => {
  [...CASES, ...OUTPUT_CASES].forEach((c, i) => it(c.name, () => check(c, i)));
});

describe('as a process: one line, exit code 1, stack only under MINITRON_DEBUG=1', () => {
  const cli = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cli_child.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  it('a missing shard, a malformed report and a bad flag each print one line', () => {
    for (const args of [['info', path.join(f.root, 'nope')], ['prune', f.model, '--report', f.text, '--ffn', '40', '--out', path.join(f.root, 'x')], ['ppl', f.model, f.text, '--stride', 'x']]) {
      const r = cli({ MINITRON_DEBUG: '' }, ...args);
      assert.equal(r.status, 1, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('minitron ') || /^\s+at /.test(l));
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(!fs.existsSync(path.join(f.root, 'x')));
    }
  });
  it('MINITRON_DEBUG=1 adds the stack', () => {
    const r = cli({ MINITRON_DEBUG: '1' }, 'info', path.join(f.root, 'nope'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^minitron info: .*config.json missing/m);
    assert.match(r.stderr, /^\s+at /m);
  });
});
