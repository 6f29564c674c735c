/** MIME renderers built on plotly: the live loss plot, the importance heatmaps and a generic plotly renderer; all follow the lab theme live. */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { importanceFigures, SCALE_LABELS, SCALES } from './importance_figures.js';
import type { NamedFigure, Scale } from './importance_figures.js';
import { lossFigure, lossHeader } from './loss_figure.js';
import { asHistory, asReport, MIME } from './mime.js';
import type { Figure, HistoryJson } from './mime.js';
import { drawFigure, purgeFigure, resizeFigure } from './plotly_loader.js';
import { onThemeChange, readTheme } from './theme_dom.js';

/** Creates an element with a class and optional text. @example el('div', 'mt-note', 'hello') */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/** Shared base: holds plot divs, resizes them with the widget, redraws on a theme change, shows payload errors in place. @example class MyPlot extends PlotWidget { … } */
export abstract class PlotWidget extends Widget implements IRenderMime.IRenderer {
  protected plots: HTMLElement[] = [];
  private readonly offTheme: () => void;
  constructor(protected readonly options: IRenderMime.IRendererOptions, cls: string) {
    super();
    this.addClass('mt-output');
    this.addClass(cls);
    this.offTheme = onThemeChange(() => { if (this.isAttached) void this.redraw(); });
  }
  abstract renderModel(model: IRenderMime.IMimeModel): Promise<void>;
  /** Draws the current figures again (after a theme change). */
  protected abstract redraw(): Promise<void>;
  protected showError(e: unknown): void {
    this.node.textContent = '';
    this.node.appendChild(el('pre', 'mt-error', e instanceof Error ? e.message : String(e)));
  }
  protected override onResize(msg: Widget.ResizeMessage): void { super.onResize(msg); this.plots.forEach(resizeFigure); }
  protected override onAfterShow(msg: Message): void { super.onAfterShow(msg); this.plots.forEach(resizeFigure); }
  override dispose(): void {
    if (this.isDisposed) return;
    this.offTheme();
    this.plots.forEach(purgeFigure);
    super.dispose();
  }
}

/** A labelled checkbox for a toolbar. @example const [label, box] = checkbox('log y') */
export function checkbox(text: string): [HTMLLabelElement, HTMLInputElement] {
  const box = el('input');
  box.type = 'checkbox';
  const lab = el('label', 'mt-check');
  lab.append(box, ` ${text}`);
  return [lab, box];
}

/** train-history: a live loss plot with a progress header (re-rendered in place on update_display_data). @example new LossPlotRenderer(options).renderModel(model) */
export class LossPlotRenderer extends PlotWidget {
  private readonly plot = el('div', 'mt-plot mt-loss-plot');
  private readonly info = el('span', 'mt-info mt-header');
  private readonly logY: HTMLInputElement;
  private last: HistoryJson | null = null;
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, 'mt-loss');
    const bar = el('div', 'mt-toolbar');
    const [lab, box] = checkbox('log y');
    this.logY = box;
    this.logY.addEventListener('change', () => { if (this.last) void this.redraw(); });
    bar.append(this.info, lab);
    this.node.append(bar, this.plot);
    this.plots = [this.plot];
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    try {
      this.last = asHistory(model.data[MIME.trainHistory]);
    } catch (e) {
      this.info.textContent = e instanceof Error ? e.message : String(e);
      this.info.classList.add('mt-error');
      return;
    }
    this.info.classList.remove('mt-error');
    await this.redraw();
  }
  protected async redraw(): Promise<void> {
    const h = this.last;
    if (!h) return;
    this.info.textContent = lossHeader(h);
    this.node.dataset.rows = String(h.rows.length);
    const theme = readTheme(this.node);
    try { await drawFigure(this.plot, lossFigure(h, { logY: this.logY.checked, palette: theme.palette }), theme); } catch (e) { this.info.textContent = `plot failed: ${String(e)}`; }
  }
}

/** importance-report: heatmaps of heads / neurons (binned) / channels and per-layer bar charts, with a colour-scale switch. @example new ImportanceRenderer(options) */
export class ImportanceRenderer extends PlotWidget {
  private report: ReturnType<typeof asReport> | null = null;
  private readonly scale = el('select', 'mt-scale');
  private readonly head = el('span', 'mt-info');
  private readonly body = el('div', 'mt-figs');
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, 'mt-importance');
    for (const s of SCALES) {
      const opt = el('option', '', SCALE_LABELS[s]);
      opt.value = s;
      this.scale.appendChild(opt);
    }
    this.scale.value = 'layer';
    this.scale.title = 'heatmap colours: raw scores, each layer ÷ its maximum, or log10';
    this.scale.setAttribute('aria-label', 'heatmap colour scale');
    this.scale.addEventListener('change', () => void this.redraw());
    const lab = el('label', 'mt-check');
    lab.append('colour scale ', this.scale);
    const bar = el('div', 'mt-toolbar');
    bar.append(this.head, lab);
    this.node.append(bar, this.body);
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    try { this.report = asReport(model.data[MIME.importance]); } catch (e) { this.showError(e); return; }
    const r = this.report, s = r.spec;
    this.head.textContent = `ImportanceReport${s ? ` · ${s.family} ${s.numLayers}L/${s.hiddenSize}d/${s.numHeads}h` : ''}${r.metric ? ` · metric ${r.metric}` : ''}` +
      `${r.aggregation ? ` · ${r.aggregation.seq} over seq, ${r.aggregation.batch} over batch` : ''}${r.samples !== undefined ? ` · ${r.samples} × ${r.seqLen ?? '?'} tokens` : ''}`;
    await this.redraw();
  }
  protected async redraw(): Promise<void> {
    if (!this.report) return;
    const theme = readTheme(this.node);
    const figs: NamedFigure[] = importanceFigures(this.report, { scale: this.scale.value as Scale, barColor: theme.palette.is });
    if (figs.length === 0) { this.body.textContent = 'the report has no scores'; return; }
    const same = this.plots.length === figs.length && figs.every((f, i) => this.plots[i].dataset.figure === f.id);
    if (!same) {
      this.plots.forEach(purgeFigure);
      this.body.textContent = '';
      this.plots = figs.map((f) => {
        const d = el('div', `mt-plot mt-fig-${f.id}`);
        d.dataset.figure = f.id;
        this.body.appendChild(d);
        return d;
      });
    }
    this.node.dataset.scale = this.scale.value;
    await Promise.all(figs.map((f, i) => drawFigure(this.plots[i], f, theme).catch((e) => { this.plots[i].textContent = `plot failed: ${String(e)}`; })));
  }
}

/** application/vnd.plotly.v1+json ({ data, layout, config, frames }), registered only when no other extension renders it; themed where the figure sets no colours. @example new PlotlyRenderer(options) */
export class PlotlyRenderer extends PlotWidget {
  private readonly plot = el('div', 'mt-plot');
  private fig: Figure | null = null;
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, 'mt-plotly');
    this.node.appendChild(this.plot);
    this.plots = [this.plot];
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const raw = model.data[MIME.plotly];
    let fig: Partial<Figure> | null;
    try { fig = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Partial<Figure> | null; } catch (e) { this.showError(e); return; }
    if (!fig || !Array.isArray(fig.data)) { this.showError(new Error(`${MIME.plotly}: expected { data: [...], layout }`)); return; }
    this.fig = { data: fig.data, layout: fig.layout ?? {}, config: fig.config, frames: fig.frames };
    await this.redraw();
  }
  protected async redraw(): Promise<void> {
    if (!this.fig) return;
    try { await drawFigure(this.plot, this.fig); } catch (e) { this.showError(e); }
  }
}
