/** liveLoss(): the train-history payload carries what the lab plot's header needs (totalSteps, elapsedSec); push works as distill()'s onStep. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { liveLoss } from '../../src/display/progress.js';
import { installHost } from '../../src/host/index.js';
import { lossHeader } from '../../labextension/src/loss_figure.js';
import type { HistoryJson } from '../../labextension/src/mime.js';

test('liveLoss: totalSteps/elapsedSec from the options or onStep info reach the payload and the header', () => {
  const shown: Record<string, unknown>[] = [];
  installHost({ sink: { display: (b) => { shown.push(b); } } });
  try {
    const live = liveLoss({ minIntervalMs: 0, totalSteps: 10 });
    const first = shown[0]['application/vnd.minitron.train-history+json'] as HistoryJson;
    assert.equal(first.totalSteps, 10);
    assert.equal(typeof first.elapsedSec, 'number');
    const onStep = live.push; // used unbound, as distill({ onStep: live.push }) does
    onStep({ step: 1, tokens: 100, loss: 3, lr: 1e-3, tokensPerSec: 50 }, { totalSteps: 4, elapsedSec: 2 });
    onStep({ step: 2, tokens: 200, loss: 2.5, lr: 1e-3, tokensPerSec: 50 }, { totalSteps: 4, elapsedSec: 4 });
    const last = shown.at(-1)!['application/vnd.minitron.train-history+json'] as HistoryJson;
    assert.deepEqual([last.rows.length, last.totalSteps, last.elapsedSec], [2, 4, 4]);
    assert.equal(lossHeader(last), 'step 2 / 4 (50%) · elapsed 4s · ETA 4s · 50 tok/s · loss 2.5');
  } finally {
    installHost({ sink: null });
  }
});
