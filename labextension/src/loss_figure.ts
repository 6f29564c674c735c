/** TrainHistory → plotly figure (loss and its parts, eval points, lr on a second axis) and the progress header. Pure, unit-tested. */
import type { Figure, HistoryJson, RowJson } from './mime.js';
import { LIGHT_PALETTE } from './theme.js';
import type { SeriesPalette } from './theme.js';

/** Series drawn on the loss axis, in legend order. @example LOSS_SERIES[0] // 'loss' */
export const LOSS_SERIES = ['loss', 'kl', 'ce', 'is', 'evalLoss'] as const;

/** Options of lossFigure(). @example lossFigure(h, { ...defaultLossFigureOptions, logY: true }) */
export interface LossFigureOptions { logY: boolean; showLr: boolean; title: string; height: number; palette: SeriesPalette }

/** Defaults of LossFigureOptions. @example lossFigure(h, defaultLossFigureOptions) */
export const defaultLossFigureOptions: LossFigureOptions = { logY: false, showLr: true, title: '', height: 340, palette: LIGHT_PALETTE };

/** Line style of the loss parts: dashed so a part equal to the total stays visible on top of it. */
const PART_DASH: Record<string, string> = { kl: 'dash', ce: 'dot', is: 'dashdot' };

/** The x/y points of one numeric field (rows without a finite value are skipped). @example seriesOf(rows, 'evalLoss') // { x: [10, 20], y: [3.1, 2.9] } */
export function seriesOf(rows: readonly RowJson[], field: keyof RowJson): { x: number[]; y: number[] } {
  const x: number[] = [], y: number[] = [];
  for (const r of rows) {
    const v = r[field];
    if (typeof v === 'number' && Number.isFinite(v)) { x.push(r.step); y.push(v); }
  }
  return { x, y };
}

/**
 * A step axis with integer ticks only: linear ticks from 0 every 1, 2, 5, 10, 20, … steps (about `target` ticks).
 * @example stepAxis(1, 3) // { tickmode: 'linear', tick0: 0, dtick: 1, … }
 */
export function stepAxis(min: number, max: number, target = 8): Record<string, unknown> {
  const raw = Math.max(1, (max - min) / target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const dtick = [1, 2, 5, 10].map((m) => m * pow).find((d) => d >= raw) ?? 10 * pow;
  return { title: { text: 'step' }, tickmode: 'linear', tick0: 0, dtick: Math.max(1, Math.round(dtick)), tickformat: 'd', zeroline: false };
}

/** True when the part equals the total loss wherever both are present (then the two lines coincide). @example sameAs(rows, 'kl') */
export function sameAs(rows: readonly RowJson[], field: keyof RowJson): boolean {
  let n = 0;
  for (const r of rows) {
    const v = r[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (Math.abs(v - r.loss) > 1e-9 * Math.max(1, Math.abs(r.loss))) return false;
    n += 1;
  }
  return n > 0;
}

function lossTrace(h: HistoryJson, name: (typeof LOSS_SERIES)[number], o: LossFigureOptions): Record<string, unknown> | null {
  const s = seriesOf(h.rows, name);
  if (s.x.length === 0) return null;
  const color = o.palette[name];
  if (name === 'evalLoss') {
    return { type: 'scatter', mode: 'lines+markers', name: 'eval loss', x: s.x, y: s.y, line: { color, width: 1.5 },
      marker: { symbol: 'diamond', size: 9, color, line: { width: 1, color: 'rgba(0,0,0,0.35)' } }, hovertemplate: 'step %{x}<br>eval loss %{y:.4g}<extra></extra>' };
  }
  const total = name === 'loss';
  const equal = !total && sameAs(h.rows, name);
  const few = s.x.length < 3;
  return {
    type: 'scatter', mode: few || equal ? 'lines+markers' : 'lines', name: equal ? `${name} (= loss)` : name, x: s.x, y: s.y,
    line: { color, width: total ? 3.5 : 1.8, dash: total ? 'solid' : PART_DASH[name] ?? 'dash' },
    marker: { size: total ? 7 : 5, symbol: total ? 'circle' : 'x', color }, opacity: total ? 0.75 : 1,
    hovertemplate: `step %{x}<br>${name} %{y:.4g}<extra></extra>`,
  };
}

/**
 * The plotly figure of a training history: the total loss (thick), its parts (dashed, marked when equal to the
 * total), eval points (diamonds), lr on a right axis that starts at 0, integer step ticks.
 * @example const fig = lossFigure(history); Plotly.react(div, fig.data, fig.layout);
 */
export function lossFigure(h: HistoryJson, opts: Partial<LossFigureOptions> = {}): Figure {
  const o = { ...defaultLossFigureOptions, ...opts };
  const data = LOSS_SERIES.map((n) => lossTrace(h, n, o)).filter((d): d is Record<string, unknown> => d !== null);
  const lr = seriesOf(h.rows, 'lr');
  const withLr = o.showLr && lr.x.length > 0;
  if (withLr) {
    data.push({
      type: 'scatter', mode: lr.x.length < 3 ? 'lines+markers' : 'lines', name: 'lr', x: lr.x, y: lr.y, yaxis: 'y2',
      line: { color: o.palette.lr, width: 1.2, dash: 'dot' }, marker: { size: 4, color: o.palette.lr }, hovertemplate: 'step %{x}<br>lr %{y:.3g}<extra></extra>',
    });
  }
  const steps = h.rows.map((r) => r.step);
  // The header above the plot says step / loss / ETA; the legend takes the top edge (clear of the step axis title).
  const layout: Record<string, unknown> = {
    ...(o.title ? { title: { text: o.title, font: { size: 13 } } } : {}),
    height: o.height, margin: { l: 60, r: withLr ? 80 : 20, t: o.title ? 56 : 30, b: 44 },
    xaxis: stepAxis(steps.length ? Math.min(...steps) : 0, steps.length ? Math.max(...steps) : 1),
    yaxis: { title: { text: 'loss' }, type: o.logY ? 'log' : 'linear', zeroline: false },
    legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom' },
    uirevision: 'minitron-loss', // keeps zoom/pan across live updates
  };
  if (withLr) {
    const top = Math.max(...lr.y.map(Math.abs), 0) || 1e-3;
    layout.yaxis2 = { title: { text: 'lr', standoff: 8 }, overlaying: 'y', side: 'right', showgrid: false, range: [0, top * 1.1], rangemode: 'nonnegative', tickformat: '.1e', exponentformat: 'e', nticks: 5, automargin: true };
  }
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

/** Short number format for titles and tables. @example fmt(0.000123456) // '0.0001235' */
export function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-4) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** A duration as `1h 02m`, `3m 07s`, `12s` or `0.3s`. @example fmtDuration(187) // '3m 07s' */
export function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '–';
  if (sec < 1) return `${sec.toFixed(1)}s`;
  const s = Math.round(sec), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}h ${two(m)}m` : m > 0 ? `${m}m ${two(r)}s` : `${r}s`;
}

/** A rate as `850`, `12.3k`, `1.20M`. @example fmtRate(12345) // '12.3k' */
export function fmtRate(v: number): string {
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : v >= 1e3 ? `${(v / 1e3).toFixed(2)}k` : v.toFixed(0);
}

/** Progress of a training history: step i of N, elapsed, ETA, smoothed tokens/s. @example progressOf(h).eta */
export interface RunProgress { step: number; totalSteps: number | null; elapsedSec: number | null; etaSec: number | null; tokensPerSec: number | null }

/**
 * Progress figures of a history: elapsed from `elapsedSec` (else summed from tokens / tokensPerSec), tokens/s as an
 * exponential moving average (α = 0.2) of the rows' rates, ETA = elapsed per step × steps left.
 * @example progressOf({ kind: 'train-history', rows, totalSteps: 200, elapsedSec: 30 })
 */
export function progressOf(h: HistoryJson, alpha = 0.2): RunProgress {
  let ema: number | null = null, summed = 0, prevTokens = 0, summable = true;
  for (const r of h.rows) {
    const rate = r.tokensPerSec;
    if (typeof rate === 'number' && Number.isFinite(rate) && rate > 0) {
      ema = ema === null ? rate : alpha * rate + (1 - alpha) * ema;
      if (typeof r.tokens === 'number') summed += Math.max(0, r.tokens - prevTokens) / rate;
    } else summable = false;
    if (typeof r.tokens === 'number') prevTokens = r.tokens;
  }
  const last = h.rows[h.rows.length - 1];
  const step = last?.step ?? 0;
  const total = typeof h.totalSteps === 'number' && h.totalSteps > 0 ? h.totalSteps : null;
  const elapsed = typeof h.elapsedSec === 'number' ? h.elapsedSec : summable && h.rows.length ? summed : null;
  const eta = total !== null && elapsed !== null && step > 0 ? (elapsed / step) * Math.max(0, total - step) : null;
  return { step, totalSteps: total, elapsedSec: elapsed, etaSec: eta, tokensPerSec: ema };
}

/** The loss plot's header line. @example lossHeader(h) // 'step 40 / 200 · elapsed 1m 12s · ETA 4m 48s · 12.3k tok/s · loss 2.35' */
export function lossHeader(h: HistoryJson): string {
  const last = h.rows[h.rows.length - 1];
  if (!last) return 'waiting for the first training row…';
  const p = progressOf(h);
  const parts = [p.totalSteps !== null ? `step ${p.step} / ${p.totalSteps} (${Math.round((100 * p.step) / p.totalSteps)}%)` : `step ${p.step}`];
  if (p.elapsedSec !== null) parts.push(`elapsed ${fmtDuration(p.elapsedSec)}`);
  if (p.etaSec !== null) parts.push(p.step >= (p.totalSteps ?? Infinity) ? 'done' : `ETA ${fmtDuration(p.etaSec)}`);
  if (p.tokensPerSec !== null) parts.push(`${fmtRate(p.tokensPerSec)} tok/s`);
  parts.push(`loss ${fmt(last.loss)}`);
  if (last.evalLoss !== undefined) parts.push(`eval ${fmt(last.evalLoss)}`);
  return parts.join(' · ');
}
