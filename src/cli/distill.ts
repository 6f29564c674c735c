/**
 * `minitron distill --teacher <dir> --student <dir> --data <text-file> --steps N --out <dir> [--eval <text-file>] [--resume] ...`
 * Trains the student from the teacher (or with --mode ce, fine-tunes it), writes an HF checkpoint to --out and prints
 * `eval_ppl <value>` as its last line. The resumable training state lives in --state (default <out>.state).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/index.js';
import { UsageError } from '../errors.js';
import { loadModel, readConfig, saveCheckpoint, type LoadedModel } from '../io/checkpoint.js';
import { checkSeqLen } from '../io/config.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { perplexityOfIds } from '../eval/perplexity.js';
import { distill, type DistillOptions } from '../distill/trainer.js';
import type { LogitLossKind, StateLossKind } from '../distill/losses.js';
import type { ScheduleKind } from '../distill/schedule.js';
import { parseArgs } from 'node:util';
import { intFlag, numFlag, oneOf, withUsage } from './flags.js';
import { checkOutput, folderBytes } from '../io/paths.js';
import { checkReadableFile, readTextFile } from '../io/files.js';

const USAGE = `usage: minitron distill --teacher <dir> --student <dir> --data <text-file> --steps N --out <dir>
  [--eval <text-file>] [--resume] [--state <dir>] [--mode kd|ce] [--batch N] [--seq-len N] [--accum N]
  [--lr X] [--min-lr X] [--warmup N] [--schedule cosine|linear|constant] [--weight-decay X] [--clip X]
  [--logit-loss forward_kl|reverse_kl|topk_kl] [--temperature X] [--top-k N] [--ce-weight X] [--kl-weight X]
  [--state-loss cosine|mse] [--seed N] [--checkpoint-every N] [--eval-every N] [--max-data-tokens N] [--eval-tokens N]`;

const STRING_FLAGS = ['teacher', 'student', 'data', 'out', 'eval', 'state', 'mode', 'batch', 'seq-len', 'accum', 'lr', 'min-lr',
  'warmup', 'schedule', 'weight-decay', 'clip', 'logit-loss', 'state-loss', 'temperature', 'top-k', 'ce-weight', 'kl-weight',
  'seed', 'checkpoint-every', 'eval-every', 'max-data-tokens', 'eval-tokens', 'steps'] as const;

/** --out and --state: clear of every input and of each other, writable, with room for the weights, before any work. */
function checkDistillOutputs(out: string, stateDir: string, inputs: Array<string | null | undefined>, checkpoints: boolean): void {
  const weights = 2 * folderBytes(inputs[1]!, /\.safetensors$/); // float32 copy of possibly 16-bit weights
  checkOutput(out, { what: '--out', kind: 'dir', mustNotExist: true, inputs, outputs: [stateDir], minFreeBytes: weights });
  checkOutput(stateDir, { what: '--state', kind: 'dir', inputs, outputs: [out], minFreeBytes: checkpoints ? 3 * weights : 0 });
}

function encodeFile(model: LoadedModel, file: string, maxTokens: number): number[] {
  if (!model.tokenizer) throw new UsageError(`model ${model.dir} has no tokenizer.json to encode ${file}`);
  let text = readTextFile(file, 'a text file');
  if (maxTokens > 0 && text.length > maxTokens * 16) text = text.slice(0, maxTokens * 16); // ample: tokens average ~4 chars
  const ids = model.tokenizer.encode(text);
  return maxTokens > 0 ? ids.slice(0, maxTokens) : ids;
}

const fmtTime = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${(s / 60).toFixed(1)}m` : `${s.toFixed(0)}s`);

/** Runs `minitron distill`; prints progress lines and `eval_ppl <value>` last. @example await distillCmd(['--teacher', 't', '--student', 's', '--data', 'd.txt', '--steps', '10', '--out', 'o']) */
export async function distillCmd(argv: string[]): Promise<void> {
  const { values: v } = withUsage(() => parseArgs({ args: argv, options: {
    ...Object.fromEntries(STRING_FLAGS.map((k) => [k, { type: 'string' as const }])), resume: { type: 'boolean' },
  } }), USAGE) as { values: Partial<Record<(typeof STRING_FLAGS)[number], string>> & { resume?: boolean } };
  const teacherDir = v.teacher ?? null;
  const studentDir = v.student ?? null;
  const dataFile = v.data ?? null;
  const out = v.out ?? null;
  const steps = intFlag('--steps', v.steps, 0, 0);
  const mode = oneOf('--mode', v.mode, ['kd', 'ce'] as const, 'kd');
  if (!studentDir || !dataFile || !out || steps < 1 || (mode === 'kd' && !teacherDir)) throw new UsageError(USAGE);
  const stateDir = v.state ?? `${out}.state`;
  for (const f of [dataFile, v.eval]) if (f) checkReadableFile(f, 'a text file');
  checkDistillOutputs(out, stateDir, [teacherDir, studentDir, dataFile, v.eval], intFlag('--checkpoint-every', v['checkpoint-every'], 50, 0) > 0);
  const seqLen = intFlag('--seq-len', v['seq-len'], 256);
  const batch = intFlag('--batch', v.batch, 8);
  const evalFile = v.eval ?? dataFile;
  const evalTokens = intFlag('--eval-tokens', v['eval-tokens'], 16384, 0);
  const ceWeight = numFlag('--ce-weight', v['ce-weight'], mode === 'ce' ? 1 : 0);
  const klWeight = numFlag('--kl-weight', v['kl-weight'], mode === 'ce' ? 0 : 1);
  const lr = numFlag('--lr', v.lr, 3e-4);
  for (const dir of [studentDir, mode === 'kd' ? teacherDir : null]) if (dir) checkSeqLen(readConfig(dir).spec, seqLen, path.join(dir, 'config.json'));
  if (v.resume && !fs.existsSync(path.join(stateDir, 'checkpoint'))) {
    throw new UsageError(`--resume: no checkpoint in ${path.join(stateDir, 'checkpoint')} (expected one from an earlier run with this --state)`);
  }

  const backend = await selectBackend();
  console.error(`[minitron] backend ${backend.name} (${backend.reason})`);
  const student = await loadModel(studentDir);
  const teacher = mode === 'kd' && teacherDir ? await loadModel(teacherDir) : null;
  try {
    const ids = encodeFile(student, dataFile, intFlag('--max-data-tokens', v['max-data-tokens'], 0, 0));
    const evalIds = encodeFile(student, evalFile, evalTokens);
    console.log(`data ${ids.length} tokens  eval ${evalIds.length} tokens  student ${studentDir}  teacher ${teacherDir ?? '-'}  mode ${mode}`);
    const opts: Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'student' | 'data'> = {
      mode, teacher, student, data: ids, steps, batch, seqLen,
      accum: intFlag('--accum', v.accum, 1),
      lr,
      minLr: numFlag('--min-lr', v['min-lr'], lr / 10),
      warmup: intFlag('--warmup', v.warmup, Math.min(40, Math.floor(steps / 10)), 0),
      schedule: oneOf<ScheduleKind>('--schedule', v.schedule, ['cosine', 'linear', 'constant'], 'cosine'),
      weightDecay: numFlag('--weight-decay', v['weight-decay'], 0.01),
      clip: numFlag('--clip', v.clip, 1),
      loss: {
        logitLoss: oneOf<LogitLossKind>('--logit-loss', v['logit-loss'], ['forward_kl', 'reverse_kl', 'topk_kl'], 'forward_kl'),
        stateLoss: oneOf<StateLossKind>('--state-loss', v['state-loss'], ['cosine', 'mse'], 'cosine'),
        temperature: numFlag('--temperature', v.temperature, 1),
        topK: intFlag('--top-k', v['top-k'], 64),
        weights: { ce: ceWeight, kl: klWeight, is: 0 },
      },
      evalData: evalIds,
      evalEvery: intFlag('--eval-every', v['eval-every'], 0, 0),
      checkpointEvery: intFlag('--checkpoint-every', v['checkpoint-every'], 50, 0),
      outDir: stateDir,
      resume: v.resume ?? false,
      seed: intFlag('--seed', v.seed, 0, 0),
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
