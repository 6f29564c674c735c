import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkpoint, clearOutput, display, displayBundle, getCommProvider, InterruptedError, liveLoss, NoCommProviderError, openComm,
  progress, progressBundle, QUIET, registerCommTarget, setCommProvider, setDisplaySink, setInterruptCheck,
} from '../../src/display/index.js';
import type { CommProvider, MimeBundle, SinkOptions } from '../../src/display/index.js';

function recordingSink(): { calls: { bundle: MimeBundle; opts: SinkOptions }[]; clears: boolean[] } {
  const rec = { calls: [] as { bundle: MimeBundle; opts: SinkOptions }[], clears: [] as boolean[] };
  setDisplaySink({ display: (bundle, opts) => rec.calls.push({ bundle, opts }), clear: (w) => rec.clears.push(w) });
  return rec;
}

test('display() without a sink prints text/plain to stdout', (t) => {
  setDisplaySink(null);
  const written: string[] = [];
  t.mock.method(process.stdout, 'write', (s: string) => { written.push(s); return true; });
  displayBundle({ 'text/plain': 'hello', 'text/html': '<b>hello</b>' });
  display({ kind: 'train-history', rows: [] });
  t.mock.restoreAll();
  assert.equal(written[0], 'hello\n');
  assert.match(written[1], /^TrainHistory \(0 rows\)/);
});

test('display() hands bundles to the sink and the handle updates by display id', () => {
  const rec = recordingSink();
  const h = display('a', { displayId: 'x1' });
  h.update('b');
  assert.equal(h[QUIET], true);
  assert.deepEqual(rec.calls.map((c) => [c.bundle['text/plain'], c.opts.displayId, c.opts.update]), [['a', 'x1', false], ['b', 'x1', true]]);
  const auto = display(1);
  assert.match(auto.displayId, /^minitron-/);
  displayBundle({ 'text/plain': 'no id' }, { update: true }); // update without an id is a plain display
  assert.equal(rec.calls.at(-1)!.opts.update, false);
  clearOutput(true);
  assert.deepEqual(rec.clears, [true]);
  setDisplaySink(null);
});

test('progress() and liveLoss() update one display in place', () => {
  const rec = recordingSink();
  const p = progress(4, { label: 'steps', minIntervalMs: 0 });
  p.tick(); p.tick(2, 'loss 1.2'); p.done();
  const ids = new Set(rec.calls.map((c) => c.opts.displayId));
  assert.equal(ids.size, 1);
  assert.deepEqual(rec.calls.map((c) => c.opts.update), [false, true, true, true]);
  assert.match(String(rec.calls[2].bundle['text/plain']), /^steps \|█+ +\| 3\/4 75% loss 1\.2$/);
  assert.equal((progressBundle(9, 4)['application/vnd.minitron.progress+json'] as { value: number }).value, 9);
  rec.calls.length = 0;
  const live = liveLoss({ minIntervalMs: 0 });
  live.push({ step: 0, tokens: 8, loss: 2, lr: 1 });
  live.push({ step: 1, tokens: 16, loss: 1, lr: 1 });
  assert.equal(rec.calls.length, 3);
  const last = rec.calls[2].bundle['application/vnd.minitron.train-history+json'] as { rows: unknown[] };
  assert.equal(last.rows.length, 2);
  setDisplaySink(null);
});

test('comms need a provider; with one, openComm and registerCommTarget delegate', () => {
  setCommProvider(null);
  assert.throws(() => openComm('t'), NoCommProviderError);
  assert.throws(() => registerCommTarget('t', () => undefined), /comm provider/);
  const seen: string[] = [];
  const provider: CommProvider = {
    open: (target) => { seen.push(`open ${target}`); return { commId: '1', targetName: target, send() {}, close() {}, onMsg() {}, onClose() {} }; },
    registerTarget: (name) => { seen.push(`target ${name}`); },
    unregisterTarget: () => undefined,
  };
  setCommProvider(provider);
  assert.equal(getCommProvider(), provider);
  assert.equal(openComm('a', { x: 1 }).targetName, 'a');
  registerCommTarget('b', () => undefined);
  assert.deepEqual(seen, ['open a', 'target b']);
  setCommProvider(null);
});

test('checkpoint() yields, and throws InterruptedError once the host reports an interrupt', async () => {
  setInterruptCheck(null);
  await checkpoint();
  let interrupted = false;
  setInterruptCheck(() => interrupted);
  let steps = 0;
  const loop = (async () => { for (;;) { steps++; if (steps === 5) interrupted = true; await checkpoint(); } })();
  await assert.rejects(loop, InterruptedError);
  assert.equal(steps, 5);
  setInterruptCheck(null);
});
