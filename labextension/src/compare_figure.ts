/** Comparison (mt.compare) → plotly figure of overlaid loss curves, one colour per named run, eval points as diamonds. Pure. */
import { seriesOf, stepAxis } from './loss_figure.js';
import type { ComparisonJson, Figure } from './mime.js';
import { LIGHT_PALETTE } from './theme.js';
import type { SeriesPalette } from './theme.js';

/** Options of compareFigure(). @example compareFigure(c, { logY: true }) */
export interface CompareFigureOptions { logY: boolean; height: number; palette: SeriesPalette }
/** Defaults of CompareFigureOptions. @example compareFigure(c, defaultCompareFigureOptions) */
export const defaultCompareFigureOptions: CompareFigureOptions = { logY: false, height: 340, palette: LIGHT_PALETTE };

/**
 * One loss line per run with rows (named by the run, dashes cycling after the palette's colours), its eval points in the same colour.
 * @example const f = compareFigure(comparison); Plotly.react(div, f.data, f.layout);
 */
export function compareFigure(c: ComparisonJson, opts: Partial<CompareFigureOptions> = {}): Figure {
  const o = { ...defaultCompareFigureOptions, ...opts };
  const data: Record<string, unknown>[] = [];
  const dashes = ['solid', 'dash', 'dot', 'dashdot'];
  let k = 0;
  for (const run of c.runs) {
    const loss = seriesOf(run.rows, 'loss');
    if (loss.x.length === 0) continue;
    const color = o.palette.runs[k % o.palette.runs.length], dash = dashes[Math.floor(k / o.palette.runs.length) % dashes.length];
    k += 1;
    data.push({ type: 'scatter', mode: loss.x.length < 3 ? 'lines+markers' : 'lines', name: run.name, legendgroup: run.name, x: loss.x, y: loss.y,
      line: { color, width: 2, dash }, hovertemplate: `${run.name}<br>step %{x}<br>loss %{y:.4g}<extra></extra>` });
    const ev = seriesOf(run.rows, 'evalLoss');
    if (ev.x.length) {
      data.push({ type: 'scatter', mode: 'markers', name: `${run.name} eval`, legendgroup: run.name, showlegend: false, x: ev.x, y: ev.y,
        marker: { symbol: 'diamond', size: 8, color }, hovertemplate: `${run.name}<br>step %{x}<br>eval loss %{y:.4g}<extra></extra>` });
    }
  }
  const steps = c.runs.flatMap((r) => r.rows.map((x) => x.step));
  return {
    data,
    layout: {
      height: o.height, margin: { l: 60, r: 20, t: 30, b: 44 },
      xaxis: stepAxis(steps.length ? Math.min(...steps) : 0, steps.length ? Math.max(...steps) : 1),
      yaxis: { title: { text: 'loss' }, type: o.logY ? 'log' : 'linear', zeroline: false },
      showlegend: true, legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom' },
      uirevision: 'minitron-compare',
    },
    config: { responsive: true, displaylogo: false },
  };
}

/** Results-table columns. @example COMPARE_COLUMNS[2] // 'perplexity' */
export const COMPARE_COLUMNS = ['run', 'parameters', 'perplexity', 'vs teacher', 'tokens', 'time', 'final loss'] as const;
