/**
 * `display(x)`: hands MIME bundles to the display sink of the host bridge (host/bridge.ts; the Jupyter kernel
 * installs one); without a sink the text/plain part goes to stdout. No state here: the sink is the host's.
 */
import { getDisplaySink, HOST_KEYS } from '../host/index.js';
import { toMimeBundle } from './mime.js';
import type { MimeBundle } from './mime.js';

/** Options of display(). @example display(plan, { displayId: 'plan' }) */
export interface DisplayOptions {
  /** Names the output so later calls with `update: true` (or handle.update) replace it. */
  displayId?: string;
  /** Replace the output named displayId instead of adding a new one. */
  update: boolean;
  metadata: Record<string, unknown>;
}

/** Defaults of DisplayOptions. @example display(x, { ...defaultDisplayOptions, update: true, displayId: 'a' }) */
export const defaultDisplayOptions: DisplayOptions = { update: false, metadata: {} };

/** A named output that can be replaced. @example const h = display(history, { displayId: 'loss' }); h.update(history2); */
export interface DisplayHandle { readonly [QUIET]?: true; readonly displayId: string; update(x: unknown): void }

/** Marks objects the kernel should not auto-display as a cell's last value (display handles, progress bars). @example { [QUIET]: true } */
export const QUIET = HOST_KEYS.quiet;

let counter = 0;
/** A fresh display id. @example newDisplayId() // 'minitron-1f2e-3' */
export function newDisplayId(): string {
  counter += 1;
  return `minitron-${Date.now().toString(36)}-${process.pid.toString(36)}-${counter}`;
}

/** Sends a ready-made MIME bundle to the sink (or stdout). @example displayBundle({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' }) */
export function displayBundle(bundle: MimeBundle, opts: Partial<DisplayOptions> = {}): void {
  const o = { ...defaultDisplayOptions, ...opts };
  const sink = getDisplaySink();
  if (sink) sink.display(bundle, { displayId: o.displayId, update: o.update && o.displayId !== undefined, metadata: o.metadata });
  else process.stdout.write(`${String(bundle['text/plain'] ?? JSON.stringify(bundle))}\n`);
}

/**
 * Displays a value (library objects get rich bundles); returns a handle whose update() replaces this output.
 * @example const h = mt.display(plan, { displayId: 'plan' }); h.update(newPlan);
 */
export function display(x: unknown, opts: Partial<DisplayOptions> = {}): DisplayHandle {
  const displayId = opts.displayId ?? newDisplayId();
  displayBundle(toMimeBundle(x), { ...opts, displayId });
  return { [QUIET]: true as const, displayId, update: (y: unknown) => displayBundle(toMimeBundle(y), { ...opts, displayId, update: true }) };
}

/** Clears the cell's output (wait: clear when the next output arrives). @example clearOutput(true) */
export function clearOutput(wait = false): void {
  getDisplaySink()?.clear?.(wait);
}
