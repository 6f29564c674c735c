/** TrainHistory → plotly figure (loss, kl, ce, evalLoss vs step; lr on a second axis). Pure, unit-tested. */
import type { Figure, HistoryJson, RowJson } from './mime.js';

/** Series drawn on the loss axis, in legend order. @example LOSS_SERIES[0] // 'loss' */
export const LOSS_SERIES = ['loss', 'kl', 'ce', 'is', 'evalLoss'] as const;

/** Options of lossFigure(). @example lossFigure(h, { ...defaultLossFigureOptions, logY: true }) */
export interface LossFigureOptions { logY: boolean; showLr: boolean; title: string; height: number }

/** Defaults of LossFigureOptions. @example lossFigure(h, defaultLossFigureOptions) */
export const defaultLossFigureOptions: LossFigureOptions = { logY: false, showLr: true, title: '', height: 320 };

const COLORS: Record<string, string> = { loss: '#1f77b4', kl: '#ff7f0e', ce: '#2ca02c', is: '#9467bd', evalLoss: '#d62728', lr: '#7f7f7f' };

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
 * The plotly figure of a training history: one line per present loss series, evalLoss as markers+lines, lr dotted on y2.
 * @example const fig = lossFigure(history); Plotly.react(div, fig.data, fig.layout);
 */
export function lossFigure(h: HistoryJson, opts: Partial<LossFigureOptions> = {}): Figure {
  const o = { ...defaultLossFigureOptions, ...opts };
  const data: Record<string, unknown>[] = [];
  for (const name of LOSS_SERIES) {
    const s = seriesOf(h.rows, name);
    if (s.x.length === 0) continue;
    const sparse = name === 'evalLoss';
    data.push({
      type: 'scatter', mode: sparse || s.x.length < 3 ? 'lines+markers' : 'lines', name, x: s.x, y: s.y,
      line: { color: COLORS[name], width: sparse ? 2.5 : 1.8 }, hovertemplate: `step %{x}<br>${name} %{y:.4g}<extra></extra>`,
    });
  }
  const lr = seriesOf(h.rows, 'lr');
  const withLr = o.showLr && lr.x.length > 0;
  if (withLr) {
    data.push({
      type: 'scatter', mode: 'lines', name: 'lr', x: lr.x, y: lr.y, yaxis: 'y2',
      line: { color: COLORS.lr, width: 1, dash: 'dot' }, hovertemplate: 'step %{x}<br>lr %{y:.3g}<extra></extra>',
    });
  }
  const last = h.rows[h.rows.length - 1];
  const title = o.title || (last ? `step ${last.step} · loss ${fmt(last.loss)}${last.evalLoss !== undefined ? ` · eval ${fmt(last.evalLoss)}` : ''}` : 'no rows yet');
  const layout: Record<string, unknown> = {
    title: { text: title, font: { size: 13 } },
    height: o.height, margin: { l: 55, r: withLr ? 60 : 20, t: 36, b: 40 },
    xaxis: { title: { text: 'step' }, zeroline: false },
    yaxis: { title: { text: 'loss' }, type: o.logY ? 'log' : 'linear', zeroline: false },
    legend: { orientation: 'h', y: -0.22 },
    uirevision: 'minitron-loss', // keeps zoom/pan across live updates
  };
  if (withLr) layout.yaxis2 = { title: { text: 'lr' }, overlaying: 'y', side: 'right', showgrid: false, tickformat: '.1e' };
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

/** Short number format for titles and tables. @example fmt(0.000123456) // '0.0001235' */
export function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-4) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}
