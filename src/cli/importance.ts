/** `minitron importance <model-dir> <text-file> --out report.json [...]`: activation + depth importance of a checkpoint. */
import * as fs from 'node:fs';
import type { Aggregation } from '../types.js';
import { loadModel, readConfig } from '../io/checkpoint.js';
import { selectBackend } from '../backend/index.js';
import { estimateImportance, type DepthMetric } from '../importance/estimate.js';
import { loadMcTask } from '../importance/mc_task.js';
import { calibrationBatches } from './prune_common.js';
import { CliError, intFlag, withUsage } from './flags.js';
import { checkOutput } from '../io/paths.js';
import { checkReadableFile, readJsonObject, readTextFile } from '../io/files.js';
import { checkSeqLen } from '../io/config.js';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: minitron importance <model-dir> <text-file> --out report.json [--samples N] [--seq-len N] [--batch N]
  [--agg-seq mean|l2|var] [--agg-batch mean|l2|var] [--neuron-tap mlp_act|mlp_fc1] [--final-norm]
  [--depth ppl,bi,taylor,taylor+,mc] [--mc-task task.jsonl] [--blocks K] [--state state.json] [--seed N]`;

const AGGS: Aggregation[] = ['mean', 'l2', 'var'];
const DEPTHS: DepthMetric[] = ['ppl', 'bi', 'taylor', 'taylor+', 'mc'];

function agg(name: string, v: string | undefined, d: Aggregation): Aggregation {
  if (v === undefined) return d;
  if (!AGGS.includes(v as Aggregation)) throw new CliError(`${name}: expected one of ${AGGS.join('|')}, got "${v}"`);
  return v as Aggregation;
}

/**
 * Runs the importance subcommand; writes the report JSON and prints its path last.
 * @example await importanceCmd(['.cache/models/smollm2-135m', 'sotu.txt', '--out', 'report.json', '--samples', '8']);
 */
export async function importanceCmd(argv: string[]): Promise<void> {
  const { values: v, positionals: pos } = withUsage(() => parseArgs({ args: argv, allowPositionals: true, options: {
      out: { type: 'string' }, samples: { type: 'string' }, 'seq-len': { type: 'string' }, batch: { type: 'string' },
      'agg-seq': { type: 'string' }, 'agg-batch': { type: 'string' }, 'neuron-tap': { type: 'string' }, 'final-norm': { type: 'boolean' },
      depth: { type: 'string' }, 'mc-task': { type: 'string' }, blocks: { type: 'string' }, state: { type: 'string' },
      seed: { type: 'string' }, help: { type: 'boolean' },
  } }), USAGE);
  if (v.help) { console.log(USAGE); return; }
  if (pos.length !== 2 || !v.out) throw new CliError(USAGE);
  const [modelDir, textFile] = pos;
  const inputs = [modelDir, textFile, v['mc-task']];
  checkOutput(v.out, { what: '--out', kind: 'file', inputs, outputs: [v.state] });
  if (v.state) checkOutput(v.state, { what: '--state', kind: 'file', inputs, outputs: [v.out] });
  const text = readTextFile(textFile, 'a calibration text file');
  if (v['mc-task']) checkReadableFile(v['mc-task'], 'a multiple-choice task (JSON lines)');
  if (v.state && fs.existsSync(v.state)) readJsonObject(v.state, 'an importance state file from an interrupted run');
  const seed = v.seed === undefined ? undefined : intFlag('--seed', v.seed, 0, 0);
  const sampling = { samples: intFlag('--samples', v.samples, 32), seqLen: intFlag('--seq-len', v['seq-len'], 256), batchSize: intFlag('--batch', v.batch, 4), seed };
  const aggregation = { seq: agg('--agg-seq', v['agg-seq'], 'mean'), batch: agg('--agg-batch', v['agg-batch'], 'l2') };
  const blockK = v.blocks === undefined ? 0 : intFlag('--blocks', v.blocks, 0);
  const depth = (v.depth ?? 'ppl,bi').split(',').filter((s) => s !== '') as DepthMetric[];
  for (const d of depth) if (!DEPTHS.includes(d)) throw new CliError(`--depth: unknown metric "${d}", expected some of ${DEPTHS.join(',')}`);
  const neuronTap = v['neuron-tap'] ?? 'mlp_act';
  if (neuronTap !== 'mlp_act' && neuronTap !== 'mlp_fc1') throw new CliError(`--neuron-tap: expected mlp_act|mlp_fc1, got "${neuronTap}"`);
  if (depth.includes('mc') && !v['mc-task']) throw new CliError('--depth mc needs --mc-task task.jsonl');
  checkSeqLen(readConfig(modelDir).spec, sampling.seqLen, path.join(modelDir, 'config.json'));
  await selectBackend();
  const model = await loadModel(modelDir);
  const tok = model.tokenizer;
  if (!tok) throw new CliError(`${modelDir}: no tokenizer.json, cannot tokenise ${textFile}`);
  const batches = calibrationBatches(text, (s) => tok.encode(s), sampling);
  const t0 = Date.now();
  const report = await estimateImportance(model, batches, {
    ...aggregation, neuronTap, finalNorm: v['final-norm'] ?? false, depth, blockK,
    mcItems: v['mc-task'] ? loadMcTask(v['mc-task'], tok) : null, statePath: v.state ?? null,
    onProgress: (stage, done, total) => process.stderr.write(`\r[importance] ${stage} ${done}/${total}   ${done === total ? '\n' : ''}`),
  });
  fs.writeFileSync(v.out, JSON.stringify(report));
  if (v.state && fs.existsSync(v.state)) fs.unlinkSync(v.state);
  console.error(`[importance] ${report.samples} samples × ${report.seqLen} tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(v.out);
}
