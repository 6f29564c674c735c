/** Loads plotly.js lazily (its own chunk, fetched the first time a plot is shown) and draws figures. */
import type { PlotlyApi } from 'plotly.js-dist-min';
import type { Figure } from './mime.js';

let loading: Promise<PlotlyApi> | null = null;

/** The plotly.js module (loaded once). @example const Plotly = await loadPlotly(); */
export function loadPlotly(): Promise<PlotlyApi> {
  if (!loading) {
    loading = import(/* webpackChunkName: "minitron-plotly" */ 'plotly.js-dist-min').then((m) => {
      const mod = m as unknown as { default?: PlotlyApi } & PlotlyApi;
      return mod.default ?? mod;
    });
    loading.catch(() => { loading = null; });
  }
  return loading;
}

/** Transparent backgrounds and the JupyterLab theme's font colour (light and dark themes). @example themed(fig.layout, div) */
export function themed(layout: Record<string, unknown>, el: HTMLElement): Record<string, unknown> {
  const css = getComputedStyle(el);
  const color = css.getPropertyValue('--jp-ui-font-color1').trim() || '#333';
  const grid = css.getPropertyValue('--jp-border-color2').trim() || '#e0e0e0';
  const axis = (a: unknown): Record<string, unknown> => ({ gridcolor: grid, zerolinecolor: grid, ...(a as Record<string, unknown> ?? {}) });
  const out: Record<string, unknown> = { paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { color }, ...layout };
  for (const k of Object.keys(out)) if (/^[xy]axis\d*$/.test(k)) out[k] = axis(out[k]);
  if (!('xaxis' in out)) out.xaxis = axis(undefined);
  if (!('yaxis' in out)) out.yaxis = axis(undefined);
  return out;
}

/** Draws (or updates in place) a figure in a div; `theme` adapts minitron's own figures to the lab theme. @example await drawFigure(div, lossFigure(history)); */
export async function drawFigure(el: HTMLElement, fig: Figure, theme = true): Promise<void> {
  const Plotly = await loadPlotly();
  await Plotly.react(el, fig.data, theme ? themed(fig.layout, el) : fig.layout, { responsive: true, displaylogo: false, ...(fig.config ?? {}) });
  if (fig.frames && fig.frames.length && Plotly.addFrames) await Plotly.addFrames(el, fig.frames);
}

/** Resizes a drawn plot to its container (no-op before plotly is loaded or when nothing is drawn). @example resizeFigure(div) */
export function resizeFigure(el: HTMLElement): void {
  if (!loading || !el.isConnected || !el.querySelector('.main-svg')) return;
  void loading.then((P) => P.Plots.resize(el)).catch(() => undefined);
}

/** Frees a drawn plot. @example purgeFigure(div) */
export function purgeFigure(el: HTMLElement): void {
  if (!loading) return;
  void loading.then((P) => P.purge(el)).catch(() => undefined);
}
