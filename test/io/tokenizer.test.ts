/**
 * Tokenizer ids equal transformers' tokenizer on test texts (the real model's tokenizer.json).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { CheckpointError } from '../../src/errors.js';
import { GEN, REAL_MODEL, tmpDir } from '../helpers.js';

test('SmolLM2 tokenizer.json: ids identical to transformers on every test text', () => {
  const tok = loadTokenizer(REAL_MODEL);
  const cases = JSON.parse(fs.readFileSync(path.join(GEN, 'tokenizer_ids.json'), 'utf8')) as Array<{ text: string; ids: number[] }>;
  assert.ok(cases.length >= 6);
  for (const c of cases) {
    assert.deepEqual(tok.encode(c.text), c.ids, `ids differ for ${JSON.stringify(c.text.slice(0, 40))}`);
    assert.equal(tok.decode(c.ids), c.text);
  }
});

test('missing or malformed tokenizer.json is a CheckpointError naming the file', () => {
  const dir = tmpDir('tok');
  assert.throws(() => loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.message.includes(dir) && /tokenizer.json missing/.test(e.message));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{oops');
  assert.throws(() => loadTokenizer(dir), /tokenizer.json: not valid JSON/);
});
