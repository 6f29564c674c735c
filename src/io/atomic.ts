/**
 * Atomic writes of files and folders: write under a temporary name in the same folder, fsync, rename into place.
 * A crash leaves either the old content or the new one, never half of it (rename is atomic within one filesystem).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors.js';
import { fsError, isErrno } from './files.js';

/** A sibling path of `target` that no other writer uses: `<target>.<tag>-<pid>-<time>-<counter>`. */
let counter = 0;
function siblingPath(target: string, tag: string): string {
  return `${path.resolve(target)}.${tag}-${process.pid}-${Date.now()}-${counter++}`;
}

/** fsync a file or folder by path (folders too on POSIX, so a rename inside them is durable). */
function fsyncPath(p: string): void {
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch {
    return; // not openable for reading (e.g. a folder on Windows): nothing to flush
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on folders; the rename is still atomic
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `file` atomically through `write(tmp)`, which writes a temporary sibling path (fsynced, then renamed over `file`).
 * @example writeFileAtomicWith('shard.safetensors', (tmp) => writeSafetensors(tmp, tensors));
 */
export function writeFileAtomicWith(file: string, write: (tmp: string) => void): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = siblingPath(file, 'tmp');
  try {
    write(tmp);
    fsyncPath(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw isErrno(e) ? fsError(e, file, 'a writable file; the previous content, if any, is kept') : e;
  }
  fsyncPath(dir);
}

/**
 * Writes `data` to `file` atomically (temporary sibling, fsync, rename over `file`).
 * @example writeFileAtomic('report.json', JSON.stringify(report));
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeFileAtomicWith(file, (tmp) => fs.writeFileSync(tmp, data));
}

/** Options of writeDirAtomic. */
export interface AtomicDirOptions {
  /** Replace an existing folder at the target (moved aside, removed after the rename); otherwise it is an error. */
  readonly replace: boolean;
}
/** Default: replace an existing folder. @example writeDirAtomic(dir, fill, { ...DEFAULT_ATOMIC_DIR_OPTIONS, replace: false }) */
export const DEFAULT_ATOMIC_DIR_OPTIONS: AtomicDirOptions = { replace: true };

/**
 * Fills a temporary sibling folder with `fill(tmp)`, fsyncs its files, then renames it to `dir` (replacing an existing
 * one when `replace`). On any error the temporary folder is removed and `dir` is left as it was.
 * @example writeDirAtomic('out/ckpt', (tmp) => fs.writeFileSync(path.join(tmp, 'state.json'), '{}'));
 */
export function writeDirAtomic(dir: string, fill: (tmp: string) => void, options: Partial<AtomicDirOptions> = {}): void {
  const o = { ...DEFAULT_ATOMIC_DIR_OPTIONS, ...options };
  if (!o.replace && fs.existsSync(dir)) throw new CheckpointError(dir, 'output folder already exists; choose a new path');
  const tmp = prepareDir(dir);
  try {
    fill(tmp);
    commitDir(tmp, dir, o.replace);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw isErrno(e) ? fsError(e, dir, 'a writable folder; the previous one, if any, is kept') : e;
  }
}

function prepareDir(dir: string): string {
  fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  const tmp = siblingPath(dir, 'tmp');
  fs.mkdirSync(tmp);
  return tmp;
}

function commitDir(tmp: string, dir: string, replace: boolean): void {
  for (const e of fs.readdirSync(tmp, { withFileTypes: true })) if (e.isFile()) fsyncPath(path.join(tmp, e.name));
  fsyncPath(tmp);
  let old: string | null = null;
  if (fs.existsSync(dir)) {
    if (!replace) throw new CheckpointError(dir, 'output folder already exists; choose a new path');
    old = siblingPath(dir, 'old');
    fs.renameSync(dir, old);
  }
  fs.renameSync(tmp, dir);
  fsyncPath(path.dirname(path.resolve(dir)));
  if (old !== null) fs.rmSync(old, { recursive: true, force: true });
}

/** True unless `pid` names no running process (a pid we may not signal is running). */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans up after writers that were killed beside `target`: when `target` is missing but an old copy moved aside by
 * a replacing write (`<target>.old-<pid>-…`) exists, it is renamed back (the kill fell between the two renames);
 * then every temporary or old sibling of a process no longer running is removed. Returns one line per action.
 * @example for (const m of recoverStaleSiblings('out.state/checkpoint')) console.error(m);
 */
export function recoverStaleSiblings(target: string): string[] {
  const abs = path.resolve(target), dir = path.dirname(abs), base = path.basename(abs);
  if (!fs.existsSync(dir)) return [];
  const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-(\\d+)(?:-\\d+)?$`);
  const stale = fs.readdirSync(dir).map((n) => ({ n, m: re.exec(n) })).filter((x) => x.m && !pidAlive(Number(x.m[2])))
    .map((x) => ({ p: path.join(dir, x.n), tag: x.m![1], time: Number(x.m![3]) })).sort((a, b) => b.time - a.time);
  const out: string[] = [];
  const old = stale.find((s) => s.tag === 'old');
  if (old && !fs.existsSync(abs)) {
    fs.renameSync(old.p, abs);
    out.push(`restored ${abs} from ${old.p} (a replacing write was killed before it finished)`);
  }
  for (const s of stale) {
    if (s === old && !fs.existsSync(s.p)) continue;
    fs.rmSync(s.p, { recursive: true, force: true });
    out.push(`removed ${s.p} (left by a killed run)`);
  }
  return out;
}
