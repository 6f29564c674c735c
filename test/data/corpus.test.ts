import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mobyDickText, sotuDocuments, sotuText } from '../../src/data/corpus.js';

test('State of the Union: every address from 1790 to 2021, ~10 MB', () => {
  const docs = sotuDocuments();
  assert.ok(docs.length >= 233, String(docs.length));
  assert.match(docs[0].name, /^1790_george_washington/);
  assert.match(docs[docs.length - 1].name, /^2021_joseph_r_biden/);
  assert.ok(sotuText().length > 9e6);
});

test('Moby Dick: etymology first, chapters in order, epilogue last', () => {
  const t = mobyDickText();
  assert.ok(t.length > 1.1e6);
  assert.ok(t.indexOf('CHAPTER 1. Loomings.') < t.indexOf('CHAPTER 2. The Carpet-Bag.'));
  assert.ok(t.indexOf('CHAPTER 10.') > t.indexOf('CHAPTER 9.'));
  assert.match(t.slice(-2000), /orphan/);
});
