import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearOutput, display, displayBundle, liveLoss, progress, progressBundle, QUIET } from '../../src/display/index.js';
import type { MimeBundle } from '../../src/display/index.js';
import {
  checkpoint, getCommProvider, getDisplaySink, HOST_KEYS, hostStopSignal, installHost, InterruptedError, NO_HOST, NoCommProviderError, openComm,
  registerCommTarget, stopSignal,
} from '../../src/host/index.js';
import type { CommProvider, DisplaySink, SinkOptions } from '../../src/host/index.js';

const setDisplaySink = (sink: DisplaySink | null): void => installHost({ sink });
const setCommProvider = (comms: CommProvider | null): void => installHost({ comms });

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

test('checkpoint() yields, and throws InterruptedError once the host stop signal or its own signal aborts', async () => {
  installHost({ stopSignal: null });
  await checkpoint();
  const cell = new AbortController();
  installHost({ stopSignal: () => cell.signal });
  let steps = 0;
  const loop = (async () => { for (;;) { steps++; if (steps === 5) cell.abort(); await checkpoint(); } })();
  await assert.rejects(loop, InterruptedError);
  assert.equal(steps, 5);
  installHost({ stopSignal: null });
  const own = new AbortController();
  own.abort();
  await assert.rejects(checkpoint(own.signal), (e: unknown) => e instanceof InterruptedError && e.name === 'InterruptedError');
});

test('installHost: one call installs the sink, the comms and the stop signal; parts not given stay; NO_HOST removes all', () => {
  const sink: DisplaySink = { display: () => undefined };
  const comms: CommProvider = { open: () => { throw new Error('unused'); }, registerTarget: () => undefined, unregisterTarget: () => undefined };
  const cell = new AbortController();
  installHost({ sink, comms, stopSignal: () => cell.signal });
  installHost({ sink });
  assert.equal(getDisplaySink(), sink);
  assert.equal(getCommProvider(), comms);
  assert.equal(hostStopSignal(), cell.signal);
  assert.equal((globalThis as Record<symbol, unknown>)[Symbol.for('minitron.display.sink')], sink, 'the key other library copies read');
  assert.equal(HOST_KEYS.quiet, QUIET);
  // a loop's stop signal: the caller's and the host's combined
  const own = new AbortController();
  const both = stopSignal(own.signal)!;
  assert.equal(stopSignal(null), cell.signal);
  assert.equal(both.aborted, false);
  cell.abort();
  assert.equal(both.aborted, true);
  installHost(NO_HOST);
  assert.equal(getDisplaySink(), null);
  assert.equal(getCommProvider(), null);
  assert.equal(hostStopSignal(), null);
  assert.equal(stopSignal(own.signal), own.signal);
  assert.equal(stopSignal(), null);
});
