/**
 * The host bridge: what a host (the minitron Jupyter kernel) lends the library, installed with ONE typed call,
 * installHost({ sink, comms, stopSignal }). Library code reads it through getDisplaySink (display/), getCommProvider
 * (host/comm.ts) and stopSignal (host/stop.ts); nothing else reads the globals.
 */
import type { CommProvider } from './comm.js';
import type { HostInput } from './stdin.js';
import { HOST_KEYS } from './keys.js';

/** What a sink receives with each bundle. @example sink.display(bundle, { displayId: 'p1', update: true, metadata: {} }) */
export interface SinkOptions { displayId?: string; update: boolean; metadata: Record<string, unknown> }

/** Receiver of MIME bundles (the kernel sends display_data / update_display_data). @example installHost({ sink: { display: (b) => console.log(b) } }) */
export interface DisplaySink {
  display(bundle: Record<string, unknown>, opts: SinkOptions): void;
  clear?(wait: boolean): void;
}

/** What the host installs; null removes a part (back to stdout printing, no comms, no host stop signal). */
export interface HostBridge {
  sink: DisplaySink | null;
  comms: CommProvider | null;
  /** The stop signal of the work running now (the kernel: the executing cell's AbortController's signal). */
  stopSignal: (() => AbortSignal | null) | null;
  /** stdin: reads one line for the running request (null: that request did not allow stdin). */
  input: HostInput | null;
}

/** No host: stdout printing, no comms, only the callers' own stop signals. @example installHost(NO_HOST) */
export const NO_HOST: HostBridge = { sink: null, comms: null, stopSignal: null, input: null };

type Holder = {
  [HOST_KEYS.sink]?: DisplaySink | null; [HOST_KEYS.comms]?: CommProvider | null;
  [HOST_KEYS.stop]?: (() => AbortSignal | null) | null; [HOST_KEYS.input]?: HostInput | null;
};

/**
 * Installs the given parts of the host bridge (parts not given stay as they are). The kernel calls this once.
 * @example mt.installHost({ sink, comms: commManager, stopSignal: () => currentCell?.signal ?? null });
 */
export function installHost(host: Partial<HostBridge>): void {
  const g = globalThis as Holder;
  if (host.sink !== undefined) g[HOST_KEYS.sink] = host.sink;
  if (host.comms !== undefined) g[HOST_KEYS.comms] = host.comms;
  if (host.stopSignal !== undefined) g[HOST_KEYS.stop] = host.stopSignal;
  if (host.input !== undefined) g[HOST_KEYS.input] = host.input;
}

/** The installed display sink, or null. @example if (getDisplaySink()) display(x); */
export function getDisplaySink(): DisplaySink | null {
  return (globalThis as Holder)[HOST_KEYS.sink] ?? null;
}
