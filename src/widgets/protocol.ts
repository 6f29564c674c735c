/**
 * The Jupyter widget message protocol (version 2.1, @jupyter-widgets/base 2.0 and controls 2.0 as in ipywidgets 8 and
 * JupyterLab's stock manager, jupyterlab_widgets 3): model modules, the widget-view MIME type and binary buffers.
 */

/** Protocol and module versions the front end's widget manager expects. @example WIDGET_PROTOCOL.version === '2.1.0' */
export const WIDGET_PROTOCOL = {
  version: '2.1.0', target: 'jupyter.widget', controlTarget: 'jupyter.widget.control',
  viewMime: 'application/vnd.jupyter.widget-view+json',
  base: '@jupyter-widgets/base', controls: '@jupyter-widgets/controls', output: '@jupyter-widgets/output',
  baseVersion: '2.0.0', controlsVersion: '2.0.0', outputVersion: '1.0.0',
} as const;

/** The model and view a widget is made of in the front end. @example modelOf('IntSlider') */
export interface ModelIdentity {
  _model_module: string; _model_module_version: string; _model_name: string;
  _view_module: string; _view_module_version: string; _view_name: string | null;
}

/** Model/view names of a @jupyter-widgets/controls widget. @example controlsModel('IntSlider') // IntSliderModel, IntSliderView */
export function controlsModel(name: string, view: string | null = `${name}View`): ModelIdentity {
  const { controls: m, controlsVersion: v } = WIDGET_PROTOCOL;
  return { _model_module: m, _model_module_version: v, _model_name: `${name}Model`, _view_module: m, _view_module_version: v, _view_name: view };
}

/** JSON state of a widget model. @example const s: WidgetState = { value: 3 }; */
export type WidgetState = Record<string, unknown>;

type Path = (string | number)[];

function isBinary(v: unknown): v is ArrayBuffer | ArrayBufferView {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function toBytes(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Splits binary values (ArrayBuffer, typed arrays, DataView) out of a state for the wire: the state without them,
 * their paths and their bytes. @example splitBuffers({ data: new Uint8Array([1]) }) // { state: {}, paths: [['data']], buffers: [...] }
 */
export function splitBuffers(state: WidgetState): { state: WidgetState; paths: Path[]; buffers: Uint8Array[] } {
  const paths: Path[] = [];
  const buffers: Uint8Array[] = [];
  const walk = (v: unknown, at: Path): unknown => {
    if (isBinary(v)) { paths.push(at); buffers.push(toBytes(v)); return undefined; }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...at, i]));
    if (v && typeof v === 'object' && (v as object).constructor === Object) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) { const w = walk(x, [...at, k]); if (w !== undefined || !isBinary(x)) out[k] = w; }
      return out;
    }
    return v;
  };
  return { state: walk(state, []) as WidgetState, paths, buffers };
}

/** Puts received buffers back into a state at their paths (as DataView, as ipywidgets does). @example mergeBuffers(state, [['data']], msgBuffers) */
export function mergeBuffers(state: WidgetState, paths: unknown, buffers: Uint8Array[]): WidgetState {
  if (!Array.isArray(paths)) return state;
  paths.forEach((p, i) => {
    if (!Array.isArray(p) || p.length === 0 || !buffers[i]) return;
    let obj = state as Record<string | number, unknown>;
    for (const k of p.slice(0, -1)) obj = (obj[k] ??= {}) as Record<string | number, unknown>;
    const b = buffers[i];
    obj[p[p.length - 1]] = new DataView(b.buffer, b.byteOffset, b.byteLength);
  });
  return state;
}
