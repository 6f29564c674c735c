/**
 * A Jupyter widget model on the kernel side: a comm to target `jupyter.widget` carrying its state, kept in sync both
 * ways ("update" messages, binary buffers included), "request_state" answered, custom messages (button clicks), and
 * the `jupyter.widget.control` target answering the front end's "request_states" with every live model.
 */
import { getCommProvider, HOST_KEYS, NoCommProviderError } from '../host/index.js';
import type { Comm, CommData, CommProvider } from '../host/index.js';
import { displayBundle } from '../display/index.js';
import type { MimeBundle } from '../display/index.js';
import { mergeBuffers, splitBuffers, WIDGET_PROTOCOL } from './protocol.js';
import type { ModelIdentity, WidgetState } from './protocol.js';

/** One change of a widget attribute. @example w.observe((c) => console.log(c.name, c.old, c.new)) */
export interface WidgetChange { name: string; old: unknown; new: unknown; owner: Widget }

/** The process-wide registry of live widgets (shared by every library copy). */
function registry(): Map<string, Widget> {
  const g = globalThis as { [HOST_KEYS.widgets]?: Map<string, Widget> };
  return (g[HOST_KEYS.widgets] ??= new Map());
}

const withControl = new WeakSet<CommProvider>();

/**
 * Registers `jupyter.widget.control` on the installed comm provider (idempotent; the kernel calls it at start so
 * the front end can restore widgets when it connects). @example registerWidgetTargets()
 */
export function registerWidgetTargets(): void {
  const p = getCommProvider();
  if (!p || withControl.has(p)) return;
  withControl.add(p);
  p.registerTarget(WIDGET_PROTOCOL.controlTarget, (comm) => {
    comm.onMsg((data) => {
      if (data.method !== 'request_states') return;
      const states: Record<string, unknown> = {};
      for (const [id, w] of registry()) {
        const s = w.fullState();
        states[id] = { model_name: s._model_name, model_module: s._model_module, model_module_version: s._model_module_version, state: s };
      }
      const wire = splitBuffers(states);
      comm.send({ method: 'update_states', states: wire.state, buffer_paths: wire.paths }, {}, wire.buffers);
    });
  });
}

/** A widget model: its state, synced with the front end. Subclasses are the controls. @example new IntSlider({ max: 10 }).observe(...) */
export class Widget<S extends WidgetState = WidgetState> {
  readonly modelId: string;
  private readonly comm: Comm;
  private state: WidgetState;
  private readonly observers: { names: Set<string> | null; cb: (c: WidgetChange) => void }[] = [];
  private readonly customHandlers: ((content: CommData, buffers: Uint8Array[]) => void)[] = [];

  constructor(identity: ModelIdentity, state: S) {
    const p = getCommProvider();
    if (!p) throw new NoCommProviderError(`new ${identity._model_name.replace(/Model$/, '')}()`);
    registerWidgetTargets();
    this.state = { ...identity, ...state };
    const wire = splitBuffers(this.state);
    this.comm = p.open(WIDGET_PROTOCOL.target, { state: wire.state, buffer_paths: [] }, { version: WIDGET_PROTOCOL.version });
    if (wire.buffers.length) this.comm.send({ method: 'update', state: {}, buffer_paths: wire.paths }, {}, wire.buffers);
    this.modelId = this.comm.commId;
    registry().set(this.modelId, this as Widget);
    this.comm.onMsg((data, buffers) => this.receive(data, buffers));
    this.comm.onClose(() => registry().delete(this.modelId));
  }

  /** One attribute of the state. @example slider.get('max') */
  get<K extends keyof S & string>(name: K): S[K] { return this.state[name] as S[K]; }

  /** The whole state with the model identity (what the front end holds). @example w.fullState()._model_name */
  fullState(): WidgetState & ModelIdentity { return { ...this.state } as WidgetState & ModelIdentity; }

  /** Changes attributes and sends them to the front end; observers of changed names run. @example slider.set({ value: 3 }) */
  set(patch: Partial<S>): void {
    const changed = this.apply(patch as WidgetState);
    if (Object.keys(changed).length === 0) return;
    const wire = splitBuffers(changed);
    this.comm.send({ method: 'update', state: wire.state, buffer_paths: wire.paths }, {}, wire.buffers);
  }

  /** Calls cb on changes of `names` (all when omitted); returns the unsubscribe function. @example const off = w.observe((c) => ..., ['value']) */
  observe(cb: (change: WidgetChange) => void, names?: (keyof S & string)[]): () => void {
    const entry = { names: names ? new Set<string>(names) : null, cb };
    this.observers.push(entry);
    return () => { const i = this.observers.indexOf(entry); if (i >= 0) this.observers.splice(i, 1); };
  }

  /** Calls cb on each custom message from the front end (a Button's {event: 'click'}). @example w.onCustom((c) => ...) */
  onCustom(cb: (content: CommData, buffers: Uint8Array[]) => void): void { this.customHandlers.push(cb); }

  /** The widget-view bundle that shows this widget. @example displayBundle(w.viewBundle()) */
  viewBundle(): MimeBundle {
    const view = { version_major: 2, version_minor: 0, model_id: this.modelId };
    return { [WIDGET_PROTOCOL.viewMime]: view, 'text/plain': `${String(this.state._model_name).replace(/Model$/, '')}(${this.describe()})` };
  }

  /** Shows the widget in the cell's output (a cell ending in a widget shows it too). @example slider.display() */
  display(): void { displayBundle(this.viewBundle()); }

  /** Closes the comm: the front end drops the model. @example w.close() */
  close(): void { registry().delete(this.modelId); this.comm.close(); }

  /** `IPY_MODEL_<id>`: how another model's state references this one. @example box.set({ children: [w.ref()] }) */
  ref(): string { return `IPY_MODEL_${this.modelId}`; }

  protected describe(): string { return 'value' in this.state ? `value=${JSON.stringify(this.state.value)}` : ''; }

  /** Hook for subclasses: extra changes implied by a change (Dropdown: index → value). */
  protected derived(changed: WidgetState): WidgetState { return changed; }

  private apply(patch: WidgetState): WidgetState {
    const changed: WidgetState = {};
    const old: WidgetState = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || (JSON.stringify(this.state[k]) === JSON.stringify(v) && !ArrayBuffer.isView(v))) continue;
      old[k] = this.state[k];
      this.state[k] = v;
      changed[k] = v;
    }
    const all = this.derived(changed);
    for (const [name, value] of Object.entries(all)) {
      for (const o of [...this.observers]) if (!o.names || o.names.has(name)) o.cb({ name, old: old[name], new: value, owner: this as Widget });
    }
    return changed;
  }

  private receive(data: CommData, buffers: Uint8Array[]): void {
    if (data.method === 'update' || data.method === 'echo_update') {
      const st = mergeBuffers({ ...(data.state as WidgetState ?? {}) }, data.buffer_paths, buffers);
      this.apply(st);
    } else if (data.method === 'request_state') {
      const wire = splitBuffers(this.state);
      this.comm.send({ method: 'update', state: wire.state, buffer_paths: wire.paths }, {}, wire.buffers);
    } else if (data.method === 'custom') {
      for (const cb of this.customHandlers) cb((data.content ?? {}) as CommData, buffers);
    }
  }
}

/** The widget-view bundle of a widget, or null for any other value (the kernel shows a cell's last value with it). @example widgetViewBundle(slider) */
export function widgetViewBundle(x: unknown): MimeBundle | null {
  return x instanceof Widget ? x.viewBundle() : null;
}
