/** `minitron importance <model-dir> <text-file> --out report.json [...]`: activation + depth importance of a checkpoint. */
import * as fs from 'node:fs';
import { AGGREGATIONS } from '../types.js';
import { loadModel, readConfig } from '../io/checkpoint.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutput } from '../io/paths.js';
import { checkReadableFile, readJsonObject, readTextFile } from '../io/files.js';
import { checkSeqLen } from '../io/config.js';
import * as path from 'node:path';
import { selectBackend } from '../backend/index.js';
import { calibrationBatches, DEFAULT_CALIBRATION_OPTIONS } from '../data/calibration.js';
import { DEFAULT_IMPORTANCE_OPTIONS, estimateImportance } from '../importance/estimate.js';
import { DEPTH_METRICS } from '../importance/depth_metrics.js';
import { NEURON_TAPS } from '../importance/accumulator.js';
import { loadMcTask } from '../importance/mc_task.js';
import { CliError, choiceHelp, intFlag, oneOf, parseCommand, someOf, stringFlags, words } from './flags.js';

/** Usage of `minitron importance`, its choices from the value tables. @example console.log(IMPORTANCE_USAGE) */
export const IMPORTANCE_USAGE = `usage: minitron importance <model-dir> <text-file> --out report.json [--samples N] [--seq-len N] [--batch N]
  [--agg-seq ${words(AGGREGATIONS)}] [--agg-batch ${words(AGGREGATIONS)}] [--neuron-tap ${words(NEURON_TAPS)}] [--final-norm]
  [--depth ${words(DEPTH_METRICS, ',')}] [--mc-task task.jsonl] [--blocks K] [--state state.json] [--seed N]
${choiceHelp('--agg-seq', AGGREGATIONS)}
${choiceHelp('--neuron-tap', NEURON_TAPS)}
${choiceHelp('--depth', DEPTH_METRICS)}`;

const FLAGS = {
  ...stringFlags(['out', 'samples', 'seq-len', 'batch', 'agg-seq', 'agg-batch', 'neuron-tap', 'depth', 'mc-task', 'blocks', 'state', 'seed']),
  'final-norm': { type: 'boolean' },
} as const;

/**
 * Runs the importance subcommand; writes the report JSON and prints its path last.
 * @example await importanceCmd(['.cache/models/smollm2-135m', 'sotu.txt', '--out', 'report.json', '--samples', '8']);
 */
export async function importanceCmd(argv: string[]): Promise<void> {
  const args = parseCommand(argv, FLAGS, IMPORTANCE_USAGE);
  if (!args) return;
  const { values: v, positionals: pos } = args;
  if (pos.length !== 2 || !v.out) throw new CliError(IMPORTANCE_USAGE);
  const [modelDir, textFile] = pos;
  const inputs = [modelDir, textFile, v['mc-task']];
  checkOutput(v.out, { what: '--out', kind: 'file', inputs, outputs: [v.state] });
  if (v.state) checkOutput(v.state, { what: '--state', kind: 'file', inputs, outputs: [v.out] });
  const text = readTextFile(textFile, 'a calibration text file');
  if (v['mc-task']) checkReadableFile(v['mc-task'], 'a multiple-choice task (JSON lines)');
  if (v.state && fs.existsSync(v.state)) readJsonObject(v.state, 'an importance state file from an interrupted run');
  const seed = intFlag('--seed', v.seed, DEFAULT_CALIBRATION_OPTIONS.seed, 0);
  const depth = someOf('--depth', v.depth, DEPTH_METRICS, DEFAULT_IMPORTANCE_OPTIONS.depth, 'metric');
  const mcTask = v['mc-task'];
  for (const d of depth) if (DEPTH_METRICS[d].needs === 'mcItems' && !mcTask) throw new CliError(`--depth ${d} needs --mc-task task.jsonl`);
  const neuronTap = oneOf('--neuron-tap', v['neuron-tap'], NEURON_TAPS, DEFAULT_IMPORTANCE_OPTIONS.neuronTap);
  const seq = oneOf('--agg-seq', v['agg-seq'], AGGREGATIONS, DEFAULT_IMPORTANCE_OPTIONS.seq);
  const batch = oneOf('--agg-batch', v['agg-batch'], AGGREGATIONS, DEFAULT_IMPORTANCE_OPTIONS.batch);
  const sampling = { samples: intFlag('--samples', v.samples, 32), seqLen: intFlag('--seq-len', v['seq-len'], 256), batchSize: intFlag('--batch', v.batch, 4), seed };
  const blockK = v.blocks === undefined ? 0 : intFlag('--blocks', v.blocks, 0);
  checkSeqLen(readConfig(modelDir).spec, sampling.seqLen, path.join(modelDir, 'config.json'));
  await selectBackend();
  const model = await loadModel(modelDir);
  const tok = model.tokenizer;
  if (!tok) throw new CliError(`${modelDir}: no tokenizer.json, cannot tokenise ${textFile}`);
  const batches = calibrationBatches(text, (s) => tok.encode(s), sampling);
  const t0 = Date.now();
  const report = await estimateImportance(model, batches, {
    seq, batch, neuronTap, finalNorm: args.switches['final-norm'] ?? false, depth, blockK,
    mcItems: mcTask ? loadMcTask(mcTask, tok) : null, statePath: v.state ?? null,
    onProgress: (stage, done, total) => process.stderr.write(`\r[importance] ${stage} ${done}/${total}   ${done === total ? '\n' : ''}`),
  });
  writeFileAtomic(v.out, JSON.stringify(report));
  if (v.state && fs.existsSync(v.state)) fs.unlinkSync(v.state);
  console.error(`[importance] ${report.samples} samples × ${report.seqLen} tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(v.out);
}
