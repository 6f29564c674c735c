/**
 * mt.compare({ name: run, … }): named runs side by side — overlaid loss curves (the lab extension's comparison plot)
 * and a results table (parameters, perplexity, change vs the teacher, tokens, time) with text/plain and text/html
 * fallbacks (an inline SVG of the curves) for GitHub and nbviewer. Pure: returns a value the kernel displays.
 */
import type { Params, TrainHistory, TrainRow } from '../types.js';
import { MinitronError } from '../errors.js';
import { escapeHtml, fmtCount, fmtNum, htmlTable, svgLines, textTable } from './html.js';

/** One run as given to compare(): a TrainHistory / DistillResult, or an object naming what is known about the run. @example const r: CompareRun = { history, perplexity: 21.4, params: 98e6 }; */
export type CompareRun = TrainHistory | {
  rows?: readonly TrainRow[];
  history?: TrainHistory;
  /** A parameter count, or the run's weights (counted). */
  params?: number | Params;
  model?: { params: Params };
  perplexity?: number;
  tokens?: number;
  timeSec?: number;
  elapsedSec?: number;
  teacher?: boolean;
};

/** One row of a comparison (JSON). @example c.runs[0].perplexity */
export interface ComparisonRun {
  name: string; rows: TrainRow[]; params: number | null; perplexity: number | null; deltaVsTeacher: number | null;
  tokens: number | null; timeSec: number | null; teacher: boolean;
}

/** A comparison of named runs (shown with application/vnd.minitron.comparison+json). @example const c: Comparison = compare({ kd: res }); */
export interface Comparison { kind: 'comparison'; runs: ComparisonRun[] }

/** Options of compare(). @example compare(runs, { teacher: 'teacher' }) */
export interface CompareOptions { teacher: string | null }
/** Defaults of CompareOptions: the run named "teacher" (or marked teacher: true) is the reference. @example compare(runs, defaultCompareOptions) */
export const defaultCompareOptions: CompareOptions = { teacher: 'teacher' };

/** Thrown for a run compare() cannot read. @example throw new CompareError('kd', 'a TrainHistory or { perplexity, params }'); */
export class CompareError extends MinitronError {
  constructor(name: string, expected: string) { super(`display/compare.ts: run '${name}': expected ${expected}`); }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function countParams(p: unknown): number | null {
  if (typeof p === 'number') return num(p);
  if (!isObj(p)) return null;
  let n = 0;
  for (const t of Object.values(p)) {
    const shape = isObj(t) ? (t as { shape?: unknown }).shape : undefined;
    if (!Array.isArray(shape)) return null;
    n += shape.reduce((a: number, b: number) => a * b, 1);
  }
  return n;
}

/** Time of a run: elapsedSec/timeSec when given, else summed from the rows' tokens / tokensPerSec. */
function runTime(r: Record<string, unknown>, rows: readonly TrainRow[]): number | null {
  const given = num(r.timeSec) ?? num(r.elapsedSec);
  if (given !== null) return given;
  let t = 0, prev = 0;
  for (const row of rows) {
    if (!(row.tokensPerSec !== undefined && row.tokensPerSec > 0)) return null;
    t += Math.max(0, row.tokens - prev) / row.tokensPerSec;
    prev = row.tokens;
  }
  return rows.length ? t : null;
}

function readRun(name: string, x: unknown, o: CompareOptions): ComparisonRun {
  if (!isObj(x)) throw new CompareError(name, 'an object: a TrainHistory / DistillResult or { rows?, history?, params?, perplexity?, tokens?, timeSec?, teacher? }');
  const hist = isObj(x.history) ? x.history : x;
  const rows = Array.isArray(hist.rows) ? (hist.rows as TrainRow[]) : [];
  if (rows.some((r) => !isObj(r) || typeof r.step !== 'number' || typeof r.loss !== 'number')) throw new CompareError(name, 'rows of { step, loss, … }');
  const last = rows[rows.length - 1];
  const params = countParams(x.params) ?? (isObj(x.model) ? countParams(x.model.params) : null);
  return {
    name, rows: rows.map((r) => ({ ...r })), params, perplexity: num(x.perplexity), deltaVsTeacher: null,
    tokens: num(x.tokens) ?? (last ? last.tokens : null), timeSec: runTime({ ...hist, ...x }, rows), teacher: x.teacher === true || name === o.teacher,
  };
}

/**
 * Compares named runs: each a TrainHistory / DistillResult (its loss curve, tokens, time, weights counted) or an
 * object with what is known (perplexity, params, …). The teacher row (named "teacher" or teacher: true) is the
 * reference of "vs teacher" (perplexity change in %). Show it as a cell's value or with display().
 * @example mt.compare({ teacher: { perplexity: 12.1, params: 134.5e6 }, kd: kdResult, 'kd+ce': { history: h2, perplexity: 14.0 } })
 */
export function compare(runs: Record<string, CompareRun>, opts: Partial<CompareOptions> = {}): Comparison {
  const o = { ...defaultCompareOptions, ...opts };
  if (!isObj(runs) || Object.keys(runs).length === 0) throw new CompareError('(all)', 'a non-empty object { name: run, … }');
  const out = Object.entries(runs).map(([name, r]) => readRun(name, r, o));
  const ref = out.find((r) => r.teacher && r.perplexity !== null);
  if (ref) for (const r of out) if (r.perplexity !== null && r !== ref) r.deltaVsTeacher = r.perplexity / ref.perplexity! - 1;
  return { kind: 'comparison', runs: out };
}

const COLUMNS = ['run', 'parameters', 'perplexity', 'vs teacher', 'tokens', 'time', 'final loss'] as const;

function fmtTime(s: number | null): string {
  if (s === null) return '';
  return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

/** The results table's cells, one row per run. @example comparisonRows(c)[0] // ['teacher', '134.5M', '12.1', 'reference', '', '', ''] */
export function comparisonRows(c: Comparison): string[][] {
  return c.runs.map((r) => [
    r.name, r.params === null ? '' : fmtCount(r.params), r.perplexity === null ? '' : fmtNum(r.perplexity),
    r.teacher ? 'reference' : r.deltaVsTeacher === null ? '' : `${r.deltaVsTeacher >= 0 ? '+' : ''}${(100 * r.deltaVsTeacher).toFixed(1)}%`,
    r.tokens === null ? '' : fmtCount(r.tokens), fmtTime(r.timeSec), r.rows.length ? fmtNum(r.rows[r.rows.length - 1].loss) : '',
  ]);
}

/** text/plain and text/html (inline SVG of the loss curves + table) of a comparison. @example renderComparison(c).html */
export function renderComparison(c: Comparison): { text: string; html: string } {
  const rows = comparisonRows(c);
  const title = `Comparison of ${c.runs.length} runs`;
  const series: Record<string, number[]> = {};
  for (const r of c.runs) if (r.rows.length) series[r.name] = r.rows.map((x) => x.loss);
  const svg = Object.keys(series).length ? `<div><b>${escapeHtml('loss by step')}</b><br/>${svgLines(series)}</div>` : '';
  return { text: `${title}\n${textTable([...COLUMNS], rows)}`, html: svg + htmlTable([...COLUMNS], rows, title) };
}
