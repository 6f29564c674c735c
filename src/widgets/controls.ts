/**
 * Typed controls of @jupyter-widgets/controls 2.0: sliders, dropdown, checkbox, button, text. Each is a DOM widget
 * with its own Layout (and style) model, as the front end's views expect.
 */
import { controlsModel, WIDGET_PROTOCOL } from './protocol.js';
import type { ModelIdentity, WidgetState } from './protocol.js';
import { Widget } from './widget.js';

/** A Layout model (@jupyter-widgets/base). @example new Layout().ref() */
export class Layout extends Widget {
  constructor() {
    const { base: m, baseVersion: v } = WIDGET_PROTOCOL;
    super({ _model_module: m, _model_module_version: v, _model_name: 'LayoutModel', _view_module: m, _view_module_version: v, _view_name: 'LayoutView' }, {});
  }
}

/** A style model of the controls (DescriptionStyle, SliderStyle, ButtonStyle). @example new Style('SliderStyle') */
export class Style extends Widget {
  constructor(name: 'DescriptionStyle' | 'SliderStyle' | 'ButtonStyle' | 'CheckboxStyle' | 'TextStyle') {
    // Style models live in the controls module, their view (StyleView) in base.
    const { base, baseVersion } = WIDGET_PROTOCOL;
    super({ ...controlsModel(name), _view_module: base, _view_module_version: baseVersion, _view_name: 'StyleView' }, { description_width: '' });
  }
}

/** A widget with a layout and a style (what every control view needs). */
export class DOMWidget<S extends WidgetState = WidgetState> extends Widget<S> {
  constructor(identity: ModelIdentity, state: S, style: ConstructorParameters<typeof Style>[0] | null = 'DescriptionStyle') {
    const layout = new Layout();
    const extra: WidgetState = { _dom_classes: [], layout: layout.ref(), tabbable: null, tooltip: null };
    if (style) extra.style = new Style(style).ref();
    super(identity, { ...extra, ...state } as S);
  }
}

/** A widget with a `value`. @example const v: number = slider.value */
export class ValueWidget<T, S extends WidgetState = WidgetState> extends DOMWidget<S & { value: T }> {
  /** The current value (set it to update the front end). */
  get value(): T { return this.get('value' as never) as T; }
  set value(v: T) { this.set({ value: v } as never); }
}

/** Options of the sliders. @example new IntSlider({ ...SLIDER_DEFAULTS, max: 10 }) */
export interface SliderOptions { value: number; min: number; max: number; step: number; description: string; continuousUpdate: boolean }

/** Defaults of SliderOptions (FloatSlider's step is 0.1). @example { ...SLIDER_DEFAULTS, min: 1 } */
export const SLIDER_DEFAULTS: SliderOptions = { value: 0, min: 0, max: 100, step: 1, description: '', continuousUpdate: true };

function sliderState(o: SliderOptions, format: string): WidgetState {
  return {
    value: o.value, min: o.min, max: o.max, step: o.step, description: o.description, description_allow_html: false,
    orientation: 'horizontal', readout: true, readout_format: format, continuous_update: o.continuousUpdate, disabled: false, behavior: 'drag-tap',
  };
}

/** An integer slider. @example const n = new IntSlider({ min: 1, max: 8, value: 4, description: 'layers' }); n.display(); */
export class IntSlider extends ValueWidget<number> {
  constructor(opts: Partial<SliderOptions> = {}) {
    super(controlsModel('IntSlider'), sliderState({ ...SLIDER_DEFAULTS, ...opts }, 'd') as never, 'SliderStyle');
  }
}

/** A float slider. @example new FloatSlider({ min: 0, max: 1, step: 0.05, value: 0.5 }) */
export class FloatSlider extends ValueWidget<number> {
  constructor(opts: Partial<SliderOptions> = {}) {
    super(controlsModel('FloatSlider'), sliderState({ ...SLIDER_DEFAULTS, step: 0.1, ...opts }, '.2f') as never, 'SliderStyle');
  }
}

/** A checkbox. @example new Checkbox({ value: true, description: 'fused' }) */
export class Checkbox extends ValueWidget<boolean> {
  constructor(opts: Partial<{ value: boolean; description: string }> = {}) {
    super(controlsModel('Checkbox'), { value: opts.value ?? false, description: opts.description ?? '', disabled: false, indent: true } as never);
  }
}

/** A one-line text box. @example new Text({ placeholder: 'prompt' }) */
export class Text extends ValueWidget<string> {
  constructor(opts: Partial<{ value: string; description: string; placeholder: string; continuousUpdate: boolean }> = {}) {
    super(controlsModel('Text'), {
      value: opts.value ?? '', description: opts.description ?? '', placeholder: opts.placeholder ?? '',
      continuous_update: opts.continuousUpdate ?? true, disabled: false,
    } as never);
  }
}

/** A dropdown over labelled options; `value` is the chosen option's value. @example new Dropdown({ options: [['2 layers', 2], ['4 layers', 4]], value: 4 }) */
export class Dropdown<T = string> extends ValueWidget<T> {
  private readonly values: T[];
  constructor(opts: { options: (T | [string, T])[]; value?: T; description?: string }) {
    const pairs = opts.options.map((o) => (Array.isArray(o) && o.length === 2 && typeof o[0] === 'string' ? o as [string, T] : [String(o), o as T] as [string, T]));
    const index = opts.value === undefined ? 0 : Math.max(0, pairs.findIndex(([, v]) => v === opts.value));
    super(controlsModel('Dropdown'), { _options_labels: pairs.map(([l]) => l), index, description: opts.description ?? '', disabled: false } as never);
    this.values = pairs.map(([, v]) => v);
  }
  override get value(): T { return this.values[this.get('index' as never) as number]; }
  override set value(v: T) { const i = this.values.indexOf(v); if (i >= 0) this.set({ index: i } as never); }
  protected override derived(changed: WidgetState): WidgetState {
    return typeof changed.index === 'number' ? { ...changed, value: this.values?.[changed.index] } : changed;
  }
}

/** A button; onClick runs on each click in the front end. @example new Button({ description: 'run' }).onClick(() => ...) */
export class Button extends DOMWidget {
  constructor(opts: Partial<{ description: string; buttonStyle: '' | 'primary' | 'success' | 'info' | 'warning' | 'danger'; icon: string }> = {}) {
    super(controlsModel('Button'), { description: opts.description ?? '', button_style: opts.buttonStyle ?? '', icon: opts.icon ?? '', disabled: false }, 'ButtonStyle');
  }
  /** Calls cb on each click. @example b.onClick(() => console.log('clicked')) */
  onClick(cb: () => void): void { this.onCustom((c) => { if (c.event === 'click') cb(); }); }
}
