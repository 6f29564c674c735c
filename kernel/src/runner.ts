/**
 * Cell execution through tslab's TypeScript converter and executor.
 *
 * tslab is pinned to exactly 1.0.22 in kernel/package.json because `tslab/dist/converter` and
 * `tslab/dist/executor` are internal modules (not in tslab's public entry point, no semver promise): their
 * signatures (createConverter(options), createExecutor(rootDir, convs, console), the "%s%d:%d - %s" diagnostic
 * format and the `console.log(lastValue)` convention relied on below) are those of that exact release.
 */
import { createConverter, isCompleteCode } from 'tslab/dist/converter';
import type { Converter, ConvertResult } from 'tslab/dist/converter';
import { createExecutor } from 'tslab/dist/executor';
import type { Executor } from 'tslab/dist/executor';
import { printQuickInfo } from 'tslab/dist/inspect';
import * as ts from 'typescript';
import { expandShorthands, toOriginal } from './cell_source.js';
import type { RewrittenCell } from './cell_source.js';
import { instrumentAwaits, installInterruptSupport, KernelInterrupt } from './interrupt.js';
import { beforeCell, formatRuntimeError, installCellFileNames } from './traceback.js';

/** A TypeScript diagnostic in the cell: 1-based line and column. */
export interface CellDiagnostic { file: string; line: number; col: number; message: string }

/** Outcome of one cell. */
export type CellOutcome =
  | { status: 'ok'; hasValue: boolean; value?: unknown }
  | { status: 'error'; ename: string; evalue: string; traceback: string[] };

const RED = '\x1b[31m', BOLD = '\x1b[1m', RESET = '\x1b[0m';

/** The cell being converted: its label (script file name), original source and shorthand rewrite. */
interface CellInRun { label: string; source: string; rewritten: RewrittenCell }

function wrapConverter(conv: Converter, current: () => CellInRun | null): Converter {
  return {
    ...conv,
    convert(prevDecl: string, src: string): ConvertResult {
      const r = conv.convert(prevDecl, src);
      if (r.output) r.output = instrumentAwaits(r.output);
      const cell = current();
      if (r.output && cell) beforeCell(cell.label, cell.source, r.output);
      return r;
    },
  };
}

/** Formats TypeScript diagnostics with the offending cell line and a caret under the column. */
export function formatDiagnostics(code: string, diags: CellDiagnostic[]): string[] {
  const lines = code.split('\n');
  const out: string[] = [];
  for (const d of diags) {
    const where = d.file ? `${d.file}:${d.line}:${d.col}` : `cell line ${d.line}, column ${d.col}`;
    out.push(`${RED}${BOLD}TS error${RESET} at ${where}: ${d.message}`);
    if (!d.file && lines[d.line - 1] !== undefined) {
      const no = `${d.line} | `;
      out.push(`${no}${lines[d.line - 1]}`, `${' '.repeat(no.length + Math.max(0, d.col - 1))}${RED}^${RESET}`);
    }
  }
  return out;
}

export class Runner {
  private readonly executor: Executor;
  private readonly convs: { node: Converter; browser: Converter; close(): void };
  private diags: CellDiagnostic[] = [];
  private errors: unknown[] = [];
  private lastValue: { has: boolean; value?: unknown } = { has: false };
  private cell: CellInRun | null = null;

  constructor(rootDir: string) {
    installInterruptSupport();
    installCellFileNames();
    const node = createConverter();
    const browser = createConverter({ isBrowser: true });
    this.convs = { node: wrapConverter(node, () => this.cell), browser, close: () => { node.close(); browser.close(); } };
    this.executor = createExecutor(rootDir, this.convs, {
      log: (value?: unknown) => { this.lastValue = { has: true, value }; },
      error: (first?: unknown, ...rest: unknown[]) => {
        if (first === '%s%d:%d - %s' && rest.length === 4) {
          const [file, line, col, message] = rest as [string, number, number, string];
          this.diags.push({ file: file.trim(), line, col, message });
        } else this.errors.push(first);
      },
    });
  }

  /** Runs one cell (`label` names it in stack traces, e.g. `[cell 3]`); never throws. */
  async run(code: string, label = '[cell]'): Promise<CellOutcome> {
    this.diags = []; this.errors = []; this.lastValue = { has: false };
    const rewritten = expandShorthands(code);
    this.cell = { label, source: code, rewritten };
    let ok: boolean;
    try { ok = await this.executor.execute(rewritten.code); } catch (e) { ok = false; this.errors.push(e); } finally { this.cell = null; }
    if (ok) return { status: 'ok', hasValue: this.lastValue.has, value: this.lastValue.value };
    for (const d of this.diags) if (!d.file) Object.assign(d, toOriginal(code, rewritten, d.line, d.col));
    if (this.diags.length > 0) {
      const first = this.diags[0];
      return { status: 'error', ename: 'TSError', evalue: `${first.file ? `${first.file}:` : 'line '}${first.line}:${first.col} ${first.message}`,
        traceback: formatDiagnostics(code, this.diags) };
    }
    const e = this.errors[0];
    if (e instanceof KernelInterrupt || (e instanceof Error && (e.message === 'Interrupted asynchronously' || e.name === 'InterruptedError')) ||
        (e instanceof Error && /Script execution (was )?interrupted/.test(e.message))) {
      return { status: 'error', ename: 'Interrupted', evalue: 'the cell was interrupted', traceback: [`${RED}Interrupted${RESET}: the cell was interrupted`] };
    }
    if (e instanceof Error) {
      return { status: 'error', ename: e.name || 'Error', evalue: e.message, traceback: formatRuntimeError(e) };
    }
    return { status: 'error', ename: 'Error', evalue: String(e), traceback: [`Uncaught ${String(e)}`] };
  }

  /** Interrupts an async cell that awaits (tslab rejects its race; our checkpoints stop the loop). */
  interrupt(): void { this.executor.interrupt(); }

  /** is_complete as ipykernel answers: incomplete (with the next line's indent), invalid (a syntax error), complete. */
  isComplete(code: string): { status: 'complete' | 'incomplete' | 'invalid'; indent?: string } {
    const r = isCompleteCode(code);
    if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
    const t = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    return (t.diagnostics ?? []).length > 0 ? { status: 'invalid' } : { status: 'complete' };
  }

  complete(code: string, cursor: number): { matches: string[]; cursor_start: number; cursor_end: number } {
    const r = this.executor.complete(code, cursor);
    return { matches: r.candidates, cursor_start: r.start, cursor_end: r.end };
  }

  inspect(code: string, cursor: number): string | null {
    const info = this.executor.inspect(code, cursor);
    return info ? printQuickInfo(info) : null;
  }

  close(): void { this.executor.close(); }
}
