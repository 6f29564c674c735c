/**
 * Hugging Face checkpoint folders: load (config.json + *.safetensors [+ index] + tokenizer.json) and save (atomic).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { checkConfigAgainstTensors, configFromSpec, specFromConfig } from './config.js';
import { readJsonObject } from './files.js';
import { checkOutput } from './paths.js';
import { expectedShapes, hfPrefix, hfSource, toHfTensors } from './hf_names.js';
import { readHeader, readSafetensors, writeSafetensors, type HostTensor } from './safetensors.js';
import { loadTokenizer, type Tokenizer } from './tokenizer.js';
import { writeDirAtomic } from './atomic.js';

/** A model in memory. */
export interface LoadedModel {
  readonly dir: string;
  readonly spec: ModelSpec;
  readonly params: Params;
  readonly tokenizer: Tokenizer | null;
  /** The source config.json, kept so exports carry its unrelated fields. */
  readonly config: Record<string, unknown>;
}

/** Options for loadModel. */
export interface LoadOptions {
  /** Require tokenizer.json (default true). */
  readonly requireTokenizer: boolean;
}
export const DEFAULT_LOAD_OPTIONS: LoadOptions = { requireTokenizer: true };

/**
 * Read config.json and return the raw object and the spec.
 * @example const { spec } = readConfig('.cache/models/smollm2-135m');
 */
export function readConfig(dir: string): { config: Record<string, unknown>; spec: ModelSpec } {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new CheckpointError(dir, 'config.json missing: expected a Hugging Face checkpoint folder');
  const config = readJsonObject(file, 'a Hugging Face config.json object');
  return { config, spec: specFromConfig(config, file) };
}

/** Map of HF tensor name -> safetensors file that holds it (single file or sharded index). */
function tensorFiles(dir: string): Map<string, string> {
  const index = path.join(dir, 'model.safetensors.index.json');
  const out = new Map<string, string>();
  if (fs.existsSync(index)) {
    const json = readJsonObject(index, 'a safetensors shard index') as { weight_map?: Record<string, string> };
    if (typeof json.weight_map !== 'object' || json.weight_map === null) throw new CheckpointError(index, 'expected a "weight_map" object');
    for (const [name, f] of Object.entries(json.weight_map)) out.set(name, path.join(dir, f));
    return out;
  }
  const single = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(single)) throw new CheckpointError(dir, 'no model.safetensors or model.safetensors.index.json');
  for (const name of readHeader(single).tensors.keys()) out.set(name, single);
  return out;
}

/** tie_word_embeddings with a stored lm_head.weight that differs from the embedding: transformers' result then
 * depends on which tensor it loads last, so such a checkpoint is refused rather than silently read one way. */
function checkTiedHead(dir: string, files: Map<string, string>, embed: HostTensor): void {
  const f = files.get('lm_head.weight');
  if (!f) return;
  const head = readSafetensors(f, ['lm_head.weight']).get('lm_head.weight')!;
  const same = head.shape.join() === embed.shape.join() && head.data.every((v, i) => v === embed.data[i]);
  if (!same) throw new CheckpointError(dir, 'config.json says tie_word_embeddings: true but the weights hold a different lm_head.weight; expected tie_word_embeddings: false or no separate lm_head.weight');
}

/**
 * Load a checkpoint folder into canonical Params (float32 tensors). Files are opened read-only.
 * @example const model = await loadModel('.cache/models/smollm2-135m');
 */
export async function loadModel(dir: string, options: Partial<LoadOptions> = {}): Promise<LoadedModel> {
  const opts = { ...DEFAULT_LOAD_OPTIONS, ...options };
  const { config, spec } = readConfig(dir);
  const tokenizer = fs.existsSync(path.join(dir, 'tokenizer.json')) || opts.requireTokenizer ? loadTokenizer(dir).withVocabLimit(spec.vocabSize) : null;
  const files = tensorFiles(dir);
  checkConfigAgainstTensors(spec, files.keys(), path.join(dir, 'config.json'));
  const prefix = hfPrefix(spec, files);
  const host = new Map<string, HostTensor>();
  const byFile = new Map<string, Set<string>>();
  const shapes = expectedShapes(spec);
  const sources = new Map([...shapes.keys()].map((n) => [n, hfSource(spec, n, prefix)] as const));
  for (const [name, src] of sources) {
    for (const hf of src.names) {
      const f = files.get(hf);
      if (!f) throw new CheckpointError(dir, `tensor "${hf}" missing: the config (${spec.family}, ${spec.numLayers} layers) needs it for ${name}`);
      if (!byFile.has(f)) byFile.set(f, new Set());
      byFile.get(f)!.add(hf);
    }
  }
  for (const [f, names] of byFile) for (const [n, t] of readSafetensors(f, names)) host.set(n, t);
  if (spec.tiedEmbeddings) checkTiedHead(dir, files, host.get(sources.get('model.embed_tokens.weight')!.names[0])!);
  const params: Params = {};
  try {
    for (const [name, src] of sources) {
      const t = src.convert(src.names.map((n) => host.get(n)!));
      const want = shapes.get(name)!;
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        throw new CheckpointError(dir, `tensor "${src.names[0]}" has shape [${t.shape.join(', ')}], config expects [${want.join(', ')}] for ${name}`);
      }
      params[name] = tf.tensor(t.data as Float32Array, t.shape, 'float32');
    }
  } catch (e) {
    tf.dispose(params);
    throw e;
  }
  return { dir, spec, params, tokenizer, config };
}

/** Options for saveCheckpoint. */
export interface SaveOptions {
  /** Copy tokenizer files from this checkpoint folder. */
  readonly tokenizerFrom: string | null;
  /** Source config.json whose unrelated fields the new config keeps. */
  readonly baseConfig: Record<string, unknown>;
  /** Extra files to write beside the weights (name -> content), e.g. plan.json. */
  readonly extraFiles: Record<string, string>;
  /** Replace an existing output folder (default false: an existing folder is an error). */
  readonly overwrite: boolean;
}
export const DEFAULT_SAVE_OPTIONS: SaveOptions = { tokenizerFrom: null, baseConfig: {}, extraFiles: {}, overwrite: false };

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json', 'chat_template.jinja'];

/**
 * Write an HF checkpoint folder (config.json, model.safetensors, tokenizer files, extras) to a temp folder, then rename.
 * @example await saveCheckpoint('/tmp/pruned', spec, params, { tokenizerFrom: model.dir, baseConfig: model.config });
 */
export async function saveCheckpoint(outDir: string, spec: ModelSpec, params: Params, options: Partial<SaveOptions> = {}): Promise<void> {
  const opts = { ...DEFAULT_SAVE_OPTIONS, ...options };
  if (fs.existsSync(outDir) && !opts.overwrite) throw new CheckpointError(outDir, 'output folder already exists; choose a new path');
  checkOutput(outDir, { what: 'saveCheckpoint', kind: 'dir', inputs: [opts.tokenizerFrom] });
  const shapes = expectedShapes(spec);
  const canon = new Map<string, HostTensor>();
  for (const [name, shape] of shapes) {
    const t = params[name];
    if (!t) throw new CheckpointError(outDir, `param "${name}" missing for the ${spec.family} spec being saved`);
    if (t.shape.join() !== shape.join()) throw new CheckpointError(outDir, `param "${name}" has shape [${t.shape}], spec expects [${shape}]`);
    canon.set(name, { dtype: 'float32', shape, data: (await t.data()) as Float32Array });
  }
  writeDirAtomic(outDir, (tmp) => {
    writeSafetensors(path.join(tmp, 'model.safetensors'), toHfTensors(spec, canon));
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(configFromSpec(spec, opts.baseConfig), null, 2) + '\n');
    if (opts.tokenizerFrom) {
      for (const f of TOKENIZER_FILES) {
        const src = path.join(opts.tokenizerFrom, f);
        if (fs.existsSync(src)) fs.copyFileSync(src, path.join(tmp, f));
      }
    }
    for (const [name, content] of Object.entries(opts.extraFiles)) fs.writeFileSync(path.join(tmp, name), content);
  }, { replace: opts.overwrite });
}

export { paramCounts, type ParamCounts } from '../plan_core/shapes.js';
