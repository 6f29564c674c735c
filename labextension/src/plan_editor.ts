/**
 * arch-plan renderer: an editor of the plan (target sizes, heads per layer, dropped layers, kept neuron counts).
 * The DOM is built once and updated in place, so a click is never lost to a redraw; target sizes are committed on
 * input, Enter and blur. "Apply" sends the plan to the kernel over the 'minitron.plan' comm, stores it in the output
 * (the saved notebook keeps the edit) and shows the kernel's what-if. A plain plan output (no editor id: not made by
 * mt.planEditor) is read-only, with a hint how to open an editor.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Kernel } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import { el } from './figure_widgets.js';
import { formatCount, planParamCounts, planProblems } from '../../src/plan_core/index.js';
import type { ArchPlan, TargetField } from '../../src/plan_core/index.js';
import { asPlan, MIME } from './mime.js';
import { sendPlan } from './plan_comm.js';
import type { PlanReply } from './plan_comm.js';
import { setTarget, targetMax, targetStep, toggleHead, toggleLayer } from './plan_model.js';
import type { PlanScores } from './plan_model.js';
import { footer, issueList, layerTable, showWhatIf } from './plan_view.js';
import type { WhatIfState } from './plan_view.js';

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

/** The elements of the editor that live as long as the widget (updated in place by render()). */
interface EditorUi {
  head: HTMLElement; params: HTMLElement; apply: HTMLButtonElement; reset: HTMLButtonElement; dirty: HTMLElement; hint: HTMLElement;
  inputs: Map<TargetField, HTMLInputElement>; status: HTMLElement; whatIf: HTMLElement; issues: HTMLElement; table: HTMLElement; foot: HTMLElement;
}

function button(text: string, cls: string, action: string): HTMLButtonElement {
  const b = el('button', cls, text);
  b.type = 'button';
  b.dataset.action = action;
  return b;
}

/** Builds the persistent skeleton: toolbar, read-only hint, target inputs, status, what-if, issues, table, footer. */
function buildUi(root: HTMLElement): EditorUi {
  const head = el('div', 'mt-toolbar');
  const params = el('span', 'mt-title');
  const apply = button('Apply to kernel', 'mt-btn mt-apply', 'apply');
  const reset = button('Reset', 'mt-btn mt-reset', 'reset');
  const dirty = el('span', 'mt-dirty', 'unsent edits');
  head.append(params, apply, reset, dirty);
  const hint = el('div', 'mt-readonly');
  hint.hidden = true;
  hint.append('Read-only: a plain plan output cannot talk to the kernel. To edit this plan, run ', el('code', '', 'const ed = mt.planEditor(plan)'),
    ' (add ', el('code', '', '{ model }'), ' for a what-if after each Apply) and edit that output; read ', el('code', '', 'ed.plan'), ' in a later cell.');
  const targets = el('div', 'mt-plan-targets');
  const inputs = new Map<TargetField, HTMLInputElement>();
  for (const [field, label] of TARGETS) {
    const lab = el('label', 'mt-target');
    const inp = el('input');
    inp.type = 'number';
    inp.dataset.action = 'target';
    inp.dataset.field = field;
    inp.setAttribute('aria-label', `target ${label}`);
    const max = el('span', 'mt-max');
    lab.append(`${label} `, inp, max);
    targets.appendChild(lab);
    inputs.set(field, inp);
  }
  const status = el('div', 'mt-status');
  status.setAttribute('role', 'status');
  const ui: EditorUi = { head, params, apply, reset, dirty, hint, inputs, status, whatIf: el('div', 'mt-whatif'), issues: el('div'), table: el('div'), foot: el('div') };
  const body = el('div', 'mt-plan-body');
  body.append(head, hint, targets, status, ui.whatIf, ui.issues, ui.table, ui.foot);
  root.appendChild(body);
  return ui;
}

/** The plan editor widget. @example rendermime.addFactory({ mimeTypes: [MIME.plan], safe: true, createRenderer: (o) => new PlanEditorRenderer(o, ctx) }) */
export class PlanEditorRenderer extends Widget implements IRenderMime.IRenderer {
  private model: IRenderMime.IMimeModel | null = null;
  private original: ArchPlan | null = null;
  private plan: ArchPlan | null = null;
  private editorId: string | null = null;
  private scores: PlanScores = {};
  private status: { text: string; kind: 'ok' | 'error' | 'info' } = { text: '', kind: 'info' };
  private whatIf: WhatIfState = { kind: 'none' };
  /** Target inputs whose text is not a valid size (field → message); Apply waits until they are fixed. */
  private readonly invalid = new Map<TargetField, string>();
  /** The plan when the user started typing in a target input: each keystroke re-chooses units from it, not from the last keystroke. */
  private typing: { field: TargetField; base: ArchPlan } | null = null;
  private busy = false;
  private tableKey = '';
  private readonly ui: EditorUi;

  constructor(private readonly options: IRenderMime.IRendererOptions, private readonly ctx: PlanEditorContext) {
    super();
    this.addClass('mt-output');
    this.addClass('mt-plan');
    // Keys typed in the editor are the editor's: JupyterLab's notebook shortcuts (Enter, arrows, Shift+Enter) stay out.
    this.node.setAttribute('data-lm-suppress-shortcuts', 'true');
    this.ui = buildUi(this.node);
    this.ui.apply.addEventListener('click', () => void this.apply());
    this.ui.reset.addEventListener('click', () => this.resetEdits());
    this.node.addEventListener('click', (e) => this.onClick(e));
    this.node.addEventListener('input', (e) => this.onTarget(e, false));
    this.node.addEventListener('change', (e) => this.onChange(e));
    this.node.addEventListener('keydown', (e) => this.onKey(e));
    this.node.addEventListener('focusout', (e) => this.onTarget(e, true));
  }

  private get readOnly(): boolean { return this.editorId === null; }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let p: ArchPlan;
    try { p = asPlan(model.data[MIME.plan]); } catch (e) {
      this.node.querySelector('.mt-plan-body')?.setAttribute('hidden', '');
      this.node.querySelector('.mt-error')?.remove();
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
      this.invalid.clear();
    }
    this.render();
  }

  private edit(f: (p: ArchPlan) => ArchPlan): void {
    if (!this.plan || this.readOnly) return;
    try { this.plan = f(this.plan); this.status = { text: '', kind: 'info' }; } catch (e) { this.status = { text: e instanceof Error ? e.message : String(e), kind: 'error' }; }
    this.render();
  }

  /** Commits a target input: on every keystroke (final = false) and on Enter / blur / change (final = true: the text shows the committed size). */
  private onTarget(e: Event, final: boolean): void {
    const inp = e.target as HTMLInputElement;
    if (inp.dataset?.action !== 'target' || !this.plan || this.readOnly) return;
    const field = inp.dataset.field as TargetField;
    if (!this.typing || this.typing.field !== field) this.typing = { field, base: this.plan };
    const text = inp.value.trim(), v = Number(text), label = TARGETS.find(([f]) => f === field)![1];
    if (text === '' || !Number.isInteger(v)) this.invalid.set(field, `${label}: enter a whole number`);
    else {
      try {
        this.plan = v === this.typing.base.target[field] ? this.typing.base : setTarget(this.typing.base, field, v, this.scores);
        this.invalid.delete(field);
      } catch (err) { this.invalid.set(field, `${label} ${text}: ${err instanceof Error ? err.message : String(err)}`); }
    }
    if (final) {
      this.typing = null;
      if (!this.invalid.has(field)) inp.value = String(this.plan.target[field]);
    }
    this.render();
  }

  private onChange(e: Event): void {
    const t = e.target as HTMLInputElement;
    if (t.dataset.action === 'layer') this.edit((p) => toggleLayer(p, Number(t.dataset.layer)));
    else if (t.dataset.action === 'target') this.onTarget(e, true);
  }

  private onClick(e: MouseEvent): void {
    const t = (e.target as HTMLElement).closest('[data-action="head"]') as HTMLElement | null;
    if (t && this.node.contains(t)) this.edit((p) => toggleHead(p, Number(t.dataset.layer), Number(t.dataset.head)));
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLInputElement;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (t.dataset?.action === 'target') this.onTarget(e, true);
      void this.apply();
    } else if (e.key === 'Enter' && t.dataset?.action === 'target') {
      e.preventDefault();
      this.onTarget(e, true);
    }
  }

  private resetEdits(): void {
    if (!this.original) return;
    this.plan = JSON.parse(JSON.stringify(this.original)) as ArchPlan;
    this.invalid.clear();
    this.typing = null;
    for (const [f, inp] of this.ui.inputs) inp.value = String(this.plan.target[f]);
    this.status = { text: 'reset to the displayed plan', kind: 'info' };
    this.render();
  }

  /** Commits the focused target input (if any), then sends the plan; the what-if arrives later on the same comm. */
  private async apply(): Promise<void> {
    const focused = this.node.querySelector('input[data-action="target"]:focus');
    if (focused) this.onTarget({ target: focused } as unknown as Event, true);
    if (!this.plan || this.busy || this.readOnly || this.invalid.size > 0 || planProblems(this.plan).length > 0) return;
    const plan = this.plan;
    const kernel = this.ctx.kernelFor(this.node);
    this.busy = true;
    this.status = { text: kernel ? `sending to kernel ${kernel.name}…` : '', kind: 'info' };
    this.whatIf = { kind: 'none' };
    this.render();
    let r: PlanReply;
    if (!kernel) r = { ok: true, plan, error: 'no kernel: the edit is stored in the notebook only' };
    else {
      r = await sendPlan(kernel, { action: 'apply', editorId: this.editorId, plan }, {
        onWhatIf: (m) => { this.whatIf = m.whatIf ? { kind: 'done', w: m.whatIf } : { kind: 'error', error: m.whatIfError ?? 'no what-if' }; this.render(); },
      });
    }
    this.busy = false;
    if (r.ok) {
      const accepted = r.plan ?? plan;
      const unchanged = JSON.stringify(this.plan) === JSON.stringify(plan);
      if (unchanged) this.plan = accepted;
      this.original = JSON.parse(JSON.stringify(accepted)) as ArchPlan;
      this.status = { text: kernel ? `applied: the kernel has the edited plan${this.editorId ? ' (editor.plan)' : ''}` : r.error ?? '', kind: kernel ? 'ok' : 'info' };
      if (r.whatIfPending) this.whatIf = { kind: 'pending' };
      this.store(accepted);
    } else this.status = { text: r.error ?? 'the kernel rejected the plan', kind: 'error' };
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

  /** Updates the persistent elements in place and rebuilds the layer table (keeping keyboard focus on the same control). */
  private render(): void {
    const p = this.plan, ui = this.ui;
    if (!p) return;
    const problems = planProblems(p);
    const dirty = JSON.stringify(p) !== JSON.stringify(this.original);
    const pc = planParamCounts(p);
    this.node.classList.toggle('mt-readonly-plan', this.readOnly);
    ui.params.textContent = `ArchPlan · ${p.from.family} · params ${formatCount(pc.from)} → ${formatCount(pc.target)} (${(100 * pc.ratio).toFixed(1)}%)`;
    ui.apply.hidden = ui.reset.hidden = this.readOnly;
    ui.apply.disabled = this.busy || problems.length > 0 || this.invalid.size > 0;
    ui.apply.title = ui.apply.disabled && !this.busy ? 'fix the issues listed below first' : 'send the edited plan to the kernel (comm minitron.plan); Ctrl+Enter';
    ui.reset.disabled = !dirty || this.busy;
    ui.dirty.hidden = !dirty;
    ui.hint.hidden = !this.readOnly;
    const step = targetStep(p.from), max = targetMax(p.from);
    for (const [f, inp] of ui.inputs) {
      inp.min = String(step[f]);
      inp.max = String(max[f]);
      inp.step = String(step[f]);
      inp.disabled = this.readOnly;
      if (document.activeElement !== inp && !this.invalid.has(f)) inp.value = String(p.target[f]);
      inp.classList.toggle('mt-invalid', this.invalid.has(f));
      inp.setAttribute('aria-invalid', String(this.invalid.has(f)));
      (inp.nextElementSibling as HTMLElement).textContent = ` / ${max[f]}`;
    }
    ui.status.textContent = this.status.text;
    ui.status.className = `mt-status mt-${this.status.kind}`;
    ui.status.hidden = !this.status.text;
    showWhatIf(ui.whatIf, this.whatIf);
    ui.issues.replaceChildren(...(problems.length || this.invalid.size ? [issueList(problems, [...this.invalid.values()])] : []));
    // The table is rebuilt only when what it shows changed: a blur that commits nothing new must not replace the
    // control under the mouse (the click would be lost).
    const shown = JSON.stringify([p.keep, p.target, this.readOnly, !!this.scores.heads]);
    if (shown !== this.tableKey) {
      this.tableKey = shown;
      const active = document.activeElement as HTMLElement | null;
      const key = active && ui.table.contains(active) ? `[data-action="${active.dataset.action}"][data-layer="${active.dataset.layer}"]${active.dataset.head ? `[data-head="${active.dataset.head}"]` : ''}` : null;
      ui.table.replaceChildren(layerTable(p, this.scores.heads, this.readOnly));
      if (key) (ui.table.querySelector(key) as HTMLElement | null)?.focus();
    }
    ui.foot.replaceChildren(footer(p, !!this.scores.heads, this.editorId));
  }
}
