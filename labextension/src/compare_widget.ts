/** comparison (mt.compare): overlaid loss curves of named runs and the results table, in the lab theme. */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { formatCount } from '../../src/plan_core/index.js';
import { compareFigure, COMPARE_COLUMNS } from './compare_figure.js';
import { checkbox, el, PlotWidget } from './figure_widgets.js';
import { fmt, fmtDuration } from './loss_figure.js';
import { asComparison, MIME } from './mime.js';
import type { ComparisonJson, RunJson } from './mime.js';
import { drawFigure } from './plotly_loader.js';
import { readTheme } from './theme_dom.js';

/** The table cells of one run. @example runCells(run) // ['kd', '98.2M', '14.02', '+15.8%', '1.31M', '3m 10s', '2.41'] */
export function runCells(r: RunJson): string[] {
  const d = r.deltaVsTeacher;
  const last = r.rows[r.rows.length - 1];
  return [
    r.name, typeof r.params === 'number' ? formatCount(r.params) : '', typeof r.perplexity === 'number' ? fmt(r.perplexity) : '',
    r.teacher ? 'reference' : typeof d === 'number' ? `${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(1)}%` : '',
    typeof r.tokens === 'number' ? formatCount(r.tokens) : '', typeof r.timeSec === 'number' ? fmtDuration(r.timeSec) : '', last ? fmt(last.loss) : '',
  ];
}

function resultsTable(c: ComparisonJson): HTMLTableElement {
  const table = el('table', 'mt-compare-table');
  const hr = el('tr');
  for (const h of COMPARE_COLUMNS) hr.appendChild(el('th', '', h));
  const thead = el('thead');
  thead.appendChild(hr);
  const tbody = el('tbody');
  for (const r of c.runs) {
    const tr = el('tr', r.teacher ? 'mt-teacher' : '');
    tr.dataset.run = r.name;
    runCells(r).forEach((v, i) => tr.appendChild(el('td', i === 0 ? '' : 'mt-num', v)));
    tbody.appendChild(tr);
  }
  table.append(thead, tbody);
  return table;
}

/** application/vnd.minitron.comparison+json renderer. @example new ComparisonRenderer(options) */
export class ComparisonRenderer extends PlotWidget {
  private readonly plot = el('div', 'mt-plot mt-compare-plot');
  private readonly info = el('span', 'mt-info');
  private readonly logY: HTMLInputElement;
  private readonly tableBox = el('div', 'mt-compare-results');
  private last: ComparisonJson | null = null;
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, 'mt-compare');
    const bar = el('div', 'mt-toolbar');
    const [lab, box] = checkbox('log y');
    this.logY = box;
    this.logY.addEventListener('change', () => void this.redraw());
    bar.append(this.info, lab);
    this.node.append(bar, this.plot, this.tableBox);
    this.plots = [this.plot];
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    try { this.last = asComparison(model.data[MIME.comparison]); } catch (e) { this.showError(e); return; }
    const c = this.last;
    this.info.textContent = `comparison of ${c.runs.length} runs`;
    this.tableBox.replaceChildren(resultsTable(c));
    this.plot.hidden = !c.runs.some((r) => r.rows.length);
    await this.redraw();
  }
  protected async redraw(): Promise<void> {
    if (!this.last || this.plot.hidden) return;
    const theme = readTheme(this.node);
    try { await drawFigure(this.plot, compareFigure(this.last, { logY: this.logY.checked, palette: theme.palette }), theme); } catch (e) { this.info.textContent = `plot failed: ${String(e)}`; }
  }
}
