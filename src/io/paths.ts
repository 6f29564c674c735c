/**
 * Output paths checked before any work starts: resolved through real paths (symlinks, `..`), refused when they
 * are, lie inside, or contain an input file or folder, and refused when they cannot be written (wrong kind,
 * read-only, too little free space); leftovers of killed writers beside them are cleaned up. Every CLI output flag
 * goes through checkOutput.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MinitronError } from '../errors.js';
import { recoverStaleSiblings } from './atomic.js';

/** An output path that would overlap an input or cannot be written. @example new OutputPathError('/m/config.json', 'is the input file /m/config.json') */
export class OutputPathError extends MinitronError {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** What an output is and what it must not touch. */
export interface OutputCheck {
  /** A file (written or replaced) or a folder (created, or replaced when it may exist). */
  readonly kind: 'file' | 'dir';
  /** Input files and folders the output must stay clear of (null / undefined entries are ignored). */
  readonly inputs: ReadonlyArray<string | null | undefined>;
  /** Other outputs of the same run: neither may be, contain or lie inside the other. */
  readonly outputs: ReadonlyArray<string | null | undefined>;
  /** Refuse an output that already exists. */
  readonly mustNotExist: boolean;
  /** Free bytes the output's file system must have (0: no check). */
  readonly minFreeBytes: number;
  /** Name used in messages, e.g. '--out'. */
  readonly what: string;
  /** Where the lines about cleaned-up leftovers of killed runs go (default: stderr). */
  readonly log: (line: string) => void;
}
export const DEFAULT_OUTPUT_CHECK: OutputCheck = {
  kind: 'file', inputs: [], outputs: [], mustNotExist: false, minFreeBytes: 0, what: 'output',
  log: (line) => process.stderr.write(`[minitron] ${line}\n`),
};

/**
 * The real path of `p` even when its tail does not exist yet: the deepest existing ancestor through realpath,
 * then the missing components.
 * @example realPath('link/small') // '/data/model/small' when link -> /data/model
 */
export function realPath(p: string): string {
  let head = path.resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(head), ...tail);
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return path.join(head, ...tail);
      tail.unshift(path.basename(head));
      head = parent;
    }
  }
}

const inside = (child: string, parent: string): boolean => child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a), y = fs.statSync(b);
    return x.isFile() && y.isFile() && x.dev === y.dev && x.ino === y.ino; // hard links
  } catch {
    return false;
  }
}

function overlap(out: string, input: string, kind: OutputCheck['kind'], role = 'input'): string | null {
  const ro = realPath(out), ri = realPath(input);
  const what = role === 'input' ? (fs.existsSync(ri) && fs.statSync(ri).isDirectory() ? 'input folder' : 'input file') : role;
  const named = `${what} ${input}${ri !== path.resolve(input) ? ` (${ri})` : ''}`;
  if (ro === ri || sameFile(ro, ri)) return `is the ${named}`;
  if (inside(ro, ri)) return `lies inside the ${named}${role === 'input' ? ', which is never written' : ''}`;
  if ((kind === 'dir' || role !== 'input') && inside(ri, ro)) return `contains the ${named}`;
  return null;
}

function deepestExisting(p: string): string {
  let cur = path.resolve(p);
  while (!fs.existsSync(cur)) {
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  return cur;
}

function writability(out: string, o: OutputCheck): string | null {
  const abs = path.resolve(out);
  if (fs.existsSync(abs)) {
    const st = fs.statSync(abs);
    if (o.mustNotExist) return `already exists; choose a new ${o.kind === 'dir' ? 'folder' : 'file'}`;
    if (o.kind === 'file' && st.isDirectory()) return 'is a folder; expected a file path';
    if (o.kind === 'dir' && !st.isDirectory()) return 'is a file; expected a folder';
  }
  const base = deepestExisting(path.dirname(abs));
  if (!fs.statSync(base).isDirectory()) return `cannot be created: ${base} is a file, not a folder`;
  try {
    fs.accessSync(base, fs.constants.W_OK);
    if (fs.existsSync(abs)) fs.accessSync(abs, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `not writable (${code === 'EROFS' ? 'read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code}${code === 'EROFS' ? '' : ` on ${base}`})`;
  }
  if (o.minFreeBytes > 0) {
    const s = fs.statfsSync(base);
    const free = s.bavail * s.bsize;
    if (free < o.minFreeBytes) return `needs about ${mb(o.minFreeBytes)} free, the file system of ${base} has ${mb(free)}`;
  }
  return null;
}

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;

/**
 * Checks an output path before any work: no overlap with the inputs (through real paths), the right kind,
 * writable, enough free space; then removes what killed writers left beside it (recoverStaleSiblings). Returns the
 * absolute path; throws OutputPathError naming the flag and the input.
 * @example checkOutput(flags.out, { what: '--out', kind: 'file', inputs: [modelDir, textFile] });
 */
export function checkOutput(out: string, options: Partial<OutputCheck> = {}): string {
  const o = { ...DEFAULT_OUTPUT_CHECK, ...options };
  if (out.trim() === '') throw new OutputPathError(`${o.what} ""`, 'expected a path');
  for (const input of o.inputs) {
    if (input === null || input === undefined || input === '') continue;
    const why = overlap(out, input, o.kind);
    if (why) throw new OutputPathError(`${o.what} ${out}`, why);
  }
  for (const other of o.outputs) {
    const why = other ? overlap(out, other, o.kind, 'other output') : null;
    if (why) throw new OutputPathError(`${o.what} ${out}`, why);
  }
  const why = writability(out, o);
  if (why) throw new OutputPathError(`${o.what} ${out}`, why);
  for (const line of recoverStaleSiblings(out)) o.log(line);
  return path.resolve(out);
}

/**
 * Total size in bytes of the files directly in a folder matching `pattern` (0 for a missing folder): a cheap
 * estimate of what writing a copy of a checkpoint needs.
 * @example folderBytes('.cache/models/smollm2-135m', /\.safetensors$/)
 */
export function folderBytes(dir: string, pattern: RegExp): number {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return 0;
  let n = 0;
  for (const f of fs.readdirSync(dir)) if (pattern.test(f)) n += fs.statSync(path.join(dir, f)).size;
  return n;
}
