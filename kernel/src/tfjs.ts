/**
 * tfjs as its documentation writes it: chained ops (`tf.tensor([1, 2, 3]).sum()`) and the fastest backend.
 * tfjs-core's CommonJS bundle (what `tf` is in cells) leaves chained ops out; they ship as ES modules under
 * dist/public/chained_ops/, each `getGlobalTensorClass().prototype.<op> = function (...) { ... }` importing its op.
 * The kernel runs those shipped files with their named imports read from the bundle's own exports, so the prototype
 * methods are tfjs' own code on the one Tensor class cells use; their .d.ts augmentations type them (preload.ts
 * imports kernel/assets/tf_chained_ops, whose .d.ts imports register_all_chained_ops).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type TfModule = Record<string, unknown> & { Tensor: { prototype: Record<string, unknown> }; util?: Record<string, unknown> };

/** The folder of tfjs-core's chained-op modules. @example chainedOpsDir(tfDir) */
export function chainedOpsDir(tfDir: string): string {
  return path.join(tfDir, 'dist', 'public', 'chained_ops');
}

/**
 * Registers every chained op of tfjs-core on the bundle's Tensor.prototype; returns how many files were applied.
 * @example registerChainedOps(tfDir, log) // then tf.tensor([1, 2, 3]).sum()
 */
export function registerChainedOps(tfDir: string, log: (s: string) => void): number {
  const tf = require(tfDir) as TfModule;
  const dir = chainedOpsDir(tfDir);
  if (!fs.existsSync(dir)) { log(`no ${dir}: chained ops (x.sum()) are unavailable`); return 0; }
  // Every import of a chained-op module resolves to the bundle: ops and Tensor (over util's same-named helpers such
  // as util.sum), getGlobalTensorClass, util's assert.
  const shim: Record<string, unknown> = { ...(tf.util ?? {}), ...tf, getGlobalTensorClass: () => tf.Tensor };
  let n = 0;
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.js') || file.startsWith('register_all_chained_ops')) continue;
    const js = commonJsBody(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (js === null) { log(`chained op ${file}: unexpected import form, not registered`); continue; }
    try {
      new Function('__tf', js)(shim);
      n += 1;
    } catch (e) { log(`chained op ${file} not registered: ${String(e)}`); }
  }
  return n;
}

const NAMED_IMPORT = /^import \{([\w\s,]*)\} from '[\w./]+';\s*$/;

/** A chained-op module's body with its named imports read from `__tf` (null for any other import form). */
function commonJsBody(esm: string): string | null {
  const out: string[] = [];
  for (const line of esm.split('\n')) {
    if (!line.startsWith('import ')) { out.push(line); continue; }
    const m = NAMED_IMPORT.exec(line);
    if (!m) return null;
    out.push(`const {${m[1]}} = __tf;`);
  }
  return out.join('\n');
}

/** Silences tfjs-backend-cpu's first-use "install tfjs-node" advice on the active backend. @example quietCpuBanner(tf) */
export function quietCpuBanner(tfDir: string): void {
  const tf = require(tfDir) as { backend?: () => unknown };
  const b = tf.backend?.() as { firstUse?: boolean } | undefined;
  if (b && 'firstUse' in b) b.firstUse = false;
}
