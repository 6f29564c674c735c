/**
 * `minitron info <model-dir>` and `minitron ppl <model-dir> <text-file>`.
 */
import { selectBackend } from '../backend/index.js';
import { loadModel, paramCounts, readConfig } from '../io/checkpoint.js';
import { perplexity } from '../eval/perplexity.js';
import { CliError, intFlag, parseCommand, stringFlags } from './flags.js';
import { readTextFile } from '../io/files.js';
import { checkSeqLen } from '../io/config.js';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** Usage of `minitron info`. @example console.log(INFO_USAGE) */
export const INFO_USAGE = 'usage: minitron info <model-dir>';
/** Usage of `minitron ppl`. @example console.log(PPL_USAGE) */
export const PPL_USAGE = `usage: minitron ppl <model-dir> <text-file> [--seq-len N] [--stride N] [--max-tokens N] [--batch N] [--bos]
  --bos  put the model's BOS token (config.json bos_token_id) before every window; models trained with one (Gemma) expect it`;

/** Print the spec and parameter counts per component. @example await infoCmd(['.cache/models/smollm2-135m']) */
export async function infoCmd(argv: string[]): Promise<void> {
  const args = parseCommand(argv, {}, INFO_USAGE);
  if (!args) return;
  const [dir] = args.positionals;
  if (!dir || args.positionals.length > 1) throw new CliError(INFO_USAGE);
  const { spec } = readConfig(dir);
  console.log(`model ${dir}`);
  for (const [k, v] of Object.entries(spec)) console.log(`  ${k.padEnd(16)} ${JSON.stringify(v)}`);
  const c = paramCounts(spec);
  console.log('parameters');
  for (const [k, v] of Object.entries(c)) console.log(`  ${k.padEnd(16)} ${v.toLocaleString('en-US')}`);
}

/** Perplexity of a text file; prints `ppl <value>` last. @example await pplCmd(['m', 'moby.txt', '--max-tokens', '4096']) */
export async function pplCmd(argv: string[]): Promise<void> {
  const args = parseCommand(argv, { ...stringFlags(['seq-len', 'stride', 'max-tokens', 'batch']), bos: { type: 'boolean' } }, PPL_USAGE);
  if (!args) return;
  const { values: v, positionals } = args;
  const [dir, textFile] = positionals;
  if (!dir || !textFile || positionals.length > 2) throw new CliError(PPL_USAGE);
  const text = readTextFile(textFile, 'a text file');
  const seqLen = intFlag('--seq-len', v['seq-len'], 256);
  const stride = intFlag('--stride', v.stride, seqLen);
  const maxTokens = intFlag('--max-tokens', v['max-tokens'], 0, 0), batch = intFlag('--batch', v.batch, 4);
  const spec = readConfig(dir).spec;
  const bos = args.switches.bos ? spec.bosTokenId : null;
  if (args.switches.bos && bos === null) throw new CliError(`--bos: ${path.join(dir, 'config.json')} has no bos_token_id (expected an integer token id)`);
  checkSeqLen(spec, seqLen + (bos === null ? 0 : 1), path.join(dir, 'config.json'));
  const backend = await selectBackend();
  console.error(`[minitron] backend ${backend.name} (${backend.reason})`);
  const model = await loadModel(dir);
  const t0 = Date.now();
  const r = await perplexity(model, text, {
    seqLen, stride, maxTokens, batch, bos,
    onProgress: (d, n) => process.stderr.write(`\r[minitron] window ${d}/${n}`),
  });
  process.stderr.write('\n');
  tf.dispose(model.params);
  console.log(`tokens ${r.tokens}  nll ${r.nll.toFixed(6)}  seconds ${((Date.now() - t0) / 1000).toFixed(1)}`);
  console.log(`ppl ${r.ppl.toFixed(6)}`);
}
