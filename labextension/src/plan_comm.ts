/**
 * Front-end side of the plan comm: opens `minitron.plan` on the notebook's kernel, sends an edited plan, awaits the reply
 * and, when the kernel says a what-if follows (whatIfPending), hands that second message to `onWhatIf`.
 * Target name, message and reply types are the plan core's contract (src/plan_core/comm.ts), shared with the kernel side.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { PLAN_COMM_TARGET } from '../../src/plan_core/index.js';
import type { PlanEditMessage, PlanReply, PlanWhatIf, PlanWhatIfMessage } from '../../src/plan_core/index.js';

export type { PlanEditMessage, PlanReply, PlanWhatIf, PlanWhatIfMessage };

/** Options of sendPlan(). @example sendPlan(kernel, msg, { onWhatIf: (m) => show(m) }) */
export interface SendPlanOptions { timeoutMs: number; whatIfTimeoutMs: number; onWhatIf: ((m: PlanWhatIfMessage) => void) | null }
/** Defaults of SendPlanOptions. @example sendPlan(kernel, msg, defaultSendPlanOptions) */
export const defaultSendPlanOptions: SendPlanOptions = { timeoutMs: 20000, whatIfTimeoutMs: 120000, onWhatIf: null };

/**
 * Opens a comm to the kernel's 'minitron.plan' target with the edited plan and resolves with the kernel's reply
 * (or ok: false when the kernel has no such target, or does not answer within timeoutMs).
 * @example const r = await sendPlan(panel.sessionContext.session!.kernel!, { action: 'apply', editorId, plan });
 */
export function sendPlan(kernel: Kernel.IKernelConnection, msg: PlanEditMessage, opts: Partial<SendPlanOptions> = {}): Promise<PlanReply> {
  const o = { ...defaultSendPlanOptions, ...opts };
  return new Promise<PlanReply>((resolve) => {
    let replied = false, extra: ((m: PlanWhatIfMessage) => void) | null = null;
    let timer = setTimeout(() => finish({ ok: false, error: `no answer from the kernel in ${Math.round(o.timeoutMs / 1000)} s (comm messages are handled between cells: is a cell still running?)` }), o.timeoutMs);
    const closeComm = (): void => { if (!comm.isDisposed) { try { comm.close(); } catch { /* already closed */ } } };
    const more = (m: PlanWhatIfMessage): void => { const f = extra; extra = null; clearTimeout(timer); closeComm(); f?.(m); };
    function finish(r: PlanReply): void {
      if (replied) return;
      replied = true;
      clearTimeout(timer);
      if (r.ok && r.whatIfPending && o.onWhatIf) {
        extra = o.onWhatIf;
        timer = setTimeout(() => more({ whatIfError: `no what-if from the kernel in ${Math.round(o.whatIfTimeoutMs / 1000)} s` }), o.whatIfTimeoutMs);
      } else closeComm();
      resolve(r);
    }
    const comm = kernel.createComm(PLAN_COMM_TARGET);
    comm.onMsg = (m: KernelMessage.ICommMsgMsg) => {
      const d = m.content.data as Record<string, unknown>;
      if (!replied) finish({ ok: !!d.ok, plan: d.plan as PlanReply['plan'], error: d.error as string | undefined, code: d.code as PlanReply['code'], editorId: d.editorId as string | undefined, whatIfPending: d.whatIfPending === true });
      else if (extra) more(d as PlanWhatIfMessage);
    };
    comm.onClose = () => {
      if (!replied) finish({ ok: false, error: `kernel '${kernel.name}' closed the comm: it has no '${PLAN_COMM_TARGET}' target. Run \`const ed = mt.planEditor(plan)\` in this kernel, then edit that output.` });
      else if (extra) more({ whatIfError: 'the kernel closed the comm before sending the what-if' });
    };
    try {
      comm.open(msg as unknown as Parameters<typeof comm.open>[0]);
    } catch (e) { finish({ ok: false, error: `could not open a comm: ${String(e)}` }); }
  });
}
