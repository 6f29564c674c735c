/** Loads plotly.js lazily (its own chunk, fetched the first time a plot is shown) and draws figures. */
import type { PlotlyApi } from 'plotly.js-dist-min';
import type { Figure } from './mime.js';
import { applyTheme } from './theme.js';
import { readTheme } from './theme_dom.js';
import type { PlotTheme } from './theme.js';

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

/**
 * Draws (or updates in place) a figure in a div, in the lab theme read at the div (applyTheme; the figure's own settings win).
 * @example await drawFigure(div, lossFigure(history));
 */
export async function drawFigure(el: HTMLElement, fig: Figure, theme: PlotTheme | null = readTheme(el)): Promise<void> {
  const Plotly = await loadPlotly();
  const f = theme ? applyTheme(fig, theme) : fig;
  await Plotly.react(el, f.data, f.layout, { responsive: true, displaylogo: false, ...(fig.config ?? {}) });
  if (fig.frames && fig.frames.length && Plotly.addFrames) await Plotly.addFrames(el, fig.frames);
  // The theme the plot was last drawn in (UI tests wait on it after a theme change).
  el.dataset.theme = document.body.dataset.jpThemeName ?? '';
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
