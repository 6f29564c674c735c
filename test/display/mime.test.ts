import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { displayKindOf, isMimeBundleLike, mimeTypeOf, normalizeBundle, specParamCount, summarizeModel, toMimeBundle } from '../../src/display/index.js';
import type { ArchPlan, ImportanceReport, ModelSpec, TrainHistory } from '../../src/types.js';

const spec: ModelSpec = {
  family: 'llama', vocabSize: 49152, hiddenSize: 576, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64, ffnHiddenSize: 1536,
  activation: 'silu', mlpType: 'gated', normType: 'rmsnorm', normEps: 1e-5, positional: 'rope', ropeTheta: 100000, ropeScaling: null,
  maxPositions: 8192, tiedEmbeddings: true, qkvBias: false, oBias: false, mlpBias: false, slidingWindow: null, bosTokenId: 1, eosTokenId: 2,
};

const MODEL = path.resolve(__dirname, '../../.cache/models/smollm2-135m/model.safetensors');

test('specParamCount matches the real SmolLM2-135M checkpoint (safetensors header)', { skip: !fs.existsSync(MODEL) && 'model not set up' }, () => {
  const fd = fs.openSync(MODEL, 'r');
  const len = Buffer.alloc(8);
  fs.readSync(fd, len, 0, 8, 0);
  const header = Buffer.alloc(Number(len.readBigUInt64LE()));
  fs.readSync(fd, header, 0, header.length, 8);
  fs.closeSync(fd);
  const entries = Object.entries(JSON.parse(header.toString()) as Record<string, { shape?: number[] }>).filter(([k]) => k !== '__metadata__');
  const total = entries.reduce((s, [, v]) => s + (v.shape ?? []).reduce((a, b) => a * b, 1), 0);
  assert.equal(specParamCount(spec), total);
  assert.equal(total, 134515008);
});

test('displayKindOf detects library objects by kind or shape', () => {
  assert.equal(displayKindOf(spec), 'model-spec');
  assert.equal(displayKindOf({ kind: 'train-history', rows: [] }), 'train-history');
  assert.equal(displayKindOf({ spec, params: { w: { shape: [2, 3] } } }), 'model-summary');
  assert.equal(displayKindOf({ kind: 'something-else' }), null);
  assert.equal(displayKindOf(null), null);
  assert.equal(displayKindOf([1, 2]), null);
  assert.equal(mimeTypeOf('arch-plan'), 'application/vnd.minitron.arch-plan+json');
});

test('toMimeBundle: JSON payload is an object plus text and HTML fallbacks', () => {
  const h: TrainHistory = { kind: 'train-history', rows: [{ step: 0, tokens: 64, loss: 3.5, lr: 1e-3 }, { step: 1, tokens: 128, loss: 3.1, lr: 1e-3, evalLoss: 3.3 }] };
  const b = toMimeBundle(h);
  assert.deepEqual(b['application/vnd.minitron.train-history+json'], h);
  assert.match(String(b['text/plain']), /step\s+tokens\s+loss\s+lr\s+evalLoss/);
  assert.match(String(b['text/html']), /<svg[^>]*>.*<polyline/s);
  assert.match(String(b['text/html']), /<table>/);
  const sb = toMimeBundle(spec);
  assert.equal((sb['application/vnd.minitron.model-spec+json'] as ModelSpec).hiddenSize, 576);
  assert.match(String(sb['text/plain']), /parameters\s+134\.52M/);
});

test('toMimeBundle renders ImportanceReport and ArchPlan', () => {
  const rep: ImportanceReport = { kind: 'importance-report', spec, metric: 'activation', aggregation: { seq: 'mean', batch: 'l2' }, samples: 4, seqLen: 16,
    heads: [[1, 2, 3], [0.5, 0.1, 0.2]], layers: { bi: [0.3, 0.1] }, blocks: { k: 2, metric: 'ppl', scores: [1.5] } };
  const rb = toMimeBundle(rep);
  assert.match(String(rb['text/plain']), /layer\s+bi/);
  assert.match(String(rb['text/html']), /rgba\(31,119,180,1\.00\)/);
  const plan: ArchPlan = { kind: 'arch-plan', from: { ...spec, numLayers: 2 }, target: { hiddenSize: 512, ffnHiddenSize: 1024, numHeads: 6, numLayers: 1 },
    keep: { heads: [[0, 1, 2, 3, 4, 5], []], neurons: [[0, 1], []], channels: Array.from({ length: 512 }, (_, i) => i), layers: [0] } };
  const pb = toMimeBundle(plan);
  assert.match(String(pb['text/plain']), /dropped layers \[1\]/);
  assert.match(String(pb['text/plain']), /kept channels 512\/576/);
});

test('summarizeModel counts parameters of loaded tensors', () => {
  const s = summarizeModel({ spec, dir: '/m', params: { a: { shape: [2, 3] }, b: { shape: [4], dtype: 'float32' } } });
  assert.equal(s.numParams, 10);
  assert.equal(s.tensors.length, 2);
  assert.match(String(toMimeBundle({ spec, params: { a: { shape: [2, 3] } } })['text/plain']), /6 in 1 tensors/);
});

test('HTML fallbacks escape user strings', () => {
  const b = toMimeBundle({ kind: 'importance-report', spec, metric: '<script>x</script>', aggregation: { seq: 'mean', batch: 'l2' }, samples: 1, seqLen: 1 });
  assert.ok(!String(b['text/html']).includes('<script>'));
  assert.ok(String(b['text/html']).includes('&lt;script&gt;'));
});

test('ready-made bundles pass through with JSON strings parsed; other values get text/plain', () => {
  assert.ok(isMimeBundleLike({ 'text/html': '<b>x</b>' }));
  assert.ok(!isMimeBundleLike({ html: 'x' }));
  assert.ok(!isMimeBundleLike({}));
  assert.deepEqual(toMimeBundle({ 'application/vnd.plotly.v1+json': '{"data":[]}' }), { 'application/vnd.plotly.v1+json': { data: [] } });
  assert.deepEqual(normalizeBundle({ 'application/json': 'not json' }), { 'application/json': 'not json' });
  assert.deepEqual(toMimeBundle(42), { 'text/plain': '42' });
  assert.deepEqual(toMimeBundle('hi'), { 'text/plain': 'hi' });
  assert.deepEqual(toMimeBundle(undefined), { 'text/plain': 'undefined' });
  const cyclic: Record<string, unknown> = {}; cyclic.self = cyclic;
  assert.equal(toMimeBundle(cyclic)['text/plain'], '[object Object]');
});
