/**
 * File-system and JSON errors as MinitronErrors naming the path and what was expected there: every read of a
 * user-supplied file goes through readTextFile / readJsonFile, and describeError turns anything else that
 * escapes (an errno error, a SyntaxError) into one line.
 */
import * as fs from 'node:fs';
import { MinitronError } from '../errors.js';

/** A file that is missing, unreadable, of the wrong kind or malformed. @example new FileError('/m/x.json', 'no such file (expected a plan JSON)') */
export class FileError extends MinitronError {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** errno codes the file system raises, in words. */
export const FS_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
};

/** True for a Node errno error (it has a string `code` and a `syscall`). @example if (isErrno(e) && e.code === 'ENOSPC') ... */
export function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * A FileError for an errno error met while working on `file`, saying what was expected there.
 * @example try { fs.readFileSync(f) } catch (e) { throw fsError(e, f, 'a text file') }
 */
export function fsError(e: unknown, file: string, expected: string): MinitronError {
  if (e instanceof MinitronError) return e;
  if (isErrno(e)) return new FileError(file, `${FS_ERROR_WORDS[e.code!] ?? e.code} (expected ${expected})`);
  return new FileError(file, `${(e as Error)?.message ?? String(e)} (expected ${expected})`);
}

/**
 * Reads a UTF-8 file, or throws a FileError naming it and what was expected.
 * @example const text = readTextFile('moby.txt', 'a calibration text file');
 */
export function readTextFile(file: string, expected: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fsError(e, file, expected);
  }
}

/**
 * Checks that `file` exists, is a regular file and is readable, without reading it (for checks before long work).
 * @example checkReadableFile('train.txt', 'a training text file');
 */
export function checkReadableFile(file: string, expected: string): void {
  try {
    if (fs.statSync(file).isDirectory()) throw new FileError(file, `is a folder, not a file (expected ${expected})`);
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    throw fsError(e, file, expected);
  }
}

/**
 * Reads and parses a JSON file; a missing file, a folder, or malformed JSON becomes a FileError.
 * @example const index = readJsonFile('model.safetensors.index.json', 'a safetensors shard index');
 */
export function readJsonFile(file: string, expected: string): unknown {
  const text = readTextFile(file, expected);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileError(file, `not valid JSON (${(e as Error).message}); expected ${expected}`);
  }
}

/**
 * Like readJsonFile, and the value must be a JSON object.
 * @example const cfg = readJsonObject('tokenizer_config.json', 'a tokenizer config');
 */
export function readJsonObject(file: string, expected: string): Record<string, unknown> {
  const v = readJsonFile(file, expected);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FileError(file, `expected ${expected} (a JSON object), got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/**
 * One line for any error that reached a boundary: MinitronErrors as they are, errno errors with their path and
 * meaning, anything else as "internal error" with its class.
 * @example console.error(`minitron: ${describeError(e)}`)
 */
export function describeError(e: unknown): string {
  if (e instanceof MinitronError) return e.message;
  if (isErrno(e)) {
    const where = e.path ?? (e as { dest?: string }).dest ?? '';
    return `${where ? `${where}: ` : ''}${FS_ERROR_WORDS[e.code!] ?? e.code} (${e.syscall})`;
  }
  if (e instanceof Error) return `internal error: ${e.name}: ${e.message.split('\n')[0]}`;
  return `internal error: ${String(e)}`;
}
