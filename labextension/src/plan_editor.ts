/**
 * arch-plan renderer: an editor of the plan (target sizes, heads per layer, dropped layers, kept neuron counts).
 * "Apply" sends the plan to the kernel over the 'minitron.plan' comm and, when accepted, stores it in the output
 * so the saved notebook keeps the edit.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Kernel } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import { el } from './figure_widgets.js';
import { formatCount, planParamCounts, planProblems } from '../../src/plan_core/index.js';
import type { ArchPlan, PlanProblem, TargetField } from '../../src/plan_core/index.js';
import { asPlan, MIME } from './mime.js';
import { sendPlan } from './plan_comm.js';
import type { PlanReply } from './plan_comm.js';
import { groupSize, setTarget, targetMax, targetStep, toggleHead, toggleLayer } from './plan_model.js';
import type { PlanScores } from './plan_model.js';

/** How the editor reaches the kernel of the notebook that shows it. @example const k = ctx.kernelFor(widget.node); */
export interface PlanEditorContext { kernelFor(node: HTMLElement): Kernel.IKernelConnection | null }

const TARGETS: [TargetField, string][] = [['numLayers', 'layers'], ['hiddenSize', 'hidden'], ['numHeads', 'heads'], ['ffnHiddenSize', 'ffn']];

/** text/plain summary stored next to an edited plan. @example planText(plan) */
export function planText(p: ArchPlan): string {
  const pc = planParamCounts(p);
  const dropped = Array.from({ length: p.from.numLayers }, (_, i) => i).filter((i) => !p.keep.layers.includes(i));
  return `ArchPlan (edited): layers ${p.from.numLayers}→${p.target.numLayers}, hidden ${p.from.hiddenSize}→${p.target.hiddenSize}, ` +
    `heads ${p.from.numHeads}→${p.target.numHeads}, ffn ${p.from.ffnHiddenSize}→${p.target.ffnHiddenSize}; ` +
    `params ${formatCount(pc.from)}→${formatCount(pc.target)}; dropped layers [${dropped.join(', ')}]`;
}

function readMeta(model: IRenderMime.IMimeModel): { editorId: string | null; scores: PlanScores } {
  const md = (model.metadata ?? {}) as Record<string, unknown>;
  const own = (md[MIME.plan] ?? md) as { editorId?: unknown; scores?: unknown };
  return { editorId: typeof own.editorId === 'string' ? own.editorId : null, scores: (own.scores ?? {}) as PlanScores };
}

/** The plan editor widget. @example rendermime.addFactory({ mimeTypes: [MIME.plan], safe: true, createRenderer: (o) => new PlanEditorRenderer(o, ctx) }) */
export class PlanEditorRenderer extends Widget implements IRenderMime.IRenderer {
  private model: IRenderMime.IMimeModel | null = null;
  private original: ArchPlan | null = null;
  private plan: ArchPlan | null = null;
  private editorId: string | null = null;
  private scores: PlanScores = {};
  private status = '';
  private statusKind: 'ok' | 'error' | 'info' = 'info';
  private busy = false;

  constructor(private readonly options: IRenderMime.IRendererOptions, private readonly ctx: PlanEditorContext) {
    super();
    this.addClass('mt-output');
    this.addClass('mt-plan');
    this.node.addEventListener('click', (e) => this.onClick(e));
    this.node.addEventListener('change', (e) => this.onChange(e));
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let p: ArchPlan;
    try { p = asPlan(model.data[MIME.plan]); } catch (e) {
      this.node.textContent = '';
      this.node.appendChild(el('pre', 'mt-error', e instanceof Error ? e.message : String(e)));
      return;
    }
    this.model = model;
    const meta = readMeta(model);
    this.editorId = meta.editorId;
    this.scores = meta.scores;
    const incoming = JSON.stringify(p);
    // A re-render with the plan we already show (e.g. after our own setData) keeps the edit state.
    if (!this.plan || JSON.stringify(this.plan) !== incoming) {
      this.original = JSON.parse(incoming) as ArchPlan;
      this.plan = JSON.parse(incoming) as ArchPlan;
    }
    this.render();
  }

  private edit(f: (p: ArchPlan) => ArchPlan): void {
    if (!this.plan) return;
    try { this.plan = f(this.plan); this.setStatus('', 'info'); } catch (e) { this.setStatus(e instanceof Error ? e.message : String(e), 'error'); }
    this.render();
  }

  private setStatus(text: string, kind: 'ok' | 'error' | 'info'): void { this.status = text; this.statusKind = kind; }

  private onClick(e: MouseEvent): void {
    const t = (e.target as HTMLElement).closest('[data-action]') as HTMLElement | null;
    if (!t || !this.node.contains(t)) return;
    const a = t.dataset.action, l = Number(t.dataset.layer), h = Number(t.dataset.head);
    if (a === 'head') this.edit((p) => toggleHead(p, l, h));
    else if (a === 'reset') { this.plan = JSON.parse(JSON.stringify(this.original)) as ArchPlan; this.setStatus('reset to the displayed plan', 'info'); this.render(); }
    else if (a === 'apply') void this.apply();
  }

  private onChange(e: Event): void {
    const t = e.target as HTMLInputElement;
    if (t.dataset.action === 'layer') this.edit((p) => toggleLayer(p, Number(t.dataset.layer)));
    else if (t.dataset.action === 'target') this.edit((p) => setTarget(p, t.dataset.field as TargetField, Number(t.value), this.scores));
  }

  private async apply(): Promise<void> {
    if (!this.plan || this.busy) return;
    const plan = this.plan;
    const kernel = this.ctx.kernelFor(this.node);
    this.busy = true;
    this.setStatus(kernel ? `sending to kernel ${kernel.name}…` : '', 'info');
    this.render();
    let r: PlanReply;
    if (!kernel) r = { ok: true, plan, error: 'no kernel: the edit is stored in the notebook only' };
    else r = await sendPlan(kernel, { action: 'apply', editorId: this.editorId, plan });
    this.busy = false;
    if (r.ok) {
      const accepted = r.plan ?? plan;
      this.plan = accepted;
      this.original = JSON.parse(JSON.stringify(accepted)) as ArchPlan;
      this.setStatus(kernel ? `applied: the kernel has the edited plan${this.editorId ? ' (editor.plan)' : ''}` : r.error ?? '', kernel ? 'ok' : 'info');
      this.store(accepted);
    } else this.setStatus(r.error ?? 'the kernel rejected the plan', 'error');
    this.render();
  }

  /** Saves the plan into the output (so the notebook file keeps it) with a fresh text/plain summary. */
  private store(p: ArchPlan): void {
    const m = this.model;
    if (!m || typeof m.setData !== 'function') return;
    const data = { ...m.data, [MIME.plan]: p as unknown as IRenderMime.IMimeModel['data'][string], 'text/plain': planText(p) };
    delete (data as Record<string, unknown>)['text/html'];
    try { m.setData({ data }); } catch { /* read-only model */ }
  }

  private render(): void {
    const p = this.plan;
    if (!p) return;
    const problems = planProblems(p);
    const dirty = JSON.stringify(p) !== JSON.stringify(this.original);
    const root = el('div', 'mt-plan-body');
    root.append(toolbar(p, problems, dirty, this.busy), targetInputs(p));
    if (this.status) root.appendChild(el('div', `mt-status mt-${this.statusKind}`, this.status));
    if (problems.length) root.appendChild(issueList(problems));
    root.append(layerTable(p, this.scores.heads), footer(p, !!this.scores.heads, this.editorId));
    this.node.textContent = '';
    this.node.appendChild(root);
  }
}

/** Title, parameter counts (source → planned), Apply and Reset buttons, dirty marker. */
function toolbar(p: ArchPlan, problems: readonly PlanProblem[], dirty: boolean, busy: boolean): HTMLElement {
  const pc = planParamCounts(p);
  const head = el('div', 'mt-toolbar');
  head.append(el('b', '', 'ArchPlan'), ` · ${p.from.family} · params ${formatCount(pc.from)} → `, el('b', 'mt-params', formatCount(pc.target)), ` (${(100 * pc.ratio).toFixed(1)}%)`);
  const apply = el('button', 'mt-btn mt-apply', 'Apply to kernel');
  apply.dataset.action = 'apply';
  apply.disabled = busy || problems.length > 0;
  apply.title = problems.length ? 'fix the issues listed below first' : 'send the edited plan to the kernel (comm minitron.plan)';
  const reset = el('button', 'mt-btn', 'Reset');
  reset.dataset.action = 'reset';
  reset.disabled = !dirty || busy;
  head.append(apply, reset);
  if (dirty) head.append(el('span', 'mt-dirty', 'unsent edits'));
  return head;
}

/** One number input per target size (step: numKvHeads for GQA heads). */
function targetInputs(p: ArchPlan): HTMLElement {
  const targets = el('div', 'mt-plan-targets');
  const step = targetStep(p.from), max = targetMax(p.from);
  for (const [field, label] of TARGETS) {
    const lab = el('label', 'mt-target');
    const inp = el('input');
    inp.type = 'number';
    inp.min = String(step[field]);
    inp.max = String(max[field]);
    inp.step = String(step[field]);
    inp.value = String(p.target[field]);
    inp.dataset.action = 'target';
    inp.dataset.field = field;
    lab.append(`${label} `, inp, ` / ${max[field]}`);
    targets.appendChild(lab);
  }
  return targets;
}

/** The plan core's validation problems, the first eight shown. */
function issueList(problems: readonly PlanProblem[]): HTMLElement {
  const ul = el('ul', 'mt-issues');
  for (const x of problems.slice(0, 8)) {
    const li = el('li', '', x.message);
    li.dataset.code = x.code;
    ul.appendChild(li);
  }
  if (problems.length > 8) ul.appendChild(el('li', '', `… ${problems.length - 8} more`));
  return ul;
}

/** Head toggle buttons of one layer, grouped by KV head; pruned heads tinted by importance. */
function headButtons(p: ArchPlan, l: number, scores: number[][] | undefined, hmax: number): HTMLElement {
  const f = p.from, gs = groupSize(f);
  const heads = new Set(p.keep.heads[l] ?? []);
  const td = el('td', 'mt-heads');
  for (let g = 0; g < f.numHeads / gs; g++) {
    const grp = el('span', 'mt-group');
    for (let i = g * gs; i < (g + 1) * gs; i++) {
      const b = el('button', heads.has(i) ? 'mt-head mt-on' : 'mt-head mt-off', String(i));
      b.dataset.action = 'head';
      b.dataset.layer = String(l);
      b.dataset.head = String(i);
      const sc = scores?.[l]?.[i];
      // Pruned heads are tinted by importance so strong pruned heads stand out.
      if (sc !== undefined && hmax > 0 && !heads.has(i)) b.style.background = `rgba(31, 119, 180, ${(0.45 * Math.max(0, sc) / hmax).toFixed(2)})`;
      b.title = `layer ${l} head ${i} (KV group ${g})${sc !== undefined ? ` score ${sc.toPrecision(4)}` : ''}: ${heads.has(i) ? 'kept' : 'pruned'}`;
      grp.appendChild(b);
    }
    td.appendChild(grp);
  }
  return td;
}

/** Kept-neuron bar of one layer. */
function neuronCell(p: ArchPlan, l: number): HTMLElement {
  const n = p.keep.neurons[l]?.length ?? 0, F = p.from.ffnHiddenSize;
  const td = el('td', 'mt-neurons');
  const bar = el('span', 'mt-bar');
  const fill = el('span', 'mt-fill');
  fill.style.width = `${(100 * n / Math.max(1, F)).toFixed(1)}%`;
  bar.appendChild(fill);
  td.append(bar, el('span', n === p.target.ffnHiddenSize ? 'mt-num' : 'mt-num mt-bad', ` ${n}/${F}`));
  return td;
}

/** One source layer: index, keep checkbox, head buttons, kept-head count, neuron bar. */
function layerRow(p: ArchPlan, l: number, scores: number[][] | undefined, hmax: number): HTMLElement {
  const kept = p.keep.layers.includes(l);
  const tr = el('tr', kept ? 'mt-layer' : 'mt-layer mt-dropped');
  tr.dataset.layer = String(l);
  tr.appendChild(el('td', 'mt-num', String(l)));
  const cb = el('input');
  cb.type = 'checkbox';
  cb.checked = kept;
  cb.dataset.action = 'layer';
  cb.dataset.layer = String(l);
  cb.title = kept ? `drop layer ${l}` : `keep layer ${l}`;
  const tdk = el('td');
  tdk.appendChild(cb);
  const nHeads = p.keep.heads[l]?.length ?? 0;
  tr.append(tdk, headButtons(p, l, scores, hmax));
  tr.append(el('td', nHeads === p.target.numHeads ? 'mt-num' : 'mt-num mt-bad', `${nHeads}/${p.from.numHeads}`), neuronCell(p, l));
  return tr;
}

/** The per-layer table. */
function layerTable(p: ArchPlan, scores: number[][] | undefined): HTMLElement {
  const f = p.from;
  const hr = el('tr');
  const grouping = groupSize(f) > 1 ? `${f.numKvHeads} KV groups` : 'no GQA';
  for (const h of ['layer', 'keep', `heads (click to toggle; ${grouping})`, 'heads', 'MLP neurons kept']) hr.appendChild(el('th', '', h));
  const thead = el('thead');
  thead.appendChild(hr);
  const tbody = el('tbody');
  const hmax = scores ? Math.max(0, ...scores.flat().filter(Number.isFinite)) : 0;
  for (let l = 0; l < f.numLayers; l++) tbody.appendChild(layerRow(p, l, scores, hmax));
  const table = el('table', 'mt-plan-layers');
  table.append(thead, tbody);
  return table;
}

/** Kept channels and how the editor is linked to the kernel. */
function footer(p: ArchPlan, hasScores: boolean, editorId: string | null): HTMLElement {
  return el('div', 'mt-foot', `channels kept ${p.keep.channels.length}/${p.from.hiddenSize}` +
    (hasScores ? ' · pruned heads tinted by importance; target changes keep the highest-scoring units' : '') +
    (editorId ? ` · editor ${editorId}` : ' · not linked to an editor: run mt.planEditor(plan) for kernel round-trips'));
}
