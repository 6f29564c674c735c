/** Comms (Jupyter messaging "comm_*"), opened by the kernel or by the front end. Implements the library's CommProvider. */
import { randomUUID } from 'node:crypto';
import type { Comm, CommData, CommProvider, CommTargetHandler } from 'minitron';
import type { Json, Message } from './wire.js';

/** How comms reach iopub: (msgType, content, metadata, buffers) with the current parent. */
export type CommSend = (msgType: string, content: Json, metadata?: Json, buffers?: Uint8Array[]) => void;

class CommImpl implements Comm {
  closed = false;
  msgHandlers: ((data: CommData, buffers: Uint8Array[]) => void)[] = [];
  closeHandlers: ((data: CommData) => void)[] = [];
  constructor(readonly commId: string, readonly targetName: string, private readonly mgr: CommManager) {}
  send(data: CommData, metadata: CommData = {}, buffers: Uint8Array[] = []): void {
    if (this.closed) throw new Error(`kernel/comms.ts: comm ${this.commId} (${this.targetName}) is closed; cannot send`);
    this.mgr.out('comm_msg', { comm_id: this.commId, data }, metadata, buffers);
  }
  close(data: CommData = {}): void {
    if (this.closed) return;
    this.mgr.out('comm_close', { comm_id: this.commId, data });
    this.mgr.dropped(this, data);
  }
  onMsg(cb: (data: CommData, buffers: Uint8Array[]) => void): void { this.msgHandlers.push(cb); }
  onClose(cb: (data: CommData) => void): void { this.closeHandlers.push(cb); }
}

export class CommManager implements CommProvider {
  private readonly comms = new Map<string, CommImpl>();
  private readonly targets = new Map<string, CommTargetHandler>();
  constructor(readonly out: CommSend, private readonly report: (where: string, e: unknown) => void) {}

  /** Opens a comm from the kernel side. */
  open(targetName: string, data: CommData = {}, metadata: CommData = {}): Comm {
    const c = new CommImpl(randomUUID(), targetName, this);
    this.comms.set(c.commId, c);
    this.out('comm_open', { comm_id: c.commId, target_name: targetName, data }, metadata);
    return c;
  }
  registerTarget(name: string, handler: CommTargetHandler): void { this.targets.set(name, handler); }
  unregisterTarget(name: string): void { this.targets.delete(name); }

  dropped(c: CommImpl, data: CommData): void {
    c.closed = true;
    this.comms.delete(c.commId);
    for (const cb of c.closeHandlers) { try { cb(data); } catch (e) { this.report(`comm ${c.targetName} close handler`, e); } }
  }

  /** comm_open from the front end: unknown targets are answered with comm_close. */
  handleOpen(msg: Message): void {
    const { comm_id: id, target_name: target, data } = msg.content as { comm_id: string; target_name: string; data?: CommData };
    const handler = this.targets.get(target);
    if (!handler) { this.out('comm_close', { comm_id: id, data: {} }); return; }
    const c = new CommImpl(id, target, this);
    this.comms.set(id, c);
    try { handler(c, data ?? {}, msg.buffers); } catch (e) { this.report(`comm target ${target}`, e); }
  }

  handleMsg(msg: Message): void {
    const { comm_id: id, data } = msg.content as { comm_id: string; data?: CommData };
    const c = this.comms.get(id);
    if (!c) return;
    for (const cb of c.msgHandlers) { try { cb(data ?? {}, msg.buffers); } catch (e) { this.report(`comm ${c.targetName} message handler`, e); } }
  }

  handleClose(msg: Message): void {
    const { comm_id: id, data } = msg.content as { comm_id: string; data?: CommData };
    const c = this.comms.get(id);
    if (c) this.dropped(c, data ?? {});
  }

  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const c of this.comms.values()) if (!targetName || c.targetName === targetName) out[c.commId] = { target_name: c.targetName };
    return out;
  }
}
