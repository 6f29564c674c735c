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
 * What the kernel answers: ok with the plan it now holds, or an error (with the PlanError code when the plan was at fault).
 * @example const r: PlanReply = { ok: false, error: '[arch-plan bad-index] …', code: 'bad-index', editorId: 'pe-1' };
 */
export type PlanReply = { ok: boolean; plan?: ArchPlan; error?: string; code?: PlanErrorCode; editorId?: string };
