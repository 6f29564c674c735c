/** Seeded calibration sampling (src/data/calibration.ts) on the real tokenizer and corpus. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { calibrationBatches } from '../../src/data/calibration.js';
import { sotuText } from '../../src/data/corpus.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { DataError } from '../../src/errors.js';
import { REAL_MODEL } from '../helpers.js';

test('calibrationBatches: seeded windows of exactly seqLen tokens taken from the text; DataError when too short', () => {
  const tok = loadTokenizer(REAL_MODEL);
  const text = sotuText().slice(0, 200_000);
  const enc = (s: string): number[] => tok.encode(s);
  const a = calibrationBatches(text, enc, { samples: 5, seqLen: 32, batchSize: 2, seed: 7 });
  assert.deepEqual(a.map((b) => b.length), [2, 2, 1]);
  for (const row of a.flat()) {
    assert.equal(row.length, 32);
    assert.ok(text.includes(tok.decode(row).slice(8, -8)), 'a window is a piece of the text');
  }
  assert.deepEqual(calibrationBatches(text, enc, { samples: 5, seqLen: 32, batchSize: 2, seed: 7 }), a);
  assert.notDeepEqual(calibrationBatches(text, enc, { samples: 5, seqLen: 32, batchSize: 2, seed: 8 }), a);
  assert.throws(() => calibrationBatches('a few words', enc, { samples: 2, seqLen: 64 }), (e: unknown) => e instanceof DataError && /too short/.test(String(e)));
});
