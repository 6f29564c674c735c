/** Composing widgets: HBox/VBox, an Output area, kernel-side `link`, and `interact(fn, controls)`. */
import { toMimeBundle } from '../display/index.js';
import { WIDGET_PROTOCOL, controlsModel } from './protocol.js';
import { DOMWidget, ValueWidget } from './controls.js';
import type { Widget, WidgetChange } from './widget.js';

/** A row of widgets. @example new HBox([slider, checkbox]).display() */
export class HBox extends DOMWidget {
  constructor(readonly children: Widget[]) { super(controlsModel('HBox'), { children: children.map((c) => c.ref()), box_style: '' }, null); }
}

/** A column of widgets. @example new VBox([slider, out]) */
export class VBox extends DOMWidget {
  constructor(readonly children: Widget[]) { super(controlsModel('VBox'), { children: children.map((c) => c.ref()), box_style: '' }, null); }
}

/** One output of an Output widget (nbformat output). */
type OutputItem = { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> } | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string };

/** An output area whose content the kernel sets (append a value's display, text, or clear it). @example out.clear(); out.append(report); */
export class Output extends DOMWidget {
  constructor() {
    const { output: m, outputVersion: v } = WIDGET_PROTOCOL;
    super({ _model_module: m, _model_module_version: v, _model_name: 'OutputModel', _view_module: m, _view_module_version: v, _view_name: 'OutputView' },
      { outputs: [], msg_id: '' }, null);
  }
  /** Appends x shown as mt.display would show it. @example out.append({ 'text/html': '<b>ok</b>' }) */
  append(x: unknown): void { this.push({ output_type: 'display_data', data: toMimeBundle(x) as Record<string, unknown>, metadata: {} }); }
  /** Appends text to its stdout (or stderr) stream. @example out.appendText('done\n') */
  appendText(text: string, name: 'stdout' | 'stderr' = 'stdout'): void { this.push({ output_type: 'stream', name, text }); }
  /** Removes every output. @example out.clear() */
  clear(): void { this.set({ outputs: [] }); }
  private push(o: OutputItem): void { this.set({ outputs: [...(this.get('outputs') as OutputItem[]), o] }); }
}

/** Keeps two attributes equal both ways (kernel side); returns the unlink function. @example const off = link([a, 'value'], [b, 'value']) */
export function link(a: [Widget, string], b: [Widget, string]): () => void {
  const copy = (from: [Widget, string], to: [Widget, string]) => (c: WidgetChange): void => {
    if (JSON.stringify(to[0].get(to[1])) !== JSON.stringify(c.new)) to[0].set({ [to[1]]: c.new });
  };
  b[0].set({ [b[1]]: a[0].get(a[1]) });
  const offA = a[0].observe(copy(a, b), [a[1]]);
  const offB = b[0].observe(copy(b, a), [b[1]]);
  return () => { offA(); offB(); };
}

/** The values of a set of controls, by name. @example type V = ControlValues<{ n: IntSlider }> // { n: number } */
export type ControlValues<C extends Record<string, ValueWidget<unknown>>> = { [K in keyof C]: C[K]['value'] };

/**
 * Controls above an output that shows fn(values) again whenever a control changes (fn may be async; its errors are
 * shown in the output). Returns the VBox (a cell ending in it shows it).
 * @example mt.interact(({ keep }) => mt.planWhatIf(plan, keep), { keep: new mt.FloatSlider({ min: 0.1, max: 1, value: 0.5 }) })
 */
export function interact<C extends Record<string, ValueWidget<unknown>>>(fn: (values: ControlValues<C>) => unknown, controls: C): VBox {
  const out = new Output();
  const run = async (): Promise<void> => {
    const values = Object.fromEntries(Object.entries(controls).map(([k, w]) => [k, w.value])) as ControlValues<C>;
    try {
      const r = await fn(values);
      out.clear();
      if (r !== undefined) out.append(r);
    } catch (e) {
      out.clear();
      out.appendText(`${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`, 'stderr');
    }
  };
  for (const w of Object.values(controls)) w.observe(() => void run(), ['value']);
  void run();
  return new VBox([...Object.values(controls), out]);
}
