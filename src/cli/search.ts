/** `minitron search <model-dir> --report r.json --params <N|60M> [--text file]`: rank candidate architectures by PPL after pruning. */
import type { ImportanceReport } from '../types.js';
import { loadModel, readConfig } from '../io/checkpoint.js';
import { checkOutput } from '../io/paths.js';
import { checkReport } from '../importance/report_check.js';
import { readTextFile } from '../io/files.js';
import { checkSeqLen } from '../io/config.js';
import * as path from 'node:path';
import { selectBackend } from '../backend/index.js';
import { searchArchitectures, planForCandidate, type SearchCandidate } from '../prune/search.js';
import { formatCount, parseCount } from '../prune/count.js';
import { readJson } from './prune_common.js';
import { calibrationBatches } from '../data/calibration.js';
import { writeFileAtomic } from '../io/atomic.js';
import { DEPTH_METRICS } from '../importance/depth_metrics.js';
import { CliError, intFlag, parseCommand, stringFlags, words } from './flags.js';
import { rescoreWithDistillation } from '../distill/search_kd.js';

/** Usage of `minitron search` (printed by --help). @example console.log(SEARCH_USAGE) */
export const SEARCH_USAGE = `usage: minitron search <model-dir> --report report.json --params <N|60M> --text <file> [--samples N] [--seq-len N]
  [--top-k N] [--hidden-multiple N] [--ffn-multiple N] [--layer-multiple N] [--max-width 0.4] [--max-depth 0.2]
  [--depth-metric ${words(DEPTH_METRICS)}|block] [--plan-out best-plan.json] [--distill-steps N --distill-top N]
  (--distill-steps: retrain the best --distill-top candidates N steps by distillation on --text, rank by PPL after it)`;

const FLAGS = stringFlags(['report', 'params', 'text', 'samples', 'seq-len', 'top-k', 'hidden-multiple', 'ffn-multiple', 'layer-multiple',
  'max-width', 'max-depth', 'depth-metric', 'plan-out', 'distill-steps', 'distill-top']);

/** Prints candidates best first: rank, target sizes, parameters and the perplexity `pplOf` gives. */
function printRanking<C extends SearchCandidate>(ranked: C[], pplOf: (c: C) => number): void {
  console.log('rank  hidden  ffn    heads  layers  params    ppl');
  ranked.forEach((c, i) => {
    const t = c.target;
    console.log(`${String(i + 1).padEnd(6)}${String(t.hiddenSize).padEnd(8)}${String(t.ffnHiddenSize).padEnd(7)}${String(t.numHeads).padEnd(7)}` +
      `${String(t.numLayers).padEnd(8)}${formatCount(c.params).padEnd(10)}${pplOf(c).toFixed(3)}`);
  });
}

function frac(name: string, s: string | undefined, d: number): number {
  if (s === undefined) return d;
  const x = Number(s);
  if (!(x >= 0 && x < 1)) throw new CliError(`${name}: expected a fraction in [0, 1), got "${s}"`);
  return x;
}

/**
 * Runs the search subcommand; prints a ranked table (best first) and optionally writes the best plan.
 * @example await searchCmd(['model', '--report', 'r.json', '--params', '90M', '--text', 'moby.txt']);
 */
export async function searchCmd(argv: string[]): Promise<void> {
  const args = parseCommand(argv, FLAGS, SEARCH_USAGE);
  if (!args) return;
  const { values: v, positionals: pos } = args;
  if (pos.length !== 1 || !v.report || !v.params || !v.text) throw new CliError(SEARCH_USAGE);
  if (v['plan-out']) checkOutput(v['plan-out'], { what: '--plan-out', kind: 'file', inputs: [pos[0], v.report, v.text] });
  const text = readTextFile(v.text, 'a calibration text file');
  let budget: number;
  try { budget = parseCount(v.params); } catch (e) { throw new CliError(`--params: ${(e as Error).message}`); }
  const { spec } = readConfig(pos[0]);
  const report = checkReport(readJson<ImportanceReport>(v.report, 'importance-report'), v.report, spec);
  const seqLen = intFlag('--seq-len', v['seq-len'], 128);
  checkSeqLen(spec, seqLen, path.join(pos[0], 'config.json'));
  await selectBackend();
  const model = await loadModel(pos[0]);
  const tok = model.tokenizer;
  if (!tok) throw new CliError(`${pos[0]}: no tokenizer.json, cannot tokenise ${v.text}`);
  const batches = calibrationBatches(text, (s) => tok.encode(s), {
    samples: intFlag('--samples', v.samples, 8), seqLen, batchSize: 4, seed: 99,
  });
  const ranked = searchArchitectures(model, report, budget, batches, {
    topK: intFlag('--top-k', v['top-k'], 10), hiddenMultiple: intFlag('--hidden-multiple', v['hidden-multiple'], 64),
    ffnMultiple: intFlag('--ffn-multiple', v['ffn-multiple'], 64), layerMultiple: intFlag('--layer-multiple', v['layer-multiple'], 2),
    maxWidthPrune: frac('--max-width', v['max-width'], 0.4), maxDepthPrune: frac('--max-depth', v['max-depth'], 0.2),
    depthMetric: v['depth-metric'],
    onProgress: (d, n, c) => process.stderr.write(`[search] ${d}/${n} ${JSON.stringify(c.target)} ppl ${c.ppl?.toFixed(2)}\n`),
  });
  printRanking(ranked, (c) => c.ppl!);
  let best = ranked[0];
  const kdSteps = intFlag('--distill-steps', v['distill-steps'], 0);
  if (kdSteps > 0) {
    const kd = await rescoreWithDistillation(model, report, ranked, batches, { text, tokenizer: tok }, {
      steps: kdSteps, top: intFlag('--distill-top', v['distill-top'], 3), depthMetric: v['depth-metric'],
      onProgress: (d, n, c) => process.stderr.write(`[search] distilled ${d}/${n} ${JSON.stringify(c.target)} ppl ${c.kdPpl.toFixed(2)}\n`),
    });
    console.log(`after ${kdSteps} distillation steps:`);
    printRanking(kd, (c) => c.kdPpl);
    best = kd[0];
  }
  if (v['plan-out']) {
    writeFileAtomic(v['plan-out'], JSON.stringify(planForCandidate(model.spec, report, best, v['depth-metric']), null, 1));
    console.log(v['plan-out']);
  }
}
