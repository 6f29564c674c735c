/**
 * The globalThis keys of the host bridge, in one table. They are `Symbol.for` keys so every copy of the library
 * loaded into one process (the kernel's own require and a notebook's import) shares one sink, one comm provider,
 * one stop signal and one plan-editor registry.
 */

const SINK: unique symbol = Symbol.for('minitron.display.sink');
const COMMS: unique symbol = Symbol.for('minitron.comm.provider');
const STOP: unique symbol = Symbol.for('minitron.host.stop');
const EDITORS: unique symbol = Symbol.for('minitron.plan.editors');
const QUIET: unique symbol = Symbol.for('minitron.display.quiet');
const INPUT: unique symbol = Symbol.for('minitron.host.input');
const WIDGETS: unique symbol = Symbol.for('minitron.widgets');

/** Symbol.for keys of the host state on globalThis. @example (globalThis as any)[HOST_KEYS.sink] */
export const HOST_KEYS = {
  /** The display sink (DisplaySink). */
  sink: SINK,
  /** The comm provider (CommProvider). */
  comms: COMMS,
  /** The host's stop signal getter (() => AbortSignal | null). */
  stop: STOP,
  /** Plan editors shown in this process, by editor id. */
  editors: EDITORS,
  /** Marks objects the kernel does not auto-display as a cell's value (display handles, progress bars). */
  quiet: QUIET,
  /** The host's line reader for stdin (HostInput). */
  input: INPUT,
  /** Jupyter widget models alive in this process, by model id (widgets/widget.ts). */
  widgets: WIDGETS,
} as const;

/** One field of the host state. @example const k: HostKey = 'sink'; */
export type HostKey = keyof typeof HOST_KEYS;
