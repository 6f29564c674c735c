/**
 * `minitron cache-teacher <teacher-dir> <text-file> --out <dir> [--seq-len N] [--top-k N] [--batch N] [--max-data-tokens N]`
 * Runs the teacher once over the text and writes its top-k logits per window (src/distill/teacher_cache.ts); every
 * `minitron distill --teacher-cache <dir>` on the same text and --seq-len then reads them instead of the teacher.
 * Interrupted (Ctrl-C), it keeps the finished shards: the same command resumes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/index.js';
import { UsageError } from '../errors.js';
import { loadModel, type LoadedModel } from '../io/checkpoint.js';
import { checkOutput, folderBytes } from '../io/paths.js';
import { checkReadableFile, readTextFile } from '../io/files.js';
import { cacheTeacher, DEFAULT_CACHE_TEACHER_OPTIONS } from '../distill/teacher_cache.js';
import { intFlag, parseCommand, stringFlags } from './flags.js';

/** Usage of `minitron cache-teacher`. */
export const CACHE_TEACHER_USAGE = `usage: minitron cache-teacher <teacher-dir> <text-file> --out <dir> [--seq-len N] [--top-k N] [--batch N] [--max-data-tokens N]
  --seq-len N          window length, as the distill run's --seq-len (default ${DEFAULT_CACHE_TEACHER_OPTIONS.seqLen})
  --top-k N            teacher logits kept per position (default ${DEFAULT_CACHE_TEACHER_OPTIONS.topK}); 8 bytes each
  --max-data-tokens N  as the distill run's --max-data-tokens (default: the whole text)`;

/**
 * Token ids of a text file: the whole text, or its first maxTokens tokens (as `minitron distill --max-data-tokens`).
 * @example encodeText(model, 'sotu.txt', 0)
 */
export function encodeText(model: LoadedModel, file: string, maxTokens: number): number[] {
  if (!model.tokenizer) throw new UsageError(`model ${model.dir} has no tokenizer.json to encode ${file}`);
  let text = readTextFile(file, 'a text file');
  if (maxTokens > 0 && text.length > maxTokens * 16) text = text.slice(0, maxTokens * 16); // ample: tokens average ~4 chars
  const ids = model.tokenizer.encode(text);
  return maxTokens > 0 ? ids.slice(0, maxTokens) : ids;
}

/** Runs `minitron cache-teacher`; prints one line per shard and `cache <dir> windows <n>` last. @example await cacheTeacherCmd(['t', 'sotu.txt', '--out', 'cache']) */
export async function cacheTeacherCmd(argv: string[]): Promise<void> {
  const a = parseCommand(argv, stringFlags(['out', 'seq-len', 'top-k', 'batch', 'max-data-tokens']), CACHE_TEACHER_USAGE);
  if (!a) return;
  const [teacherDir, textFile] = a.positionals;
  const out = a.values.out;
  if (a.positionals.length !== 2 || !teacherDir || !textFile || !out) throw new UsageError(CACHE_TEACHER_USAGE);
  checkReadableFile(textFile, 'a text file');
  const seqLen = intFlag('--seq-len', a.values['seq-len'], DEFAULT_CACHE_TEACHER_OPTIONS.seqLen, 2);
  const topK = intFlag('--top-k', a.values['top-k'], DEFAULT_CACHE_TEACHER_OPTIONS.topK);
  const batch = intFlag('--batch', a.values.batch, DEFAULT_CACHE_TEACHER_OPTIONS.batch);
  const maxTokens = intFlag('--max-data-tokens', a.values['max-data-tokens'], 0, 0);
  checkOutput(out, { what: '--out', kind: 'dir', inputs: [teacherDir, textFile], minFreeBytes: folderBytes(teacherDir, /\.safetensors$/) / 8 });
  await selectBackend();
  const teacher = await loadModel(teacherDir);
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const ids = encodeText(teacher, textFile, maxTokens);
    const t0 = Date.now();
    const info = await cacheTeacher(teacher, ids, out, {
      seqLen, topK, batch, signal: stop.signal,
      onProgress: (done, total) => console.log(`windows ${done}/${total}  ${((done * seqLen) / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(0)} tok/s`),
    });
    console.log(`cache ${out} windows ${info.windows}`);
  } finally {
    process.removeListener('SIGINT', onSigint);
    tf.dispose(Object.values(teacher.params));
  }
}
