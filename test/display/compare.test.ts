/** mt.compare: named runs → comparison payload (curves + results row), text/plain and text/html fallbacks. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { compare, CompareError, comparisonRows } from '../../src/display/compare.js';
import { toMimeBundle } from '../../src/display/mime.js';
import type { TrainHistory } from '../../src/types.js';
import { asComparison } from '../../labextension/src/mime.js';
import { sampleHistory } from '../labextension/fixtures.js';

const hist = (n: number): TrainHistory => sampleHistory(n) as unknown as TrainHistory;

test('compare: teacher reference, params counted from weights, tokens and time from the rows, fallbacks', () => {
  const w = { a: { shape: [4, 8] }, b: { shape: [8] } }; // weights are counted from their shapes
  const c = compare({
    teacher: { perplexity: 10, params: 1000 },
    kd: { ...hist(40), params: w, perplexity: 12.5 } as never,
    'kd+ce': { history: hist(20), perplexity: 9, timeSec: 90 },
  });
  assert.deepEqual(c.runs.map((r) => r.name), ['teacher', 'kd', 'kd+ce']);
  assert.equal(c.runs[1].params, 40);
  assert.ok(Math.abs(c.runs[1].deltaVsTeacher! - 0.25) < 1e-12);
  assert.ok(Math.abs(c.runs[2].deltaVsTeacher! + 0.1) < 1e-12);
  assert.equal(c.runs[1].tokens, 40 * 4096);
  const h = hist(40);
  let t = 0, prev = 0;
  for (const r of h.rows) { t += (r.tokens - prev) / r.tokensPerSec!; prev = r.tokens; }
  assert.ok(Math.abs(c.runs[1].timeSec! - 80) < 1e-9, 'elapsedSec of the history wins over the summed rates');
  assert.ok(t > 0);
  assert.equal(c.runs[2].timeSec, 90);
  assert.deepEqual(comparisonRows(c).map((r) => r[3]), ['reference', '+25.0%', '-10.0%']);
  const b = toMimeBundle(c);
  assert.deepEqual(asComparison(b['application/vnd.minitron.comparison+json']).runs.length, 3);
  assert.match(String(b['text/plain']), /run\s+parameters\s+perplexity\s+vs teacher/);
  assert.match(String(b['text/html']), /<svg[^>]*>.*<polyline/s);
  assert.match(String(b['text/html']), /<td>kd\+ce<\/td>/);
  assert.throws(() => compare({}), CompareError);
  assert.throws(() => compare({ x: 3 as never }), /run 'x': expected an object/);
  assert.throws(() => compare({ x: { rows: [{ step: 1 }] } as never }), /rows of \{ step, loss/);
});
