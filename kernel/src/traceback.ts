/**
 * Runtime errors as a notebook user wants them: the error's name and message first, then the cell frames as
 * "cell [n] line L, column C" with that cell line and a caret, then library frames; node:vm, tslab's executor and the
 * kernel's own frames are hidden (MINITRON_KERNEL_DEBUG=1 shows the full stack instead).
 * Cells run under the file name `[cell n]` (n: the execution count; vm.runInThisContext is given it); the executed JavaScript of a cell differs
 * from its TypeScript (types stripped, earlier cells' names read as `exports.x`), so a JavaScript position is mapped
 * back by finding the code at the error column in the cell's own lines, nearest the JavaScript line.
 */
// The module object itself (not an import-star copy): tslab's executor calls vm.runInThisContext through it.
import vm = require('node:vm');
import * as path from 'node:path';

const RED = '\x1b[31m', BOLD = '\x1b[1m', CYAN = '\x1b[36m', RESET = '\x1b[0m';
/** The prefix tslab's executor puts before the converted cell on its first line. */
const WRAPPERS = ['(async function(exports, require) { ', '(function(exports, require) { '];

interface CellRecord { source: string; js: string }
const cells = new Map<string, CellRecord>();
let pending: (CellRecord & { label: string }) | null = null;

/** True when MINITRON_KERNEL_DEBUG asks for full stacks. @example if (debugStacks()) ... */
export function debugStacks(): boolean {
  const v = process.env.MINITRON_KERNEL_DEBUG;
  return !!v && v !== '0' && v !== 'false';
}

/** Names the next script tslab runs (`[cell 3]`) and remembers its source and JavaScript. @example beforeCell('[cell 3]', code, js) */
export function beforeCell(label: string, source: string, js: string): void {
  pending = { label, source, js };
}

let patched = false;
/** Gives each cell script a file name (idempotent). @example installCellFileNames() */
export function installCellFileNames(): void {
  if (patched) return;
  patched = true;
  const orig = vm.runInThisContext;
  (vm as { runInThisContext: typeof vm.runInThisContext }).runInThisContext = function (code: string, opts?: vm.RunningScriptOptions | string) {
    if (!pending || typeof opts === 'string') return orig.call(vm, code, opts);
    const filename = pending.label;
    cells.set(filename, { source: pending.source, js: pending.js });
    pending = null;
    return orig.call(vm, code, { ...(opts ?? {}), filename });
  } as typeof vm.runInThisContext;
}

/** Finds the cell line/column of a JavaScript position of a cell. @example mapToCell(rec, 3, 12) */
export function mapToCell(rec: CellRecord, jsLine: number, jsCol: number): { line: number; col: number } | null {
  let text = rec.js.split('\n')[jsLine - 1];
  if (text === undefined) return null;
  let col = jsCol - 1;
  if (jsLine === 1) for (const w of WRAPPERS) if (text.startsWith(w)) { text = text.slice(w.length); col -= w.length; break; }
  const lines = rec.source.split('\n');
  let snippet = text.slice(Math.max(0, col)).replace(/\bexports\./g, '').replace(/^tsLastExpr\d* = /, '').trimEnd();
  while (snippet.length >= 2) {
    let best: { line: number; col: number } | null = null;
    lines.forEach((l, i) => {
      const at = l.indexOf(snippet);
      if (at >= 0 && (!best || Math.abs(i + 1 - jsLine) < Math.abs(best.line - jsLine))) best = { line: i + 1, col: at + 1 };
    });
    if (best) return best;
    snippet = snippet.slice(0, Math.floor(snippet.length * 0.6));
  }
  return null;
}

/** Frames of node's vm, tslab's executor and this kernel's own files (kernel/dist). */
const HIDDEN = [/\(node:/, /at node:/, /[\\/]tslab[\\/]/, /sigintHandlersWrap/, /at new Promise \(<anonymous>\)/];
const hidden = (line: string): boolean => line.includes(`${__dirname}${path.sep}`) || HIDDEN.some((h) => h.test(line));
const FRAME = /\((\[[^\]]+\]):(\d+):(\d+)\)$|at (\[[^\]]+\]):(\d+):(\d+)$/;

/** One stack frame line, rewritten for a cell frame; null when hidden. */
function frame(line: string): string[] | null {
  const m = FRAME.exec(line.trim());
  if (m) {
    const file = m[1] ?? m[4];
    const rec = cells.get(file);
    const jsLine = Number(m[2] ?? m[5]);
    if (rec && jsLine > rec.js.split('\n').length) return null; // the executor's wrapper call after the cell
    const pos = rec ? mapToCell(rec, jsLine, Number(m[3] ?? m[6])) : null;
    if (!rec || !pos) return [`  ${CYAN}${file}${RESET} (compiled line ${m[2] ?? m[5]})`];
    const src = rec.source.split('\n')[pos.line - 1] ?? '';
    const no = `${pos.line} | `;
    return [`  ${CYAN}${file}${RESET} line ${pos.line}, column ${pos.col}`, `  ${no}${src}`, `  ${' '.repeat(no.length + pos.col - 1)}${RED}^${RESET}`];
  }
  return hidden(line) ? null : [line];
}

/**
 * The traceback of an error thrown by a cell: "Name: message" first, cell frames mapped to cell lines, library frames
 * kept, executor frames hidden. @example formatRuntimeError(e) // ['\x1b[31mTypeError\x1b[0m: x is not a function', ...]
 */
export function formatRuntimeError(e: Error): string[] {
  const stack = e.stack ?? `${e.name}: ${e.message}`;
  if (debugStacks()) return stack.split('\n');
  const head = `${RED}${BOLD}${e.name || 'Error'}${RESET}: ${e.message}`;
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
  const out = [head];
  for (const f of frames) out.push(...(frame(f) ?? []));
  return out;
}
