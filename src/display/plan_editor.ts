/**
 * Kernel side of the JupyterLab plan editor: `planEditor(plan)` shows an ArchPlan as an editable output and receives
 * the edits the front end (minitron-labextension) sends over the 'minitron.plan' comm. Uses the kernel's comm provider
 * and display sink (the host bridge, src/host/); tests use fakes. Comm messages are handled between cells:
 * edit the output, press Apply, then read `editor.plan` in a later cell.
 */
import type { ArchPlan, ImportanceReport, ModelLike } from '../types.js';
import { getCommProvider, getDisplaySink, registerCommTarget } from '../host/index.js';
import { editorRegistry } from '../host/editors.js';
import type { CommData } from '../host/index.js';
import { toMimeBundle } from './mime.js';
import { PLAN_ACTIONS, PLAN_COMM_TARGET, PLAN_MIME, type PlanReply, type PlanWhatIf, type PlanWhatIfMessage } from '../plan_core/comm.js';
import { PlanEditorError } from './plan_editor_error.js';
import { planWhatIf } from './plan_whatif.js';
import type { WhatIfOptions } from './plan_whatif.js';
import type { Comm } from '../host/index.js';
import { PlanError } from '../plan_core/errors.js';
import { validatePlan } from '../plan_core/validate.js';
import type { MimeBundle } from './mime.js';
import { displayBundle, newDisplayId, QUIET } from './sink.js';

export { PLAN_COMM_TARGET, PLAN_MIME, type PlanReply };

type Json = Record<string, unknown>;

export { PlanEditorError };

/** Options of planEditor(). @example planEditor(plan, { importance: report }) */
export interface PlanEditorOptions {
  /** Scores shown in the editor and used when a target size changes (heads, neurons, channels, first depth metric). */
  importance: ImportanceReport | null;
  /** Display id of the output (default: a fresh one). */
  displayId: string | null;
  /** The bundle shown for a plan (default: the library's arch-plan bundle with text/plain and text/html fallbacks). */
  bundle: (plan: ArchPlan) => MimeBundle;
  /** The model the plan prunes: after each Apply the kernel answers with the masked model's loss / perplexity (what-if). */
  model: ModelLike | null;
  /** Token ids of the what-if batch (default: seeded random tokens, a relative measure only). */
  evalIds: ArrayLike<number> | null;
  /** Size of the what-if batch. */
  whatIf: Partial<WhatIfOptions>;
}

/** Defaults of PlanEditorOptions. @example planEditor(plan, { ...defaultPlanEditorOptions, importance: report }) */
export const defaultPlanEditorOptions: PlanEditorOptions = {
  importance: null,
  displayId: null,
  bundle: (p) => toMimeBundle(p),
  model: null,
  evalIds: null,
  whatIf: {},
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


interface EditorState { id: string; original: ArchPlan; plan: ArchPlan; edits: number; listeners: ((p: ArchPlan) => void)[]; whatIf: ((p: ArchPlan) => PlanWhatIf) | null }

function registry(): Map<string, EditorState> {
  return editorRegistry<EditorState>();
}

/**
 * Checks an edited plan against the plan the editor showed with the plan core's validatePlan (same source spec, target
 * sizes in range, kept indices sorted/unique/in range, counts matching the targets, equal heads per KV group) and
 * returns a copy that keeps the shown plan's `from`. Throws PlanError (with its code) otherwise.
 * @example const p = checkEditedPlan(shown, JSON.parse(text));
 */
export function checkEditedPlan(original: ArchPlan, edited: unknown): ArchPlan {
  const plan = validatePlan(edited as ArchPlan, original.from);
  return { ...(JSON.parse(JSON.stringify(plan)) as ArchPlan), from: original.from };
}

/**
 * Handles one message of the 'minitron.plan' comm: { action: 'apply', editorId, plan } → the reply to send back.
 * An unknown or null editorId falls back to the most recent editor.
 * @example comm.send(handlePlanMessage(data))
 */
export function handlePlanMessage(data: Json): PlanReply {
  if (!(PLAN_ACTIONS as readonly unknown[]).includes(data.action)) {
    return { ok: false, error: `display/plan_editor.ts: unknown action ${JSON.stringify(data.action)} (expected one of ${PLAN_ACTIONS.join(', ')})` };
  }
  const reg = registry();
  const id = typeof data.editorId === 'string' ? data.editorId : null;
  const st = (id !== null ? reg.get(id) : undefined) ?? (id === null ? [...reg.values()].pop() : undefined);
  if (!st) return { ok: false, error: `display/plan_editor.ts: no plan editor ${id ?? ''} in this kernel (restarted?): run mt.planEditor(plan) again` };
  let plan: ArchPlan;
  try { plan = checkEditedPlan(st.original, data.plan); } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e), ...(e instanceof PlanError ? { code: e.code } : {}), editorId: st.id };
  }
  st.plan = plan;
  st.edits += 1;
  for (const cb of st.listeners) { try { cb(plan); } catch (e) { process.stderr.write(`plan editor onChange callback failed: ${String(e)}\n`); } }
  return { ok: true, plan, editorId: st.id };
}

/**
 * Answers one comm: the reply at once; then, when the editor has a model and the plan was accepted, the what-if
 * (computed after the reply went out) as a second message; then closes the comm.
 * @example registerCommTarget(PLAN_COMM_TARGET, (comm, data) => answer(comm, data));
 */
export function answer(comm: Pick<Comm, 'send' | 'close'>, data: Json): void {
  const reply = handlePlanMessage(data);
  const st = reply.ok && reply.editorId ? registry().get(reply.editorId) : undefined;
  try { comm.send(st?.whatIf ? { ...reply, whatIfPending: true } : reply); } catch (e) { comm.close(); throw e; }
  if (!st?.whatIf) { comm.close(); return; }
  const whatIf = st.whatIf, plan = st.plan;
  setTimeout(() => {
    let msg: PlanWhatIfMessage;
    try { msg = { whatIf: whatIf(plan) }; } catch (e) { msg = { whatIfError: e instanceof Error ? e.message : String(e) }; }
    try { comm.send(msg); } finally { comm.close(); }
  }, 0);
}

const round4 = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : 0);

let counter = 0;
/**
 * Shows an ArchPlan as an editor in JupyterLab (minitron-labextension) and returns a handle whose `plan` follows the
 * edits applied in the browser. Needs the minitron kernel (its comm provider and display sink).
 * With `model` (the model the plan prunes) each Apply is answered with a what-if: the masked model's loss and
 * perplexity on a small cached batch (`evalIds`, else seeded random tokens) and the parameter change.
 * @example const ed = mt.planEditor(plan, { importance: report, model, evalIds }); // edit, Apply; next cell: ed.plan
 */
export function planEditor(plan: ArchPlan, opts: Partial<PlanEditorOptions> = {}): PlanEditor {
  const o = { ...defaultPlanEditorOptions, ...opts };
  if (!getCommProvider() || !getDisplaySink()) throw new PlanEditorError('planEditor()', 'the minitron Jupyter kernel (a comm provider and a display sink); none is registered');
  const original = checkEditedPlan(plan, plan);
  counter += 1;
  const id = `pe-${Date.now().toString(36)}-${counter}`;
  const displayId = o.displayId ?? newDisplayId();
  if (o.model && JSON.stringify(o.model.spec) !== JSON.stringify(original.from)) throw new PlanEditorError('planEditor() model.spec', 'the spec the plan was made from (plan.from)', o.model.spec.family);
  const whatIf = o.model ? planWhatIf(o.model, o.evalIds, o.whatIf) : null;
  const st: EditorState = { id, original, plan: original, edits: 0, listeners: [], whatIf };
  registry().set(id, st);
  registerCommTarget(PLAN_COMM_TARGET, (comm, data: CommData) => answer(comm, data));
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
