/**
 * Front-end side of the plan comm: opens `minitron.plan` on the notebook's kernel, sends an edited plan, awaits the reply.
 * Target name, message and reply types are the plan core's contract (src/plan_core/comm.ts), shared with the kernel side.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { PLAN_COMM_TARGET } from '../../src/plan_core/index.js';
import type { PlanEditMessage, PlanReply } from '../../src/plan_core/index.js';

export type { PlanEditMessage, PlanReply };

/**
 * Opens a comm to the kernel's 'minitron.plan' target with the edited plan and resolves with the kernel's reply
 * (or ok: false when the kernel has no such target, or does not answer within timeoutMs).
 * @example const r = await sendPlan(panel.sessionContext.session!.kernel!, { action: 'apply', editorId, plan });
 */
export function sendPlan(kernel: Kernel.IKernelConnection, msg: PlanEditMessage, timeoutMs = 20000): Promise<PlanReply> {
  return new Promise<PlanReply>((resolve) => {
    let done = false;
    const finish = (r: PlanReply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!comm.isDisposed) { try { comm.close(); } catch { /* already closed */ } }
      resolve(r);
    };
    const comm = kernel.createComm(PLAN_COMM_TARGET);
    const timer = setTimeout(() => finish({ ok: false, error: `no answer from the kernel in ${Math.round(timeoutMs / 1000)} s (comm messages are handled between cells: is a cell still running?)` }), timeoutMs);
    comm.onMsg = (m: KernelMessage.ICommMsgMsg) => {
      const d = m.content.data as unknown as PlanReply;
      finish({ ok: !!d.ok, plan: d.plan, error: d.error, code: d.code, editorId: d.editorId });
    };
    comm.onClose = () => finish({ ok: false, error: `kernel '${kernel.name}' closed the comm: it has no '${PLAN_COMM_TARGET}' target. Run \`const ed = mt.planEditor(plan)\` in this kernel, then edit that output.` });
    try {
      comm.open(msg as unknown as Parameters<typeof comm.open>[0]);
    } catch (e) { finish({ ok: false, error: `could not open a comm: ${String(e)}` }); }
  });
}
