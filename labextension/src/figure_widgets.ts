/** MIME renderers built on plotly: the live loss plot, the importance heatmaps and a generic plotly renderer. */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { importanceFigures } from './importance_figures.js';
import { fmt, lossFigure } from './loss_figure.js';
import { asHistory, asReport, MIME } from './mime.js';
import type { Figure } from './mime.js';
import { drawFigure, purgeFigure, resizeFigure } from './plotly_loader.js';

/** Creates an element with a class and optional text. @example el('div', 'mt-note', 'hello') */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/** Shared base: holds plot divs, resizes them with the widget, shows payload errors in place. */
abstract class PlotWidget extends Widget implements IRenderMime.IRenderer {
  protected plots: HTMLElement[] = [];
  constructor(protected readonly options: IRenderMime.IRendererOptions, cls: string) {
    super();
    this.addClass('mt-output');
    this.addClass(cls);
  }
  abstract renderModel(model: IRenderMime.IMimeModel): Promise<void>;
  protected showError(e: unknown): void {
    this.node.textContent = '';
    this.node.appendChild(el('pre', 'mt-error', e instanceof Error ? e.message : String(e)));
  }
  protected override onResize(msg: Widget.ResizeMessage): void { super.onResize(msg); this.plots.forEach(resizeFigure); }
  protected override onAfterShow(msg: Message): void { super.onAfterShow(msg); this.plots.forEach(resizeFigure); }
  override dispose(): void {
    if (this.isDisposed) return;
    this.plots.forEach(purgeFigure);
    super.dispose();
  }
}

/** train-history: a live loss plot (re-rendered in place on update_display_data). @example new LossPlotRenderer(options).renderModel(model) */
export class LossPlotRenderer extends PlotWidget {
  private readonly plot = el('div', 'mt-plot mt-loss-plot');
  private readonly info = el('span', 'mt-info');
  private readonly logY = el('input');
  private last: Parameters<typeof lossFigure>[0] | null = null;
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, 'mt-loss');
    const bar = el('div', 'mt-toolbar');
    this.logY.type = 'checkbox';
    this.logY.addEventListener('change', () => { if (this.last) void this.draw(); });
    const lab = el('label', 'mt-check');
    lab.append(this.logY, ' log y');
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
    await this.draw();
  }
  private async draw(): Promise<void> {
    const h = this.last!;
    const lastRow = h.rows[h.rows.length - 1];
    this.info.textContent = lastRow
      ? `${h.rows.length} rows · step ${lastRow.step}${lastRow.tokens !== undefined ? ` · ${lastRow.tokens} tokens` : ''} · loss ${fmt(lastRow.loss)}${lastRow.tokensPerSec ? ` · ${fmt(lastRow.tokensPerSec)} tok/s` : ''}`
      : 'waiting for the first training row…';
    this.node.dataset.rows = String(h.rows.length);
    try { await drawFigure(this.plot, lossFigure(h, { logY: this.logY.checked })); } catch (e) { this.info.textContent = `plot failed: ${String(e)}`; }
  }
}

/** importance-report: heatmaps of heads / neurons (binned) / channels and per-layer bar charts. @example new ImportanceRenderer(options) */
export class ImportanceRenderer extends PlotWidget {
  constructor(options: IRenderMime.IRendererOptions) { super(options, 'mt-importance'); }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let figs;
    let head = '';
    try {
      const r = asReport(model.data[MIME.importance]);
      figs = importanceFigures(r);
      const s = r.spec;
      head = `ImportanceReport${s ? ` · ${s.family} ${s.numLayers}L/${s.hiddenSize}d/${s.numHeads}h` : ''}${r.metric ? ` · metric ${r.metric}` : ''}` +
        `${r.aggregation ? ` · ${r.aggregation.seq} over seq, ${r.aggregation.batch} over batch` : ''}${r.samples !== undefined ? ` · ${r.samples} × ${r.seqLen ?? '?'} tokens` : ''}`;
    } catch (e) { this.showError(e); return; }
    this.plots.forEach(purgeFigure);
    this.node.textContent = '';
    this.node.appendChild(el('div', 'mt-toolbar', head));
    if (figs.length === 0) this.node.appendChild(el('div', 'mt-info', 'the report has no scores'));
    this.plots = figs.map((f) => {
      const d = el('div', `mt-plot mt-fig-${f.id}`);
      d.dataset.figure = f.id;
      this.node.appendChild(d);
      return d;
    });
    await Promise.all(figs.map((f, i) => drawFigure(this.plots[i], f).catch((e) => { this.plots[i].textContent = `plot failed: ${String(e)}`; })));
  }
}

/** application/vnd.plotly.v1+json ({ data, layout, config, frames }), registered only when no other extension renders it. @example new PlotlyRenderer(options) */
export class PlotlyRenderer extends PlotWidget {
  private readonly plot = el('div', 'mt-plot');
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, 'mt-plotly');
    this.node.appendChild(this.plot);
    this.plots = [this.plot];
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const raw = model.data[MIME.plotly];
    const fig = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Partial<Figure> | null;
    if (!fig || !Array.isArray(fig.data)) { this.showError(new Error(`${MIME.plotly}: expected { data: [...], layout }`)); return; }
    try { await drawFigure(this.plot, { data: fig.data, layout: fig.layout ?? {}, config: fig.config, frames: fig.frames }, false); } catch (e) { this.showError(e); }
  }
}
