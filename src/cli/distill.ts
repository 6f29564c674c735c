/**
 * `minitron distill --teacher <dir> --student <dir> --data <text-file> --steps N --out <dir> [--eval <text-file>] [--resume] ...`
 * Trains the student from the teacher (or with --mode ce, fine-tunes it), writes an HF checkpoint to --out and prints
 * `eval_ppl <value>` as its last line. The resumable training state lives in --state (default <out>.state).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/index.js';
import { UsageError } from '../errors.js';
import { loadModel, saveCheckpoint, type LoadedModel } from '../io/checkpoint.js';
import { perplexityOfIds } from '../eval/perplexity.js';
import { distill, type DistillOptions } from '../distill/trainer.js';
import type { LogitLossKind, StateLossKind } from '../distill/losses.js';
import type { ScheduleKind } from '../distill/schedule.js';
import { intFlag, parseArgs, strFlag, type Args } from './args.js';

const USAGE = `usage: minitron distill --teacher <dir> --student <dir> --data <text-file> --steps N --out <dir>
  [--eval <text-file>] [--resume] [--state <dir>] [--mode kd|ce] [--batch N] [--seq-len N] [--accum N]
  [--lr X] [--min-lr X] [--warmup N] [--schedule cosine|linear|constant] [--weight-decay X] [--clip X]
  [--logit-loss forward_kl|reverse_kl|topk_kl] [--temperature X] [--top-k N] [--ce-weight X] [--kl-weight X]
  [--seed N] [--checkpoint-every N] [--eval-every N] [--max-data-tokens N] [--eval-tokens N]`;

function numFlag(args: Args, key: string, fallback: number): number {
  const v = strFlag(args, key, null);
  if (v === null) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function oneOf<T extends string>(args: Args, key: string, allowed: readonly T[], fallback: T): T {
  const v = strFlag(args, key, fallback);
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${key} must be one of ${allowed.join(' | ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function encodeFile(model: LoadedModel, file: string, maxTokens: number): number[] {
  if (!fs.existsSync(file)) throw new UsageError(`text file ${file} not found`);
  if (!model.tokenizer) throw new UsageError(`model ${model.dir} has no tokenizer.json to encode ${file}`);
  let text = fs.readFileSync(file, 'utf8');
  if (maxTokens > 0 && text.length > maxTokens * 16) text = text.slice(0, maxTokens * 16); // ample: tokens average ~4 chars
  const ids = model.tokenizer.encode(text);
  return maxTokens > 0 ? ids.slice(0, maxTokens) : ids;
}

const fmtTime = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${(s / 60).toFixed(1)}m` : `${s.toFixed(0)}s`);

/** Runs `minitron distill`; prints progress lines and `eval_ppl <value>` last. @example await distillCmd(['--teacher', 't', '--student', 's', '--data', 'd.txt', '--steps', '10', '--out', 'o']) */
export async function distillCmd(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['resume']);
  const teacherDir = strFlag(args, 'teacher', null);
  const studentDir = strFlag(args, 'student', null);
  const dataFile = strFlag(args, 'data', null);
  const out = strFlag(args, 'out', null);
  const steps = intFlag(args, 'steps', 0);
  const mode = oneOf(args, 'mode', ['kd', 'ce'] as const, 'kd');
  if (!studentDir || !dataFile || !out || steps < 1 || (mode === 'kd' && !teacherDir)) throw new UsageError(USAGE);
  if (fs.existsSync(out)) throw new UsageError(`output folder ${out} already exists; choose a new path`);
  const stateDir = strFlag(args, 'state', `${out}.state`);
  const seqLen = intFlag(args, 'seq-len', 256);
  const batch = intFlag(args, 'batch', 8);
  const evalFile = strFlag(args, 'eval', dataFile);
  const evalTokens = intFlag(args, 'eval-tokens', 16384);
  const ceWeight = numFlag(args, 'ce-weight', mode === 'ce' ? 1 : 0);
  const klWeight = numFlag(args, 'kl-weight', mode === 'ce' ? 0 : 1);

  const backend = await selectBackend();
  console.error(`[minitron] backend ${backend.name} (${backend.reason})`);
  const student = await loadModel(studentDir);
  const teacher = mode === 'kd' && teacherDir ? await loadModel(teacherDir) : null;
  try {
    const ids = encodeFile(student, dataFile, intFlag(args, 'max-data-tokens', 0));
    const evalIds = encodeFile(student, evalFile, evalTokens);
    console.log(`data ${ids.length} tokens  eval ${evalIds.length} tokens  student ${studentDir}  teacher ${teacherDir ?? '-'}  mode ${mode}`);
    const opts: Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'student' | 'data'> = {
      mode, teacher, student, data: ids, steps, batch, seqLen,
      accum: intFlag(args, 'accum', 1),
      lr: numFlag(args, 'lr', 3e-4),
      minLr: numFlag(args, 'min-lr', numFlag(args, 'lr', 3e-4) / 10),
      warmup: intFlag(args, 'warmup', Math.min(40, Math.floor(steps / 10))),
      schedule: oneOf<ScheduleKind>(args, 'schedule', ['cosine', 'linear', 'constant'], 'cosine'),
      weightDecay: numFlag(args, 'weight-decay', 0.01),
      clip: numFlag(args, 'clip', 1),
      loss: {
        logitLoss: oneOf<LogitLossKind>(args, 'logit-loss', ['forward_kl', 'reverse_kl', 'topk_kl'], 'forward_kl'),
        stateLoss: oneOf<StateLossKind>(args, 'state-loss', ['cosine', 'mse'], 'cosine'),
        temperature: numFlag(args, 'temperature', 1),
        topK: intFlag(args, 'top-k', 64),
        weights: { ce: ceWeight, kl: klWeight, is: 0 },
      },
      evalData: evalIds,
      evalEvery: intFlag(args, 'eval-every', 0),
      checkpointEvery: intFlag(args, 'checkpoint-every', 50),
      outDir: stateDir,
      resume: args.flags.has('resume'),
      seed: intFlag(args, 'seed', 0),
      handleSigint: true,
      onStep: (row, info) => {
        const done = info.step;
        const rate = info.elapsedSec / Math.max(1, done - (first ?? done - 1));
        first ??= done - 1;
        const eta = rate * (info.totalSteps - done);
        const parts = [`step ${done}/${info.totalSteps}`, `loss ${row.loss.toFixed(4)}`];
        if (row.kl !== undefined) parts.push(`kl ${row.kl.toFixed(4)}`);
        if (row.ce !== undefined) parts.push(`ce ${row.ce.toFixed(4)}`);
        parts.push(`lr ${row.lr.toExponential(2)}`, `tok/s ${(row.tokensPerSec ?? 0).toFixed(0)}`, `eta ${fmtTime(eta)}`);
        if (row.evalLoss !== undefined) parts.push(`eval_loss ${row.evalLoss.toFixed(4)}`);
        console.log(parts.join('  '));
      },
    };
    let first: number | undefined;
    const r = await distill(opts);
    try {
      if (r.stopped === 'interrupted') {
        console.log(`interrupted at step ${r.step}/${r.totalSteps}; state in ${r.checkpoint ?? '(none)'}; rerun with --resume`);
        process.exitCode = 130;
        return;
      }
      await saveCheckpoint(out, student.spec, r.params, { tokenizerFrom: student.dir, baseConfig: student.config });
      console.log(`saved ${out}`);
      const model = { spec: student.spec, params: r.params };
      const ppl = await perplexityOfIds(model.spec, model.params, evalIds, { seqLen, stride: seqLen, batch });
      console.log(`eval_ppl ${ppl.ppl.toFixed(6)}`);
    } finally {
      tf.dispose([...Object.values(r.params), ...r.projections]);
    }
  } finally {
    tf.dispose(Object.values(student.params));
    if (teacher) tf.dispose(Object.values(teacher.params));
  }
}
