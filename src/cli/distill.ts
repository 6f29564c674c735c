/**
 * `minitron distill --teacher <dir> --student <dir> --data <text-file> --steps N --out <dir> [--eval <text-file>] [--resume] ...`
 * Trains the student from the teacher (or with --mode ce, fine-tunes it), writes an HF checkpoint to --out and prints
 * `eval_ppl <value>` as its last line. The resumable training state lives in --state (default <out>.state).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/index.js';
import { UsageError } from '../errors.js';
import { LOSS_TERMS, LOSS_TERM_NAMES, type LossTerm, type TrainRow } from '../types.js';
import { loadModel, readConfig, saveCheckpoint, type LoadedModel } from '../io/checkpoint.js';
import { checkSeqLen } from '../io/config.js';
import { recoverStaleSiblings, writeFileAtomic } from '../io/atomic.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { perplexityOfIds } from '../eval/perplexity.js';
import { DEFAULT_DISTILL_OPTIONS, distill, type DistillOptions, type DistillResult } from '../distill/trainer.js';
import { DEFAULT_COMBINED_LOSS_OPTIONS, DISTILL_MODES, LOGIT_LOSSES, STATE_LOSSES, type DistillMode, type LossWeights } from '../distill/losses.js';
import { SCHEDULES } from '../distill/schedule.js';
import { checkOutput, folderBytes } from '../io/paths.js';
import { checkReadableFile, readTextFile } from '../io/files.js';
import { encodeText } from './cache_teacher.js';
import { choiceHelp, intFlag, numFlag, oneOf, parseCommand, stringFlags, words } from './flags.js';

/** Loss terms with a `--<term>-weight` flag. */
const WEIGHT_TERMS = LOSS_TERM_NAMES.filter((t) => LOSS_TERMS[t].cliFlag);
const weightFlag = (t: LossTerm): string => `${t}-weight`;

/** Usage of `minitron distill` (printed by --help). @example console.log(DISTILL_USAGE) */
export const DISTILL_USAGE = `usage: minitron distill (--teacher <dir> | --teacher-cache <dir>) --student <dir> --data <text-file> --steps N --out <dir>
  [--eval <text-file>] [--resume] [--state <dir>] [--mode ${words(DISTILL_MODES)}] [--batch N] [--seq-len N] [--accum N]
  [--lr X] [--min-lr X] [--warmup N] [--schedule ${words(SCHEDULES)}] [--weight-decay X] [--clip X]
  [--logit-loss ${words(LOGIT_LOSSES)}] [--temperature X] [--top-k N] ${WEIGHT_TERMS.map((t) => `[--${weightFlag(t)} X]`).join(' ')}
  [--state-loss ${words(STATE_LOSSES)}] [--seed N] [--checkpoint-every N] [--eval-every N] [--max-data-tokens N] [--eval-tokens N]
  --teacher-cache <dir>  the teacher's top-k logits written by \`minitron cache-teacher\` on the same --data, --seq-len
                         and --max-data-tokens (forward KL at τ = 1, no teacher in memory)
${choiceHelp('--mode', DISTILL_MODES)}
${choiceHelp('--logit-loss', LOGIT_LOSSES)}
${WEIGHT_TERMS.map((t) => `  --${weightFlag(t)}  weight of ${LOSS_TERMS[t].help} (default by --mode)`).join('\n')}`;

const STRING_FLAGS = ['teacher', 'teacher-cache', 'student', 'data', 'out', 'eval', 'state', 'mode', 'batch', 'seq-len', 'accum', 'lr', 'min-lr',
  'warmup', 'schedule', 'weight-decay', 'clip', 'logit-loss', 'state-loss', 'temperature', 'top-k', ...WEIGHT_TERMS.map(weightFlag),
  'seed', 'checkpoint-every', 'eval-every', 'max-data-tokens', 'eval-tokens', 'steps'];


/** The checked command line of one run. */
interface DistillArgs {
  teacherDir: string | null;
  teacherCache: string | null;
  studentDir: string;
  dataFile: string;
  evalFile: string;
  out: string;
  mode: DistillMode;
  v: Readonly<Partial<Record<string, string>>>;
  resume: boolean;
  /** --state (default <out>.state): the training checkpoint and the export marker. */
  stateDir: string;
  /** --resume of a run whose export already landed in --out (killed after saving it): nothing left to train. */
  exported: boolean;
}

/** The marker beside the training checkpoint saying which --out holds this run's final export. */
const exportMarker = (stateDir: string): string => path.join(stateDir, 'exported.json');

/** True when the state folder records that this run's export landed in `out` and `out` is still there. */
function exportLanded(stateDir: string, out: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(exportMarker(stateDir), 'utf8')) as { out?: unknown };
    return m.out === path.resolve(out) && fs.existsSync(path.join(out, 'config.json'));
  } catch {
    return false;
  }
}

function parseDistillArgs(argv: string[]): DistillArgs | null {
  const parsed = parseCommand(argv, { ...stringFlags(STRING_FLAGS), resume: { type: 'boolean' } }, DISTILL_USAGE, false);
  if (!parsed) return null;
  const v = parsed.values;
  const mode = oneOf('--mode', v.mode, DISTILL_MODES, 'kd');
  if (v.steps !== undefined) intFlag('--steps', v.steps, 1); // "--steps 0" is named, not answered with the usage
  if (!v.student || !v.data || !v.out || !v.steps || (mode === 'kd' && !v.teacher && !v['teacher-cache'])) throw new UsageError(DISTILL_USAGE);
  const stateDir = v.state ?? `${v.out}.state`;
  for (const f of [v.data, v.eval]) if (f) checkReadableFile(f, 'a text file');
  const exported = (parsed.switches.resume ?? false) && exportLanded(stateDir, v.out);
  if (!exported) checkDistillOutputs(v.out, stateDir, [v.teacher, v.student, v.data, v.eval, v['teacher-cache']], intFlag('--checkpoint-every', v['checkpoint-every'], 50, 0) > 0);
  const seqLen = intFlag('--seq-len', v['seq-len'], 256);
  for (const dir of [v.student, mode === 'kd' ? v.teacher : null]) if (dir) checkSeqLen(readConfig(dir).spec, seqLen, path.join(dir, 'config.json'));
  for (const line of recoverStaleSiblings(path.join(stateDir, 'checkpoint'))) console.error(`[minitron] ${line}`);
  if (parsed.switches.resume && !fs.existsSync(path.join(stateDir, 'checkpoint'))) {
    throw new UsageError(`--resume: no checkpoint in ${path.join(stateDir, 'checkpoint')} (expected one from an earlier run with this --state)`);
  }
  return { teacherDir: v.teacher ?? null, teacherCache: v['teacher-cache'] ?? null, studentDir: v.student, dataFile: v.data, evalFile: v.eval ?? v.data, out: v.out, mode, v, resume: parsed.switches.resume ?? false, stateDir, exported };
}

/** --out and --state: clear of every input and of each other, writable, with room for the weights, before any work. */
function checkDistillOutputs(out: string, stateDir: string, inputs: Array<string | null | undefined>, checkpoints: boolean): void {
  const weights = 2 * folderBytes(inputs[1]!, /\.safetensors$/); // float32 copy of possibly 16-bit weights
  checkOutput(out, { what: '--out', kind: 'dir', mustNotExist: true, inputs, outputs: [stateDir], minFreeBytes: weights });
  checkOutput(stateDir, { what: '--state', kind: 'dir', inputs, outputs: [out], minFreeBytes: checkpoints ? 3 * weights : 0 });
}

const fmtTime = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${(s / 60).toFixed(1)}m` : `${s.toFixed(0)}s`);

/** The onStep callback printing one progress line per step (loss terms from LOSS_TERMS, rate and ETA). */
function progressPrinter(): NonNullable<DistillOptions['onStep']> {
  let first: number | undefined;
  return (row, info) => {
    const done = info.step;
    first ??= done - 1;
    const eta = (info.elapsedSec / Math.max(1, done - first)) * (info.totalSteps - done);
    const parts = [`step ${done}/${info.totalSteps}`, `loss ${row.loss.toFixed(4)}`];
    for (const t of LOSS_TERM_NAMES) {
      const x = row[LOSS_TERMS[t].row as keyof TrainRow];
      if (x !== undefined) parts.push(`${t} ${x.toFixed(4)}`);
    }
    parts.push(`lr ${row.lr.toExponential(2)}`, `tok/s ${(row.tokensPerSec ?? 0).toFixed(0)}`, `eta ${fmtTime(eta)}`);
    if (row.evalLoss !== undefined) parts.push(`eval_loss ${row.evalLoss.toFixed(4)}`);
    console.log(parts.join('  '));
  };
}

/** Trainer options from the flags (defaults as the usage states; loss weights start from the mode's). */
function trainOptions(a: DistillArgs, student: LoadedModel, teacher: LoadedModel | null, ids: number[], evalIds: number[]):
  Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'student' | 'data'> {
  const v = a.v;
  const steps = intFlag('--steps', v.steps, 0, 0);
  const D = DEFAULT_DISTILL_OPTIONS, L = DEFAULT_COMBINED_LOSS_OPTIONS;
  const lr = numFlag('--lr', v.lr, D.lr);
  const weights = { ...DISTILL_MODES[a.mode].weights } as LossWeights;
  for (const t of WEIGHT_TERMS) weights[t] = numFlag(`--${weightFlag(t)}`, v[weightFlag(t)], weights[t]);
  return {
    mode: a.mode, teacher, student, data: ids, steps, teacherCache: a.teacherCache,
    batch: intFlag('--batch', v.batch, D.batch), seqLen: intFlag('--seq-len', v['seq-len'], D.seqLen), accum: intFlag('--accum', v.accum, D.accum),
    lr, minLr: numFlag('--min-lr', v['min-lr'], lr / 10), warmup: intFlag('--warmup', v.warmup, Math.min(D.warmup, Math.floor(steps / 10)), 0),
    schedule: oneOf('--schedule', v.schedule, SCHEDULES, D.schedule),
    weightDecay: numFlag('--weight-decay', v['weight-decay'], D.weightDecay), clip: numFlag('--clip', v.clip, D.clip),
    loss: {
      logitLoss: oneOf('--logit-loss', v['logit-loss'], LOGIT_LOSSES, L.logitLoss),
      stateLoss: oneOf('--state-loss', v['state-loss'], STATE_LOSSES, L.stateLoss),
      temperature: numFlag('--temperature', v.temperature, L.temperature), topK: intFlag('--top-k', v['top-k'], L.topK), weights,
    },
    evalData: evalIds, evalEvery: intFlag('--eval-every', v['eval-every'], D.evalEvery, 0),
    checkpointEvery: intFlag('--checkpoint-every', v['checkpoint-every'], 50, 0), outDir: a.stateDir,
    resume: a.resume, seed: intFlag('--seed', v.seed, D.seed, 0), handleSigint: true, onStep: progressPrinter(),
  };
}

/** After training: report an interruption, or save the student to --out and print its eval perplexity last. */
async function finish(a: DistillArgs, r: DistillResult, student: LoadedModel, evalIds: number[], seqLen: number, batch: number): Promise<void> {
  if (r.stopped === 'interrupted') {
    console.log(`interrupted at step ${r.step}/${r.totalSteps}; state in ${r.checkpoint ?? '(none)'}; rerun with --resume`);
    process.exitCode = 130;
    return;
  }
  // the marker goes first: the export is renamed into place whole, so "marker and --out/config.json" means it landed
  if (r.checkpoint !== null) writeFileAtomic(exportMarker(a.stateDir), JSON.stringify({ out: path.resolve(a.out), step: r.step }));
  await saveCheckpoint(a.out, student.spec, r.params, { tokenizerFrom: student.dir, baseConfig: student.config });
  console.log(`saved ${a.out}`);
  const ppl = await perplexityOfIds(student.spec, r.params, evalIds, { seqLen, stride: seqLen, batch });
  console.log(`eval_ppl ${ppl.ppl.toFixed(6)}`);
}

/** --resume after the export landed (the run was killed while measuring it): say so and measure the export. */
async function reportLanded(a: DistillArgs): Promise<void> {
  console.log(`already finished: ${a.out} holds this run's export (see ${exportMarker(a.stateDir)})`);
  const m = await loadModel(a.out);
  try {
    const evalIds = encodeText(m, a.evalFile, intFlag('--eval-tokens', a.v['eval-tokens'], 16384, 0));
    const seqLen = intFlag('--seq-len', a.v['seq-len'], DEFAULT_DISTILL_OPTIONS.seqLen);
    const ppl = await perplexityOfIds(m.spec, m.params, evalIds, { seqLen, stride: seqLen, batch: intFlag('--batch', a.v.batch, DEFAULT_DISTILL_OPTIONS.batch) });
    console.log(`eval_ppl ${ppl.ppl.toFixed(6)}`);
  } finally {
    tf.dispose(Object.values(m.params));
  }
}

/** Runs `minitron distill`; prints progress lines and `eval_ppl <value>` last. @example await distillCmd(['--teacher', 't', '--student', 's', '--data', 'd.txt', '--steps', '10', '--out', 'o']) */
export async function distillCmd(argv: string[]): Promise<void> {
  const a = parseDistillArgs(argv);
  if (!a) return;
  const backend = await selectBackend();
  console.error(`[minitron] backend ${backend.name} (${backend.reason})`);
  if (a.exported) return reportLanded(a);
  const student = await loadModel(a.studentDir);
  const teacher = a.mode === 'kd' && a.teacherDir && !a.teacherCache ? await loadModel(a.teacherDir) : null;
  try {
    const ids = encodeText(student, a.dataFile, intFlag('--max-data-tokens', a.v['max-data-tokens'], 0, 0));
    const evalIds = encodeText(student, a.evalFile, intFlag('--eval-tokens', a.v['eval-tokens'], 16384, 0));
    console.log(`data ${ids.length} tokens  eval ${evalIds.length} tokens  student ${a.studentDir}  teacher ${a.teacherCache ? `cache ${a.teacherCache}` : a.teacherDir ?? '-'}  mode ${a.mode}`);
    const opts = trainOptions(a, student, teacher, ids, evalIds);
    const r = await distill(opts);
    try {
      await finish(a, r, student, evalIds, opts.seqLen!, opts.batch!);
    } finally {
      tf.dispose([...Object.values(r.params), ...r.projections]);
    }
  } finally {
    tf.dispose(Object.values(student.params));
    if (teacher) tf.dispose(Object.values(teacher.params));
  }
}
