/**
 * Hugging Face checkpoint folders: load (config.json + *.safetensors [+ index] + tokenizer.json) and save (atomic).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { checkConfigAgainstTensors, configFromSpec, configJson, specFromConfig } from './config.js';
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

/**
 * tie_word_embeddings with a stored lm_head.weight that differs from the embedding: transformers (5.x) then does not
 * tie them and warns; so do we (the spec comes back untied), rather than silently reading the embedding.
 */
function untiedByCheckpoint(dir: string, spec: ModelSpec, files: Map<string, string>, prefix: string): boolean {
  const headFile = files.get('lm_head.weight');
  const embName = hfSource(spec, 'model.embed_tokens.weight', prefix).names[0];
  if (!spec.tiedEmbeddings || !headFile || !files.has(embName)) return false;
  const head = readSafetensors(headFile, ['lm_head.weight']).get('lm_head.weight')!;
  const embed = readSafetensors(files.get(embName)!, [embName]).get(embName)!;
  if (head.shape.join() === embed.shape.join() && head.data.every((v, i) => v === embed.data[i])) return false;
  process.stderr.write(`[minitron] ${dir}: tie_word_embeddings is true but lm_head.weight differs from the embedding; not tying them (as transformers does)\n`);
  return true;
}

/**
 * Load a checkpoint folder into canonical Params (float32 tensors). Files are opened read-only.
 * @example const model = await loadModel('.cache/models/smollm2-135m');
 */
export async function loadModel(dir: string, options: Partial<LoadOptions> = {}): Promise<LoadedModel> {
  const opts = { ...DEFAULT_LOAD_OPTIONS, ...options };
  const { config, spec: declared } = readConfig(dir);
  const tokenizer = fs.existsSync(path.join(dir, 'tokenizer.json')) || opts.requireTokenizer ? loadTokenizer(dir).withVocabLimit(declared.vocabSize) : null;
  const files = tensorFiles(dir);
  checkConfigAgainstTensors(declared, files.keys(), path.join(dir, 'config.json'));
  const prefix = hfPrefix(declared, files);
  const spec: ModelSpec = untiedByCheckpoint(dir, declared, files, prefix) ? { ...declared, tiedEmbeddings: false } : declared;
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
    fs.writeFileSync(path.join(tmp, 'config.json'), configJson(configFromSpec(spec, opts.baseConfig)));
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
