/** Reproducibility stamp: digests equal to Python hashlib's on the same bytes; the stamp renders as its MIME type. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { sha256File, sha256Of, sha256Weights, canonicalJson } from '../../src/io/digest.js';
import { stamp } from '../../src/io/stamp.js';
import { toMimeBundle } from '../../src/display/mime.js';
import { CheckpointError } from '../../src/errors.js';
import { GEN, ROOT, setup, tmpDir } from '../helpers.js';

const PY = path.join(ROOT, '.venv', 'bin', 'python');
const MODEL = path.join(GEN, 'llama_gqa');

/** The same digests computed by Python's hashlib (the external reference). */
function pythonDigests(dir: string, text: string): { file: string; weights: string; text: string } {
  const code = `import hashlib, os, re, sys, json
d = sys.argv[1]
files = sorted(f for f in os.listdir(d) if re.fullmatch(r'model(-\\d+-of-\\d+)?\\.safetensors', f))
w = hashlib.sha256()
for f in files:
    w.update((f + '\\n').encode()); w.update(open(os.path.join(d, f), 'rb').read())
print(json.dumps({'file': hashlib.sha256(open(os.path.join(d, files[0]), 'rb').read()).hexdigest(),
                  'weights': w.hexdigest(), 'text': hashlib.sha256(sys.stdin.buffer.read()).hexdigest()}))`;
  return JSON.parse(execFileSync(PY, ['-c', code, dir], { input: text }).toString()) as { file: string; weights: string; text: string };
}

test('sha256 of files, checkpoint weights and text equal hashlib', () => {
  const text = 'Call me Ishmael. Ünïcode — “quotes”.';
  const ref = pythonDigests(MODEL, text);
  assert.equal(sha256File(path.join(MODEL, 'model.safetensors')), ref.file);
  assert.equal(sha256Weights(MODEL), ref.weights);
  assert.equal(sha256Of(text), ref.text);
  const sharded = path.join(GEN, 'llama_sharded');
  assert.equal(sha256Weights(sharded), pythonDigests(sharded, '').weights);
});

test('sha256 of JSON values ignores key order; typed arrays hash their bytes', () => {
  assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
  assert.equal(sha256Of({ x: 1, y: 2 }), sha256Of({ y: 2, x: 1 }));
  assert.equal(sha256Of(new Int32Array([1, 2])), sha256Of(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])));
});

test('a folder without weights, or a missing folder, is a CheckpointError naming it', () => {
  const empty = tmpDir('stamp-empty');
  assert.throws(() => sha256Weights(empty), (e: unknown) => e instanceof CheckpointError && e.message.includes(empty) && /no \*\.safetensors/.test(e.message));
  const missing = path.join(empty, 'nope');
  assert.throws(() => sha256Weights(missing), (e: unknown) => e instanceof CheckpointError && e.message.includes(missing));
  fs.rmSync(empty, { recursive: true });
});

test('stamp: versions, backend, machine, seed and named digests; rendered as application/vnd.minitron.stamp+json', async () => {
  await setup();
  const plan = { kind: 'arch-plan', target: { numLayers: 2 } };
  const s = stamp({ seed: 7, model: MODEL, data: { moby: 'text' }, plan, extra: { steps: 10 } });
  assert.equal(s.kind, 'stamp');
  assert.equal(s.seed, 7);
  assert.equal(s.versions.node, process.versions.node);
  assert.match(s.versions['@tensorflow/tfjs-core'], /^\d+\.\d+\.\d+$/);
  assert.ok(s.backend !== null && s.backend.name.length > 0);
  assert.ok(s.machine.cores >= 1);
  assert.equal(s.sha256.model, sha256Weights(MODEL));
  assert.equal(s.sha256['data:moby'], sha256Of('text'));
  assert.equal(s.sha256.plan, sha256Of(plan));
  assert.ok(Number.isFinite(Date.parse(s.time)));
  const b = toMimeBundle(s);
  assert.deepEqual(b['application/vnd.minitron.stamp+json'], JSON.parse(JSON.stringify(s)));
  assert.match(String(b['text/html']), /Reproducibility stamp/);
  assert.match(String(b['text/plain']), new RegExp(`sha256 model\\s+${s.sha256.model.slice(0, 16)}`));
});
