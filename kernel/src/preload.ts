/**
 * The hidden first cell: imports the minitron library (`mt`) and `tf` by absolute paths resolved from the kernel's
 * install location, so every notebook gets them with full types without a node_modules folder of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PreloadInfo { code: string; libPath: string | null; tfDir: string | null; notes: string[] }

/** Repository root: kernel/dist/ → ../.. (override with MINITRON_ROOT). */
export function repoRoot(): string {
  return process.env.MINITRON_ROOT ? path.resolve(process.env.MINITRON_ROOT) : path.resolve(__dirname, '..', '..');
}

function pkgDir(name: string, from: string): string | null {
  try { return path.dirname(require.resolve(`${name}/package.json`, { paths: [from] })); } catch { return null; }
}

const q = (p: string): string => JSON.stringify(p.split(path.sep).join('/'));

export function preloadCode(root = repoRoot()): PreloadInfo {
  const notes: string[] = [];
  const lines: string[] = [];
  const lib = path.join(root, 'dist', 'index.js');
  const libPath = fs.existsSync(lib) ? lib : null;
  if (libPath) {
    lines.push(`import * as mt from ${q(libPath)};`);
    // prompt(): one line from the user through stdin (input_request), as in a browser; mt.readLine throws StdinError
    // when the front end did not allow stdin for this request.
    lines.push('function prompt(message?: string, defaultValue?: string): string { const v = mt.readLine(String(message ?? \'\')); '
      + 'return v === \'\' && defaultValue !== undefined ? defaultValue : v; }');
  }
  else notes.push(`minitron library not built (${lib} missing): run \`npx tsc -p tsconfig.json\` in ${root}; \`mt\` is not preloaded`);
  const tfDir = pkgDir('@tensorflow/tfjs-core', root);
  if (tfDir) {
    lines.push(`import * as tf from ${q(tfDir)};`);
    // Types of the chained ops (x.sum()): a named import (tslab carries named imports into every later cell's
    // declarations) of an empty module whose .d.ts imports tfjs-core's augmentations; tfjs.ts registers the methods.
    lines.push(`import * as tfChainedOps from ${q(path.resolve(__dirname, '..', 'assets', 'tf_chained_ops'))};`);
    const cpu = pkgDir('@tensorflow/tfjs-backend-cpu', root);
    if (cpu) lines.push(`import ${q(cpu)};`);
  } else notes.push('@tensorflow/tfjs-core not found from the repository root; `tf` is not preloaded');
  return { code: lines.join('\n'), libPath, tfDir, notes };
}

/** Loads the library once before the preload cell (dist/ is plain CommonJS). @example loadLibrary(libPath, log) */
export function loadLibrary(libPath: string, log: (s: string) => void): unknown {
  const t0 = Date.now();
  const lib = require(libPath);
  log(`loaded ${libPath} in ${Date.now() - t0} ms`);
  return lib;
}
