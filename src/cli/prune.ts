/** `minitron prune <model-dir> --report r.json (--hidden N --ffn N --heads N --layers N | --plan plan.json) --out <dir>`. */
import type { ArchPlan, ImportanceReport } from '../types.js';
import { loadModel, readConfig } from '../io/checkpoint.js';
import { selectBackend } from '../backend/index.js';
import { planFromTargets, type PlanTargets } from '../prune/plan.js';
import { validatePlan } from '../prune/validate.js';
import { exportPruned } from '../prune/export.js';
import { formatCount, paramCount } from '../prune/count.js';
import { readJson } from './prune_common.js';
import { checkOutput, folderBytes } from '../io/paths.js';
import { checkReport } from '../importance/report_check.js';
import { DEPTH_METRICS } from '../importance/depth_metrics.js';
import { CliError, intFlag, parseCommand, stringFlags, words } from './flags.js';

/** Usage of `minitron prune` (printed by --help). @example console.log(PRUNE_USAGE) */
export const PRUNE_USAGE = `usage: minitron prune <model-dir> --report report.json (--hidden N --ffn N --heads N --layers N [--drop-layers i,j]
  [--depth-metric ${words(DEPTH_METRICS)}|block] | --plan plan.json) --out <dir>`;

/**
 * Runs the prune subcommand: plan, slice, export; prints the exported folder and its parameter count last.
 * @example await pruneCmd(['model', '--report', 'r.json', '--hidden', '448', '--out', 'small']);
 */
export async function pruneCmd(argv: string[]): Promise<void> {
  const args = parseCommand(argv, stringFlags(['report', 'plan', 'out', 'hidden', 'ffn', 'heads', 'layers', 'drop-layers', 'depth-metric']), PRUNE_USAGE);
  if (!args) return;
  const { values: v, positionals: pos } = args;
  if (pos.length !== 1 || !v.out) throw new CliError(PRUNE_USAGE);
  const hasTargets = [v.hidden, v.ffn, v.heads, v.layers, v['drop-layers']].some((x) => x !== undefined);
  if (hasTargets === (v.plan !== undefined)) throw new CliError(`give either target sizes or --plan, not both or neither\n${PRUNE_USAGE}`);
  checkOutput(v.out, { what: '--out', kind: 'dir', mustNotExist: true, inputs: [pos[0], v.report, v.plan], minFreeBytes: 2 * folderBytes(pos[0], /\.safetensors$/) });
  const report = v.report ? checkReport(readJson<ImportanceReport>(v.report, 'importance-report'), v.report, readConfig(pos[0]).spec) : null;
  await selectBackend();
  const model = await loadModel(pos[0], { requireTokenizer: false });
  let plan: ArchPlan;
  if (v.plan) {
    plan = validatePlan(readJson<ArchPlan>(v.plan, 'arch-plan'), model.spec);
  } else {
    const n = (name: string, s: string | undefined): number | undefined => (s === undefined ? undefined : intFlag(name, s, 0));
    const targets: PlanTargets = {
      hiddenSize: n('--hidden', v.hidden), ffnHiddenSize: n('--ffn', v.ffn), numHeads: n('--heads', v.heads), numLayers: n('--layers', v.layers),
      dropLayers: v['drop-layers']?.split(',').map(Number), depthMetric: v['depth-metric'],
    };
    plan = planFromTargets(model.spec, report, targets);
  }
  const res = await exportPruned(v.out, model, plan, report);
  console.error(`[prune] ${formatCount(paramCount(model.spec))} -> ${formatCount(res.params)} parameters`);
  console.log(res.dir);
  console.log(res.params);
}
