/**
 * The plan-editor contract between the kernel (src/display/plan_editor.ts) and the lab extension (plan_comm.ts):
 * the MIME type of a plan output, the comm target, the message the front end sends and the reply it gets.
 */
import type { PlanErrorCode } from './errors.js';
import type { ArchPlan } from './types.js';

/** MIME type of a library object's JSON payload. @example minitronMime('arch-plan') // 'application/vnd.minitron.arch-plan+json' */
export function minitronMime(kind: string): string {
  return `application/vnd.minitron.${kind}+json`;
}

/** MIME type of an ArchPlan output. @example bundle[PLAN_MIME] = plan */
export const PLAN_MIME = minitronMime('arch-plan');

/** Comm target name of the plan editor. @example kernel.createComm(PLAN_COMM_TARGET) */
export const PLAN_COMM_TARGET = 'minitron.plan';

/** Actions the kernel's plan comm understands. @example PLAN_ACTIONS.includes(msg.action) */
export const PLAN_ACTIONS = ['apply'] as const;
/** One of PLAN_ACTIONS. @example const a: PlanAction = 'apply'; */
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** Message sent to the kernel when the comm opens (editorId null: the most recent editor). @example const m: PlanEditMessage = { action: 'apply', editorId, plan }; */
export type PlanEditMessage = { action: PlanAction; editorId: string | null; plan: ArchPlan };

/**
 * What the kernel answers: ok with the plan it now holds, or an error (with the PlanError code when the plan was at fault);
 * whatIfPending: a PlanWhatIfMessage follows on the same comm before it closes.
 * @example const r: PlanReply = { ok: false, error: '[arch-plan bad-index] …', code: 'bad-index', editorId: 'pe-1' };
 */
export type PlanReply = { ok: boolean; plan?: ArchPlan; error?: string; code?: PlanErrorCode; editorId?: string; whatIfPending?: boolean };

/** Where the what-if batch comes from: the editor's evalIds, or seeded random tokens. @example WHATIF_SOURCES[0] // 'evalIds' */
export const WHATIF_SOURCES = ['evalIds', 'random tokens'] as const;
/** One of WHATIF_SOURCES. @example const s: WhatIfSource = 'evalIds'; */
export type WhatIfSource = (typeof WHATIF_SOURCES)[number];

/**
 * The what-if of an applied plan, measured by the kernel on a small cached batch: the masked model's next-token loss
 * and perplexity against the unpruned model's, and the parameter counts (source → planned).
 * @example const w: PlanWhatIf = { loss: 3.9, perplexity: 49.4, baseLoss: 3.2, basePerplexity: 24.5, batch: 2, seqLen: 64, source: 'evalIds', paramsFrom: 134515008, paramsTarget: 98000000, ms: 420 };
 */
export type PlanWhatIf = {
  loss: number; perplexity: number; baseLoss: number; basePerplexity: number;
  batch: number; seqLen: number; source: WhatIfSource; paramsFrom: number; paramsTarget: number; ms: number;
};

/** A message the kernel sends after the reply when the editor has a model: the what-if, or why it failed. @example comm.send({ whatIf }) */
export type PlanWhatIfMessage = { whatIf?: PlanWhatIf; whatIfError?: string };
