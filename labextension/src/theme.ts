/**
 * JupyterLab theme → plotly, the pure part: palettes, colour parsing and contrast, and applyTheme (fonts, text
 * colours, grid of a figure). Reading the `--jp-*` variables and following theme changes is theme_dom.ts.
 */
import type { Figure } from './mime.js';

/** Colours of the plotted series, by role. @example palette.loss */
export interface SeriesPalette { loss: string; kl: string; ce: string; is: string; evalLoss: string; lr: string; runs: readonly string[] }

/** Series colours for light backgrounds (plotly's defaults, darkened where they lack contrast). @example LIGHT_PALETTE.loss */
export const LIGHT_PALETTE: SeriesPalette = {
  loss: '#1f5fa8', kl: '#d35400', ce: '#238b45', is: '#7b4fa8', evalLoss: '#c0392b', lr: '#6b6b6b',
  runs: ['#1f5fa8', '#d35400', '#238b45', '#c0392b', '#7b4fa8', '#8c564b', '#d6338a', '#4d4d4d'],
};

/** Series colours for dark backgrounds (lighter tints with contrast on near-black). @example DARK_PALETTE.loss */
export const DARK_PALETTE: SeriesPalette = {
  loss: '#6cb6ff', kl: '#ffab5c', ce: '#6fdc8c', is: '#c9a0ff', evalLoss: '#ff7b72', lr: '#b8b8b8',
  runs: ['#6cb6ff', '#ffab5c', '#6fdc8c', '#ff7b72', '#c9a0ff', '#d9a38a', '#ff8ccf', '#d0d0d0'],
};

/** What a figure needs from the lab theme. @example const t: PlotTheme = readTheme(node); */
export interface PlotTheme {
  /** Primary text (titles, tick labels, legend). */
  font: string;
  /** Secondary text (hints). */
  muted: string;
  fontFamily: string;
  fontSize: number;
  /** Gridlines and zero lines. */
  grid: string;
  /** Axis lines. */
  line: string;
  /** Background behind the figure (hover labels). */
  bg: string;
  dark: boolean;
  palette: SeriesPalette;
}

/** The light theme's values (used outside a browser and when a variable is missing). @example applyTheme(fig, DEFAULT_THEME) */
export const DEFAULT_THEME: PlotTheme = {
  font: 'rgba(0, 0, 0, 0.87)', muted: 'rgba(0, 0, 0, 0.54)', fontFamily: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  fontSize: 12, grid: '#e0e0e0', line: '#bdbdbd', bg: '#ffffff', dark: false, palette: LIGHT_PALETTE,
};

/**
 * Parses a CSS colour (#rgb, #rrggbb, #rrggbbaa, rgb(), rgba(), white/black/transparent) into [r, g, b, a] (0–255, alpha 0–1), or null.
 * @example parseColor('rgba(255, 255, 255, 0.7)') // [255, 255, 255, 0.7]
 */
export function parseColor(c: string): [number, number, number, number] | null {
  const s = c.trim().toLowerCase();
  const named: Record<string, [number, number, number, number]> = { white: [255, 255, 255, 1], black: [0, 0, 0, 1], transparent: [0, 0, 0, 0] };
  if (named[s]) return named[s];
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return null;
    const v = (i: number): number => parseInt(h.slice(i, i + 2), 16);
    return [v(0), v(2), v(4), h.length === 8 ? v(6) / 255 : 1];
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (!fn) return null;
  const parts = fn[1].split(/[\s,/]+/).filter(Boolean).map((x) => (x.endsWith('%') ? Number(x.slice(0, -1)) / 100 : Number(x)));
  if (parts.length < 3 || parts.some((x) => !Number.isFinite(x))) return null;
  return [parts[0], parts[1], parts[2], parts[3] ?? 1];
}

/** Relative luminance (WCAG) of an opaque colour. @example luminance([255, 255, 255]) // 1 */
export function luminance(rgb: readonly number[]): number {
  const ch = (v: number): number => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * ch(rgb[0]) + 0.7152 * ch(rgb[1]) + 0.0722 * ch(rgb[2]);
}

/** `fg` (with its alpha) composited over an opaque `bg`. @example over([0, 0, 0, 0.5], [255, 255, 255, 1]) // [127.5, 127.5, 127.5, 1] */
export function over(fg: readonly number[], bg: readonly number[]): [number, number, number, number] {
  const a = fg[3] ?? 1;
  return [fg[0] * a + bg[0] * (1 - a), fg[1] * a + bg[1] * (1 - a), fg[2] * a + bg[2] * (1 - a), 1];
}

/** WCAG contrast ratio (1–21) of a text colour (alpha composited) over a background. @example contrastRatio('#000', '#fff') // 21 */
export function contrastRatio(fg: string, bg: string): number {
  const b = parseColor(bg) ?? [255, 255, 255, 1];
  const f = parseColor(fg) ?? [0, 0, 0, 1];
  const lf = luminance(over(f, b)), lb = luminance(b);
  return (Math.max(lf, lb) + 0.05) / (Math.min(lf, lb) + 0.05);
}

const isAxisKey = (k: string): boolean => /^[xy]axis\d*$/.test(k);
type Obj = Record<string, unknown>;
const asObj = (x: unknown): Obj => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : {});

/** An axis with theme colours; the figure's own settings win. */
function themedAxis(a: unknown, t: PlotTheme): Obj {
  const ax = asObj(a);
  const title = typeof ax.title === 'string' ? { text: ax.title } : asObj(ax.title);
  return {
    gridcolor: t.grid, zerolinecolor: t.grid, linecolor: t.line, tickcolor: t.line, automargin: true, ...ax,
    tickfont: { color: t.font, ...asObj(ax.tickfont) },
    title: { ...title, font: { color: t.font, ...asObj(title.font) } },
  };
}

/** A colour bar of a heatmap/bar trace with theme text colours. */
function themedTrace(d: Obj, t: PlotTheme): Obj {
  const out: Obj = { ...d };
  if (d.colorbar || d.type === 'heatmap') {
    const cb = asObj(d.colorbar), title = asObj(cb.title);
    out.colorbar = { outlinecolor: t.line, ...cb, tickfont: { color: t.font, ...asObj(cb.tickfont) }, title: { ...title, font: { color: t.font, ...asObj(title.font) } } };
  }
  return out;
}

/**
 * The figure with the theme's fonts, text colours, grid and transparent backgrounds (the figure's own settings win).
 * @example const fig = applyTheme(lossFigure(h), readTheme(div)); Plotly.react(div, fig.data, fig.layout);
 */
export function applyTheme(fig: Figure, t: PlotTheme): Figure {
  const l = fig.layout;
  const title = typeof l.title === 'string' ? { text: l.title } : asObj(l.title);
  const layout: Obj = {
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', ...l,
    font: { family: t.fontFamily, size: t.fontSize, color: t.font, ...asObj(l.font) },
    legend: { ...asObj(l.legend), font: { color: t.font, ...asObj(asObj(l.legend).font) } },
    hoverlabel: { bgcolor: t.bg, bordercolor: t.line, font: { color: t.font }, ...asObj(l.hoverlabel) },
    modebar: { bgcolor: 'rgba(0,0,0,0)', color: t.muted, activecolor: t.font, ...asObj(l.modebar) },
  };
  if (Object.keys(title).length) layout.title = { ...title, font: { color: t.font, ...asObj(title.font) } };
  for (const k of Object.keys(layout)) if (isAxisKey(k)) layout[k] = themedAxis(layout[k], t);
  if (!('xaxis' in layout)) layout.xaxis = themedAxis(undefined, t);
  if (!('yaxis' in layout)) layout.yaxis = themedAxis(undefined, t);
  return { ...fig, data: fig.data.map((d) => themedTrace(d, t)), layout };
}
