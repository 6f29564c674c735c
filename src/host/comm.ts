/**
 * Comms for library code, independent of Jupyter: the ONE Comm / CommProvider contract (the kernel's CommManager
 * implements it), and openComm / registerCommTarget through the provider the host installed (installHost).
 */
import { MinitronError } from '../errors.js';
import { HOST_KEYS } from './keys.js';

/** JSON payload of a comm message. @example const d: CommData = { plan }; */
export type CommData = Record<string, unknown>;

/** One end of a comm (kernel side). @example comm.send({ x: 1 }); comm.onMsg((d) => ...); */
export interface Comm {
  readonly commId: string;
  readonly targetName: string;
  send(data: CommData, metadata?: CommData, buffers?: Uint8Array[]): void;
  close(data?: CommData): void;
  onMsg(cb: (data: CommData, buffers: Uint8Array[]) => void): void;
  onClose(cb: (data: CommData) => void): void;
}

/** Called when the front end opens a comm to a registered target. @example const h: CommTargetHandler = (comm, data) => comm.send({ ok: true }); */
export type CommTargetHandler = (comm: Comm, data: CommData, buffers: Uint8Array[]) => void;

/** What the kernel provides. @example installHost({ comms: kernelComms }) */
export interface CommProvider {
  open(targetName: string, data?: CommData, metadata?: CommData): Comm;
  registerTarget(targetName: string, handler: CommTargetHandler): void;
  unregisterTarget(targetName: string): void;
}

/** Thrown when comms are used outside a kernel. @example try { openComm('x') } catch (e) { e instanceof NoCommProviderError } */
export class NoCommProviderError extends MinitronError {
  constructor(what: string) {
    super(`host/comm.ts: ${what} needs a comm provider (run inside the minitron Jupyter kernel); none is installed`);
  }
}

/** The installed comm provider or null. @example if (getCommProvider()) openComm('minitron.plan'); */
export function getCommProvider(): CommProvider | null {
  return (globalThis as { [HOST_KEYS.comms]?: CommProvider | null })[HOST_KEYS.comms] ?? null;
}

/** Opens a comm from the kernel to the front end. @example const c = openComm('minitron.plan', { plan }); */
export function openComm(targetName: string, data: CommData = {}, metadata: CommData = {}): Comm {
  const p = getCommProvider();
  if (!p) throw new NoCommProviderError(`openComm('${targetName}')`);
  return p.open(targetName, data, metadata);
}

/** Registers a target for comms the front end opens. @example registerCommTarget('minitron.echo', (c) => c.onMsg((d) => c.send(d))) */
export function registerCommTarget(targetName: string, handler: CommTargetHandler): void {
  const p = getCommProvider();
  if (!p) throw new NoCommProviderError(`registerCommTarget('${targetName}')`);
  p.registerTarget(targetName, handler);
}
