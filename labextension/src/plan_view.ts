/** DOM pieces of the plan editor: issue list, per-layer table (head toggles, keep checkbox, neuron bars), what-if line, footer. */
import { formatCount } from '../../src/plan_core/index.js';
import type { ArchPlan, PlanProblem } from '../../src/plan_core/index.js';
import { el } from './figure_widgets.js';
import { fmt } from './loss_figure.js';
import type { PlanWhatIf } from './plan_comm.js';
import { groupSize } from './plan_model.js';

/** The plan core's validation problems and invalid inputs, the first eight shown. @example issueList(planProblems(p), ['heads: enter a number']) */
export function issueList(problems: readonly PlanProblem[], inputs: readonly string[] = []): HTMLElement {
  const ul = el('ul', 'mt-issues');
  ul.setAttribute('role', 'alert');
  for (const m of inputs) ul.appendChild(el('li', 'mt-input-issue', m));
  for (const x of problems.slice(0, 8)) {
    const li = el('li', '', x.message);
    li.dataset.code = x.code;
    ul.appendChild(li);
  }
  if (problems.length > 8) ul.appendChild(el('li', '', `… ${problems.length - 8} more`));
  return ul;
}

/** Head toggle buttons of one layer, grouped by KV head; pruned heads tinted by importance. */
function headButtons(p: ArchPlan, l: number, scores: number[][] | undefined, hmax: number, readOnly: boolean): HTMLElement {
  const f = p.from, gs = groupSize(f);
  const heads = new Set(p.keep.heads[l] ?? []);
  const td = el('td', 'mt-heads');
  for (let g = 0; g < f.numHeads / gs; g++) {
    const grp = el('span', 'mt-group');
    grp.setAttribute('role', 'group');
    grp.setAttribute('aria-label', `layer ${l} KV group ${g}`);
    for (let i = g * gs; i < (g + 1) * gs; i++) {
      const on = heads.has(i);
      const b = el('button', on ? 'mt-head mt-on' : 'mt-head mt-off', String(i));
      b.type = 'button';
      b.dataset.action = 'head';
      b.dataset.layer = String(l);
      b.dataset.head = String(i);
      b.disabled = readOnly;
      b.setAttribute('aria-pressed', String(on));
      const sc = scores?.[l]?.[i];
      // Pruned heads are tinted by importance so strong pruned heads stand out.
      if (sc !== undefined && hmax > 0 && !on) b.style.background = `rgba(31, 119, 180, ${(0.45 * Math.max(0, sc) / hmax).toFixed(2)})`;
      b.title = `layer ${l} head ${i} (KV group ${g})${sc !== undefined ? ` score ${sc.toPrecision(4)}` : ''}: ${on ? 'kept' : 'pruned'}`;
      b.setAttribute('aria-label', b.title);
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
function layerRow(p: ArchPlan, l: number, scores: number[][] | undefined, hmax: number, readOnly: boolean): HTMLElement {
  const kept = p.keep.layers.includes(l);
  const tr = el('tr', kept ? 'mt-layer' : 'mt-layer mt-dropped');
  tr.dataset.layer = String(l);
  tr.appendChild(el('td', 'mt-num', String(l)));
  const cb = el('input');
  cb.type = 'checkbox';
  cb.checked = kept;
  cb.disabled = readOnly;
  cb.dataset.action = 'layer';
  cb.dataset.layer = String(l);
  cb.title = kept ? `drop layer ${l}` : `keep layer ${l}`;
  cb.setAttribute('aria-label', `keep layer ${l}`);
  const tdk = el('td');
  tdk.appendChild(cb);
  const nHeads = p.keep.heads[l]?.length ?? 0;
  tr.append(tdk, headButtons(p, l, scores, hmax, readOnly));
  tr.append(el('td', nHeads === p.target.numHeads ? 'mt-num' : 'mt-num mt-bad', `${nHeads}/${p.from.numHeads}`), neuronCell(p, l));
  return tr;
}

/** The per-layer table. @example layerTable(plan, scores.heads, false) */
export function layerTable(p: ArchPlan, scores: number[][] | undefined, readOnly: boolean): HTMLElement {
  const f = p.from;
  const hr = el('tr');
  const grouping = groupSize(f) > 1 ? `${f.numKvHeads} KV groups` : 'no GQA';
  for (const h of ['layer', 'keep', `heads (${readOnly ? '' : 'click to toggle; '}${grouping})`, 'heads', 'MLP neurons kept']) hr.appendChild(el('th', '', h));
  const thead = el('thead');
  thead.appendChild(hr);
  const tbody = el('tbody');
  const hmax = scores ? Math.max(0, ...scores.flat().filter(Number.isFinite)) : 0;
  for (let l = 0; l < f.numLayers; l++) tbody.appendChild(layerRow(p, l, scores, hmax, readOnly));
  const table = el('table', 'mt-plan-layers');
  table.append(thead, tbody);
  return table;
}

/** What the editor knows of the kernel's what-if for the applied plan. @example const s: WhatIfState = { kind: 'pending' }; */
export type WhatIfState = { kind: 'none' } | { kind: 'pending' } | { kind: 'done'; w: PlanWhatIf } | { kind: 'error'; error: string };

const signed = (v: number, digits = 3): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

/**
 * The what-if line: masked loss and perplexity vs the unpruned model on the kernel's batch, and the parameter change.
 * @example whatIfText(w) // 'what-if (masked model, 2 × 64 tokens of evalIds): loss 3.21 → 3.87 (+0.660) · perplexity 24.8 → 47.9 (×1.93) · params 134.5M → 98.2M (−27.0%)'
 */
export function whatIfText(w: PlanWhatIf): string {
  const dp = (100 * (w.paramsTarget - w.paramsFrom)) / Math.max(1, w.paramsFrom);
  return `what-if (masked model, ${w.batch} × ${w.seqLen} ${w.source === 'evalIds' ? 'tokens of evalIds' : 'random tokens: pass evalIds for real text'}): ` +
    `loss ${fmt(w.baseLoss)} → ${fmt(w.loss)} (${signed(w.loss - w.baseLoss)}) · perplexity ${fmt(w.basePerplexity)} → ${fmt(w.perplexity)} (×${(w.perplexity / w.basePerplexity).toFixed(2)}) · ` +
    `params ${formatCount(w.paramsFrom)} → ${formatCount(w.paramsTarget)} (${signed(dp, 1)}%)`;
}

/** Fills the what-if element from its state. @example showWhatIf(node, { kind: 'pending' }) */
export function showWhatIf(node: HTMLElement, s: WhatIfState): void {
  node.className = `mt-whatif mt-whatif-${s.kind}`;
  node.textContent = s.kind === 'pending' ? 'what-if: the kernel is measuring the masked model…' : s.kind === 'done' ? whatIfText(s.w) : s.kind === 'error' ? `what-if failed: ${s.error}` : '';
  node.hidden = s.kind === 'none';
}

/** Kept channels, how the editor is linked to the kernel and the keys. @example footer(plan, true, 'pe-1') */
export function footer(p: ArchPlan, hasScores: boolean, editorId: string | null): HTMLElement {
  return el('div', 'mt-foot', `channels kept ${p.keep.channels.length}/${p.from.hiddenSize}` +
    (hasScores ? ' · pruned heads tinted by importance; target changes keep the highest-scoring units' : '') +
    (editorId ? ` · editor ${editorId} · keys: Tab moves, Enter commits a size, Space/Enter toggles, Ctrl+Enter applies` : ''));
}
