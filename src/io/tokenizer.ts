/**
 * tokenizer.json loading through @huggingface/tokenizers (a maintained pure-JS port of HF tokenizers).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { CheckpointError, UsageError } from '../errors.js';
import { readJsonObject } from './files.js';

/** Text <-> token ids for one checkpoint. @example const tok = loadTokenizer('/m'); tok.encode('Call me Ishmael.') */
export class Tokenizer {
  constructor(private readonly inner: HfTokenizer, readonly file: string, readonly vocabLimit = Infinity) {}

  /** Token ids of `text` without special tokens added (as transformers' `add_special_tokens=False`). */
  encode(text: string): number[] {
    const ids = this.inner.encode(text, { add_special_tokens: false }).ids;
    for (const id of ids) {
      if (id >= this.vocabLimit) {
        throw new CheckpointError(this.file, `token id ${id} (for "${this.decode([id])}") is beyond the model's vocab_size ${this.vocabLimit}; expected a tokenizer that matches config.json`);
      }
    }
    return ids;
  }

  /** The same tokenizer, refusing ids the model's embedding cannot look up. @example tok.withVocabLimit(spec.vocabSize) */
  withVocabLimit(vocabSize: number): Tokenizer {
    return new Tokenizer(this.inner, this.file, vocabSize);
  }

  /** Text of `ids`. @example tok.decode([1, 2, 3]) */
  decode(ids: number[]): string {
    return ids.length === 0 ? '' : this.inner.decode(ids, { skip_special_tokens: false });
  }
}

/**
 * Load <dir>/tokenizer.json (+ tokenizer_config.json when present).
 * @example const tok = loadTokenizer('.cache/models/smollm2-135m');
 */
export function loadTokenizer(dir: string): Tokenizer {
  const file = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(file)) throw new CheckpointError(dir, 'tokenizer.json missing: expected a Hugging Face fast-tokenizer file');
  const json = readJsonObject(file, 'a Hugging Face fast-tokenizer file');
  const model = json.model as { type?: unknown; vocab?: unknown } | undefined;
  if (typeof model !== 'object' || model === null || typeof model.vocab !== 'object') {
    throw new CheckpointError(file, 'no "model" with a "vocab": expected a Hugging Face fast-tokenizer file (tokenizer.json)');
  }
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(cfgFile) ? readJsonObject(cfgFile, 'a tokenizer_config.json object') : {};
  try {
    return new Tokenizer(new HfTokenizer(json, config), file);
  } catch (e) {
    throw new CheckpointError(file, `not a usable tokenizer (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Refuses token ids a model with `vocabSize` rows of embedding cannot look up (tfjs would fail deep inside a gather),
 * naming where the ids came from and the first bad one.
 * @example checkTokenIds(ids, spec.vocabSize, 'perplexity ids');
 */
export function checkTokenIds(ids: ArrayLike<number>, vocabSize: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i];
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) throw new UsageError(`${what}: token id ${t} at position ${i} is not in [0, ${vocabSize}) (the model's vocab_size)`);
  }
}
