/**
 * Kernel side of the JupyterLab plan editor: `planEditor(plan)` shows an ArchPlan as an editable output and receives
 * the edits the front end (minitron-labextension) sends over the 'minitron.plan' comm. Uses the kernel's comm provider
 * and display sink (display/comm.ts, display/sink.ts); tests use fakes. Comm messages are handled between cells:
 * edit the output, press Apply, then read `editor.plan` in a later cell.
 */
import type { ArchPlan, ImportanceReport } from '../types.js';
import { getCommProvider, registerCommTarget } from './comm.js';
import type { CommData } from './comm.js';
import { mimeTypeOf, toMimeBundle } from './mime.js';
import type { MimeBundle } from './mime.js';
import { displayBundle, getDisplaySink, newDisplayId, QUIET } from './sink.js';

/** Comm target name of the plan editor. @example registerCommTarget(PLAN_COMM_TARGET, handler) */
export const PLAN_COMM_TARGET = 'minitron.plan';
/** MIME type of an ArchPlan display. @example bundle[PLAN_MIME] = plan */
export const PLAN_MIME = mimeTypeOf('arch-plan');

type Json = Record<string, unknown>;
const EDITORS = Symbol.for('minitron.plan.editors');

/** Thrown for an unusable edited plan or a missing kernel. @example throw new PlanEditorError('keep.layers', 'sorted unique indices in [0, 30)', [3, 1]); */
export class PlanEditorError extends Error {
  constructor(field: string, expected: string, got?: unknown) {
    super(`display/plan_editor.ts: ${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)?.slice(0, 120)}`}`);
    this.name = 'PlanEditorError';
  }
}

/** Options of planEditor(). @example planEditor(plan, { importance: report }) */
export interface PlanEditorOptions {
  /** Scores shown in the editor and used when a target size changes (heads, neurons, channels, first depth metric). */
  importance: ImportanceReport | null;
  /** Display id of the output (default: a fresh one). */
  displayId: string | null;
  /** The bundle shown for a plan (default: the library's arch-plan bundle with text/plain and text/html fallbacks). */
  bundle: (plan: ArchPlan) => MimeBundle;
}

/** Defaults of PlanEditorOptions. @example planEditor(plan, { ...defaultPlanEditorOptions, importance: report }) */
export const defaultPlanEditorOptions: PlanEditorOptions = {
  importance: null,
  displayId: null,
  bundle: (p) => toMimeBundle(p),
};

/** A shown, editable plan; `plan` is the latest plan the front end applied. @example const ed = mt.planEditor(plan); … ed.plan */
export interface PlanEditor {
  readonly [QUIET]?: true;
  readonly editorId: string;
  readonly displayId: string;
  readonly plan: ArchPlan;
  readonly edits: number;
  onChange(cb: (plan: ArchPlan) => void): void;
  close(): void;
}

/** Reply sent back to the front end. @example const r: PlanReply = { ok: true, plan, editorId: 'pe-1' }; */
export interface PlanReply { ok: boolean; plan?: ArchPlan; error?: string; editorId?: string; [k: string]: unknown }

interface EditorState { id: string; original: ArchPlan; plan: ArchPlan; edits: number; listeners: ((p: ArchPlan) => void)[] }

function registry(): Map<string, EditorState> {
  const g = globalThis as { [EDITORS]?: Map<string, EditorState> };
  g[EDITORS] ??= new Map();
  return g[EDITORS];
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function indices(field: string, v: unknown, size: number): number[] {
  if (!Array.isArray(v) || !v.every((x, i) => isInt(x) && x >= 0 && x < size && (i === 0 || x > (v[i - 1] as number)))) {
    throw new PlanEditorError(field, `sorted unique integer indices in [0, ${size})`, v);
  }
  return v as number[];
}

/**
 * Checks an edited plan against the plan the editor showed: same source spec, target sizes in range, kept indices
 * sorted/unique/in range, and counts matching the targets (equal heads per KV group). Returns it typed.
 * @example const p = checkEditedPlan(shown, JSON.parse(text));
 */
export function checkEditedPlan(original: ArchPlan, edited: unknown): ArchPlan {
  const e = edited as Partial<ArchPlan> | null;
  if (!e || typeof e !== 'object' || e.kind !== 'arch-plan') throw new PlanEditorError('plan.kind', "'arch-plan'", e && (e as Json).kind);
  if (JSON.stringify(e.from) !== JSON.stringify(original.from)) throw new PlanEditorError('plan.from', 'the source ModelSpec of the edited plan (unchanged)');
  const f = original.from, t = e.target, k = e.keep;
  if (!t || !k) throw new PlanEditorError('plan.target / plan.keep', 'objects');
  const max = { hiddenSize: f.hiddenSize, ffnHiddenSize: f.ffnHiddenSize, numHeads: f.numHeads, numLayers: f.numLayers };
  for (const [key, m] of Object.entries(max)) {
    const v = (t as Json)[key];
    if (!isInt(v) || v < 1 || v > m) throw new PlanEditorError(`plan.target.${key}`, `an integer in [1, ${m}]`, v);
  }
  const gs = f.numKvHeads > 0 && f.numHeads % f.numKvHeads === 0 ? f.numHeads / f.numKvHeads : f.numHeads;
  if (t.numHeads % (f.numHeads / gs) !== 0) throw new PlanEditorError('plan.target.numHeads', `a multiple of numKvHeads ${f.numHeads / gs}`, t.numHeads);
  const layers = indices('plan.keep.layers', k.layers, f.numLayers);
  if (layers.length !== t.numLayers) throw new PlanEditorError('plan.keep.layers', `${t.numLayers} kept layers (target.numLayers)`, layers.length);
  const channels = indices('plan.keep.channels', k.channels, f.hiddenSize);
  if (channels.length !== t.hiddenSize) throw new PlanEditorError('plan.keep.channels', `${t.hiddenSize} kept channels (target.hiddenSize)`, channels.length);
  for (const axis of ['heads', 'neurons'] as const) {
    const rows = k[axis];
    if (!Array.isArray(rows) || rows.length !== f.numLayers) throw new PlanEditorError(`plan.keep.${axis}`, `one row per source layer (${f.numLayers})`, Array.isArray(rows) ? rows.length : rows);
    rows.forEach((r, l) => indices(`plan.keep.${axis}[${l}]`, r, axis === 'heads' ? f.numHeads : f.ffnHiddenSize));
  }
  for (const l of layers) {
    const h = k.heads[l], n = k.neurons[l];
    if (h.length !== t.numHeads) throw new PlanEditorError(`plan.keep.heads[${l}]`, `${t.numHeads} heads (target.numHeads)`, h.length);
    const per = Array.from({ length: f.numHeads / gs }, (_, g) => h.filter((i) => Math.floor(i / gs) === g).length);
    if (per.some((c) => c !== per[0])) throw new PlanEditorError(`plan.keep.heads[${l}]`, 'the same count per KV group (GQA)', per);
    if (n.length !== t.ffnHiddenSize) throw new PlanEditorError(`plan.keep.neurons[${l}]`, `${t.ffnHiddenSize} neurons (target.ffnHiddenSize)`, n.length);
  }
  return JSON.parse(JSON.stringify(e)) as ArchPlan;
}

/**
 * Handles one message of the 'minitron.plan' comm: { action: 'apply', editorId, plan } → the reply to send back.
 * An unknown or null editorId falls back to the most recent editor.
 * @example comm.send(handlePlanMessage(data))
 */
export function handlePlanMessage(data: Json): PlanReply {
  if (data.action !== 'apply') return { ok: false, error: `display/plan_editor.ts: unknown action ${JSON.stringify(data.action)} (expected 'apply')` };
  const reg = registry();
  const id = typeof data.editorId === 'string' ? data.editorId : null;
  const st = (id !== null ? reg.get(id) : undefined) ?? (id === null ? [...reg.values()].pop() : undefined);
  if (!st) return { ok: false, error: `display/plan_editor.ts: no plan editor ${id ?? ''} in this kernel (restarted?): run mt.planEditor(plan) again` };
  let plan: ArchPlan;
  try { plan = checkEditedPlan(st.original, data.plan); } catch (e) { return { ok: false, error: e instanceof Error ? e.message : String(e), editorId: st.id }; }
  st.plan = plan;
  st.edits += 1;
  for (const cb of st.listeners) { try { cb(plan); } catch (e) { process.stderr.write(`plan editor onChange callback failed: ${String(e)}\n`); } }
  return { ok: true, plan, editorId: st.id };
}

const round4 = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : 0);

let counter = 0;
/**
 * Shows an ArchPlan as an editor in JupyterLab (minitron-labextension) and returns a handle whose `plan` follows the
 * edits applied in the browser. Needs the minitron kernel (its comm provider and display sink).
 * @example const ed = mt.planEditor(plan, { importance: report }); // edit, Apply; next cell: ed.plan
 */
export function planEditor(plan: ArchPlan, opts: Partial<PlanEditorOptions> = {}): PlanEditor {
  const o = { ...defaultPlanEditorOptions, ...opts };
  if (!getCommProvider() || !getDisplaySink()) throw new PlanEditorError('planEditor()', 'the minitron Jupyter kernel (a comm provider and a display sink); none is registered');
  const original = checkEditedPlan(plan, plan);
  counter += 1;
  const id = `pe-${Date.now().toString(36)}-${counter}`;
  const displayId = o.displayId ?? newDisplayId();
  const st: EditorState = { id, original, plan: original, edits: 0, listeners: [] };
  registry().set(id, st);
  registerCommTarget(PLAN_COMM_TARGET, (comm, data: CommData) => {
    const reply = handlePlanMessage(data);
    try { comm.send(reply); } finally { comm.close(); }
  });
  const r = o.importance;
  const scores = r ? {
    heads: r.heads?.map((row) => row.map(round4)), neurons: r.neurons?.map((row) => row.map(round4)), channels: r.channels?.map(round4),
    layers: r.layers ? Object.values(r.layers)[0]?.map(round4) : undefined,
  } : undefined;
  displayBundle({ ...o.bundle(original), [PLAN_MIME]: JSON.parse(JSON.stringify(original)) }, { displayId, metadata: { [PLAN_MIME]: { editorId: id, ...(scores ? { scores } : {}) } } });
  return {
    [QUIET]: true as const,
    editorId: id,
    displayId,
    get plan() { return st.plan; },
    get edits() { return st.edits; },
    onChange(cb: (p: ArchPlan) => void) { st.listeners.push(cb); },
    close() { registry().delete(id); },
  } as PlanEditor;
}
