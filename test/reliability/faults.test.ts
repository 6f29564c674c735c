/**
 * Faults: `minitron distill` killed (SIGKILL at several moments, SIGINT) and resumed reaches exactly the losses of
 * an uninterrupted run; leftovers of killed saves are removed or restored at the next start; read-only and full
 * output file systems are refused before any work (a small tmpfs, or a visible skip where mounting is not allowed).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT } from '../helpers.js';
import { makeFixture, snapshot, diffSnapshots, type Fixture } from './fixture.js';

let f: Fixture;
const CHILD = path.join(__dirname, 'cli_child.ts');
const STEPS = 6;

function args(out: string, state: string, ...extra: string[]): string[] {
  return ['distill', '--teacher', f.model, '--student', f.student, '--data', f.text, '--steps', String(STEPS), '--out', out, '--state', state,
    '--batch', '2', '--seq-len', '8', '--eval-tokens', '32', '--checkpoint-every', '1', '--warmup', '1', '--seed', '3', ...extra];
}

function run(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a run and sends `signal` once `when(stdout so far)` holds, after `delayMs`; resolves with its exit. */
function runAndSignal(argv: string[], when: (out: string) => boolean, signal: NodeJS.Signals, delayMs: number): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '', sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && when(stdout)) {
        sent = true;
        setTimeout(() => child.kill(signal), delayMs);
      }
    });
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stdout }));
  });
}

/** Starts a run, pauses it (SIGSTOP) once `when(stdout so far)` holds, runs `action`, resumes it; resolves with its exit. */
function runPausing(argv: string[], when: (out: string) => boolean, action: () => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', done = false;
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!done && when(stdout)) {
        done = true;
        child.kill('SIGSTOP');
        action();
        child.kill('SIGCONT');
      }
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The loss columns of every training row in a state folder's last checkpoint. */
function losses(state: string): Array<Record<string, number | undefined>> {
  const s = JSON.parse(fs.readFileSync(path.join(state, 'checkpoint', 'state.json'), 'utf8')) as { rows: Array<Record<string, number>> };
  return s.rows.map((r) => ({ step: r.step, loss: r.loss, kl: r.kl, ce: r.ce, lr: r.lr }));
}

/** A pid that is certainly not running (a child that has exited). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

let straight: Array<Record<string, number | undefined>>;
before(async () => {
  f = await makeFixture(async () => {});
  const r = run(args(path.join(f.root, 'straight'), path.join(f.root, 'straight.state')));
  assert.equal(r.status, 0, r.stderr);
  straight = losses(path.join(f.root, 'straight.state'));
  assert.equal(straight.length, STEPS);
});
after(() => fs.rmSync(f.root, { recursive: true, force: true }));

describe('killed runs resume exactly', () => {
  // after step 2's line (between saves), 0 ms and a few ms later (likely inside the next step or its save)
  for (const [at, delay] of [[2, 0], [3, 15], [4, 60]] as const) {
    it(`SIGKILL ${delay} ms after step ${at}, then --resume: identical losses`, async () => {
      const out = path.join(f.root, `k${at}`), state = `${out}.state`;
      const k = await runAndSignal(args(out, state), (s) => s.includes(`step ${at}/${STEPS}`), 'SIGKILL', delay);
      assert.equal(k.signal, 'SIGKILL', 'the run was killed before it finished');
      const r = run(args(out, state, '--resume'));
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(losses(state), straight);
      assert.deepEqual(fs.readdirSync(state).filter((n) => n !== 'checkpoint' && n !== 'exported.json'), [], 'no temporary folders left');
    });
  }

  it('--resume of a run whose export landed (killed while measuring it) trains nothing and measures the export', () => {
    const out = path.join(f.root, 'straight'), state = `${out}.state`;
    const before = snapshot(out);
    const r = run(args(out, state, '--resume'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /already finished: .*straight holds this run's export/);
    assert.doesNotMatch(r.stdout, /step \d+\/6/);
    assert.match(r.stdout, /eval_ppl \d+\.\d+\s*$/);
    assert.deepEqual(diffSnapshots(before, snapshot(out)), [], 'the export is left as it was');
    assert.deepEqual(losses(state), straight);
  });

  it('--resume with another --out than the landed export still refuses an existing folder', () => {
    const out = path.join(f.root, 'straight'), other = path.join(f.root, 'int-other');
    fs.mkdirSync(other, { recursive: true });
    const r = run(args(other, `${out}.state`, '--resume'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--out .*int-other: already exists/);
  });

  it('SIGINT stops at a step boundary (exit 130) with a resumable state; --resume gives identical losses', async () => {
    const out = path.join(f.root, 'int'), state = `${out}.state`;
    const k = await runAndSignal(args(out, state), (s) => s.includes(`step 2/${STEPS}`), 'SIGINT', 0);
    assert.equal(k.code, 130, k.stdout);
    assert.match(k.stdout, /interrupted at step \d\/6; state in .*; rerun with --resume/);
    assert.ok(!fs.existsSync(out), 'an interrupted run exports nothing');
    const r = run(args(out, state, '--resume'));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(losses(state), straight);
  });
});

describe('leftovers of killed saves', () => {
  it('stale temporary folders beside the checkpoint and the output are removed at start', () => {
    const out = path.join(f.root, 'stale'), state = `${out}.state`;
    const pid = deadPid();
    const junk = [path.join(state, `checkpoint.tmp-${pid}-1-0`), `${out}.tmp-${pid}-2-0`];
    for (const j of junk) { fs.mkdirSync(j, { recursive: true }); fs.writeFileSync(path.join(j, 'weights.safetensors'), 'partial'); }
    const r = run(args(out, state).map((a) => (a === String(STEPS) ? '1' : a)));
    assert.equal(r.status, 0, r.stderr);
    for (const j of junk) assert.ok(!fs.existsSync(j), `${j} removed`);
    assert.match(r.stderr, /removed .*checkpoint\.tmp-\d+-1-0 \(left by a killed run\)/);
  });

  it('a checkpoint moved aside by a save killed between its renames is restored and resumed from', async () => {
    const out = path.join(f.root, 'old'), state = `${out}.state`;
    const k = await runAndSignal(args(out, state), (s) => s.includes(`step 3/${STEPS}`), 'SIGKILL', 0);
    assert.equal(k.signal, 'SIGKILL');
    // as if killed after renaming the last checkpoint aside and before renaming the new one in
    fs.renameSync(path.join(state, 'checkpoint'), path.join(state, `checkpoint.old-${deadPid()}-5-0`));
    const r = run(args(out, state, '--resume'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /restored .*checkpoint from .*checkpoint\.old-/);
    assert.deepEqual(losses(state), straight);
  });
});

/** Mounts a tmpfs at dir (options as mount -o), or returns why it cannot. */
function tmpfs(dir: string, opts: string): string | null {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `cannot mount a tmpfs here (${(r.stderr || r.error?.message || 'mount failed').trim()})`;
}
const umount = (dir: string): void => { spawnSync('umount', [dir]); };

describe('read-only and full output file systems', () => {
  const probe = path.join(require('node:os').tmpdir(), `minitron-probe-${process.pid}`);
  const why = process.platform === 'linux' ? tmpfs(probe, 'size=64k') : 'not Linux';
  if (!why) umount(probe);
  fs.rmSync(probe, { recursive: true, force: true });

  it('a read-only --out is refused before any work, inputs untouched', { skip: why ?? false }, () => {
    const ro = path.join(f.root, 'ro');
    assert.equal(tmpfs(ro, 'ro,size=64k'), null);
    try {
      const before = snapshot(f.root);
      const r = run(args(path.join(ro, 'kd'), path.join(ro, 'kd.state')));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--out .*kd: not writable \(read-only file system\)/);
      assert.doesNotMatch(r.stdout, /^step /m, 'no training step ran');
      assert.deepEqual(diffSnapshots(before, snapshot(f.root)), []);
    } finally { umount(ro); }
  });

  it('a full --out file system is refused before any work (distill, prune: free space < the weights)', { skip: why ?? false }, () => {
    const full = path.join(f.root, 'full');
    assert.equal(tmpfs(full, 'size=64k'), null);
    try {
      const r = run(args(path.join(full, 'kd'), path.join(full, 'kd.state')));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--out .*kd: needs about .* MB free/);
      assert.doesNotMatch(r.stdout, /^step /m);
      const p = run(['prune', f.model, '--ffn', '40', '--out', path.join(full, 'small')]);
      assert.equal(p.status, 1);
      assert.match(p.stderr, /--out .*small: needs about .* MB free/);
      assert.deepEqual(fs.readdirSync(full), []);
    } finally { umount(full); }
  });

  it('disk full at a checkpoint keeps the last good one and says so; --resume after freeing space gives identical losses', { skip: why ?? false }, async () => {
    const disk = path.join(f.root, 'disk');
    assert.equal(tmpfs(disk, 'size=8m'), null);
    try {
      const out = path.join(f.root, 'dfull'), state = path.join(disk, 'st'), filler = path.join(disk, 'filler');
      const r = await runPausing(args(out, state), (s) => s.includes(`step 3/${STEPS}`), () => {
        const st = fs.statfsSync(disk);
        fs.writeFileSync(filler, Buffer.alloc(Math.max(0, st.bavail * st.bsize - 64 * 1024))); // leaves 64 KB: less than a checkpoint
      });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /^minitron distill: .*checkpoint: no space left on the device \(expected a writable folder; the previous one, if any, is kept\)$/m);
      const kept = losses(state);
      assert.ok(kept.length >= 3 && kept.length < STEPS, `last good checkpoint at step ${kept.length}`);
      assert.deepEqual(kept, straight.slice(0, kept.length));
      assert.deepEqual(fs.readdirSync(state), ['checkpoint'], 'no partial checkpoint left');
      fs.rmSync(filler);
      const again = run(args(out, state, '--resume'));
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(losses(state), straight);
    } finally { umount(disk); }
  });

  it('disk full while writing a report keeps nothing partial and names the file', { skip: why ?? false }, () => {
    const full = path.join(f.root, 'full2');
    assert.equal(tmpfs(full, 'size=16k'), null);
    try {
      fs.writeFileSync(path.join(full, 'filler'), Buffer.alloc(12 * 1024));
      const out = path.join(full, 'report.json');
      const r = run(['importance', f.model, f.text, '--out', out, '--samples', '2', '--seq-len', '8', '--batch', '2']);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, /report.json: no space left on the device/);
      assert.deepEqual(fs.readdirSync(full), ['filler'], 'no partial report, no temporary file');
    } finally { umount(full); }
  });
});

