/** ImportanceReport → plotly figures: heads (layer × head), neurons (layer × neuron bins), channels, layer scores. Pure. */
import type { Figure, ReportJson } from './mime.js';

/** Columns of a binned matrix: x is each bin's centre (numeric, so the axis gets plain horizontal ticks). @example const b: Binned = binColumns(m, 4); b.z.length === m.length */
export interface Binned { z: number[][]; x: number[]; binSize: number; labels: string[] }

/**
 * Averages groups of adjacent columns so a row has at most maxCols values (the last bin may be narrower).
 * @example binColumns([[1, 2, 3, 4, 5]], 2) // { z: [[2, 4.5]], x: [1, 3.5], binSize: 3, labels: ['0–2', '3–4'] }
 */
export function binColumns(m: readonly (readonly number[])[], maxCols: number, agg: 'mean' | 'max' = 'mean'): Binned {
  if (!(maxCols >= 1)) throw new RangeError(`labextension/importance_figures.ts: binColumns maxCols must be >= 1, got ${maxCols}`);
  const width = Math.max(0, ...m.map((r) => r.length));
  const binSize = Math.max(1, Math.ceil(width / maxCols));
  const nBins = Math.ceil(width / binSize);
  const starts = Array.from({ length: nBins }, (_, b) => b * binSize);
  const ends = starts.map((s) => Math.min(width, s + binSize) - 1);
  const labels = starts.map((s, i) => (binSize === 1 ? String(s) : `${s}–${ends[i]}`));
  const z = m.map((row) => starts.map((s) => {
    const part = row.slice(s, s + binSize).filter(Number.isFinite);
    if (part.length === 0) return NaN;
    return agg === 'max' ? Math.max(...part) : part.reduce((a, b) => a + b, 0) / part.length;
  }));
  return { z, x: starts.map((s, i) => (s + ends[i]) / 2), binSize, labels };
}

/** How heatmap colours are scaled: raw scores, each layer divided by its maximum, or log10. @example SCALES[1] // 'layer' */
export const SCALES = ['raw', 'layer', 'log'] as const;
/** One of SCALES. @example const s: Scale = 'log'; */
export type Scale = (typeof SCALES)[number];
/** Labels of SCALES for the toolbar and colour-bar titles. @example SCALE_LABELS.layer */
export const SCALE_LABELS: Record<Scale, string> = { raw: 'raw', layer: 'per layer (÷ layer max)', log: 'log10' };

/**
 * Rescales a layer × unit matrix: 'layer' divides each row by its largest |value| (so one layer's outliers do not
 * flatten the others), 'log' takes log10 of positive values (others become gaps).
 * @example scaleRows([[1, 2], [10, 20]], 'layer') // [[0.5, 1], [0.5, 1]]
 */
export function scaleRows(z: readonly (readonly number[])[], scale: Scale): number[][] {
  if (scale === 'raw') return z.map((r) => [...r]);
  if (scale === 'log') return z.map((r) => r.map((v) => (v > 0 ? Math.log10(v) : NaN)));
  return z.map((r) => {
    const m = Math.max(0, ...r.filter(Number.isFinite).map(Math.abs));
    return r.map((v) => (m > 0 ? v / m : v));
  });
}

/** Options of importanceFigures(). @example importanceFigures(r, { maxNeuronBins: 64, scale: 'log' }) */
export interface ImportanceFigureOptions { maxNeuronBins: number; maxChannelBins: number; colorscale: string; scale: Scale; barColor: string }

/** Defaults of ImportanceFigureOptions (per-layer scale: width pruning ranks units within each layer). @example importanceFigures(r, defaultImportanceFigureOptions) */
export const defaultImportanceFigureOptions: ImportanceFigureOptions = { maxNeuronBins: 96, maxChannelBins: 192, colorscale: 'Viridis', scale: 'layer', barColor: '#7b4fa8' };

/** A figure with an id (heads | neurons | channels | layers | blocks) and a caption. @example figs.find((f) => f.id === 'heads') */
export interface NamedFigure extends Figure { id: 'heads' | 'neurons' | 'channels' | 'layers' | 'blocks'; caption: string }

const layerTicks = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const CONFIG = { responsive: true, displaylogo: false };

/** The colour-bar title: what the score is and how it is scaled. @example scoreTitle(r, 'log') // 'activation score<br>(log10)' */
export function scoreTitle(r: ReportJson, scale: Scale): string {
  const what = `${r.metric ?? 'importance'} score`;
  return scale === 'raw' ? what : `${what}<br>(${SCALE_LABELS[scale]})`;
}

interface HeatSpec { id: NamedFigure['id']; caption: string; z: number[][]; raw: number[][]; x: number[]; labels: string[]; xTitle: string; unit: string }

function heat(h: HeatSpec, r: ReportJson, o: ImportanceFigureOptions): NamedFigure {
  const rows = h.z.length;
  const custom = h.raw.map((row) => row.map((v, j) => [h.labels[j], v]));
  return {
    id: h.id, caption: h.caption,
    data: [{
      type: 'heatmap', z: h.z, x: h.x, y: layerTicks(rows), customdata: custom, colorscale: o.colorscale, hoverongaps: false,
      hovertemplate: `layer %{y} ${h.unit} %{customdata[0]}<br>score %{customdata[1]:.4g}${o.scale === 'raw' ? '' : '<br>shown %{z:.3g}'}<extra></extra>`,
      colorbar: { thickness: 12, title: { text: scoreTitle(r, o.scale), side: 'right' } },
    }],
    layout: {
      title: { text: h.caption, font: { size: 13 } }, height: Math.min(680, 150 + rows * 16), margin: { l: 60, r: 20, t: 36, b: 50 },
      xaxis: { title: { text: h.xTitle, standoff: 6 }, type: 'linear', ticks: 'outside', automargin: true },
      yaxis: { title: { text: 'layer' }, autorange: 'reversed', dtick: rows > 24 ? 2 : 1, ticks: 'outside', automargin: true },
    },
    config: CONFIG,
  };
}

function channelFigure(r: ReportJson, o: ImportanceFigureOptions): NamedFigure {
  const ch = r.channels!;
  const b = binColumns([ch], o.maxChannelBins);
  const cap = `embedding channels (${ch.length}${b.binSize > 1 ? `, mean over bins of ${b.binSize}` : ''})`;
  const y = o.scale === 'log' ? scaleRows(b.z, 'log')[0] : b.z[0];
  return {
    id: 'channels', caption: cap,
    data: [{ type: 'bar', x: b.x, y, customdata: b.labels.map((l, i) => [l, b.z[0][i]]), width: b.binSize * 0.9, marker: { color: o.barColor },
      hovertemplate: 'channels %{customdata[0]}<br>score %{customdata[1]:.4g}<extra></extra>' }],
    layout: {
      title: { text: cap, font: { size: 13 } }, height: 260, margin: { l: 60, r: 20, t: 36, b: 50 },
      xaxis: { title: { text: b.binSize > 1 ? `channel (bins of ${b.binSize})` : 'channel', standoff: 6 }, type: 'linear', ticks: 'outside', showticklabels: true, automargin: true },
      yaxis: { title: { text: o.scale === 'log' ? `${r.metric ?? 'importance'} score (log10)` : `${r.metric ?? 'importance'} score` }, automargin: true }, bargap: 0.05,
    },
    config: CONFIG,
  };
}

function depthFigures(r: ReportJson, o: ImportanceFigureOptions): NamedFigure[] {
  const out: NamedFigure[] = [];
  const metrics = Object.keys(r.layers ?? {});
  if (r.layers && metrics.length) {
    const data = metrics.map((m) => ({ type: 'bar', name: m, x: layerTicks(r.layers![m].length), y: [...r.layers![m]], hovertemplate: `layer %{x}<br>${m} %{y:.4g}<extra></extra>` }));
    out.push({
      id: 'layers', caption: `layer importance (${metrics.join(', ')}; higher = more important)`, data,
      layout: { title: { text: `layer importance (${metrics.join(', ')})`, font: { size: 13 } }, height: 280, barmode: 'group', margin: { l: 60, r: 20, t: 36, b: 44 }, xaxis: { title: { text: 'layer' }, dtick: 1 }, yaxis: { title: { text: 'score' } } },
      config: CONFIG,
    });
  }
  if (r.blocks && r.blocks.scores.length) {
    const k = r.blocks.k;
    const x = r.blocks.scores.map((_, i) => `${i}–${i + k - 1}`);
    out.push({
      id: 'blocks', caption: `blocks of ${k} contiguous layers (${r.blocks.metric})`,
      data: [{ type: 'bar', x, y: [...r.blocks.scores], marker: { color: o.barColor }, hovertemplate: 'layers %{x}<br>score %{y:.4g}<extra></extra>' }],
      layout: { title: { text: `removing ${k} contiguous layers (${r.blocks.metric})`, font: { size: 13 } }, height: 260, margin: { l: 60, r: 20, t: 36, b: 60 }, xaxis: { type: 'category', title: { text: 'removed layers' } }, yaxis: { title: { text: r.blocks.metric } } },
      config: CONFIG,
    });
  }
  return out;
}

/**
 * Figures for every axis present in a report, in order heads, neurons, channels, layers, blocks; heatmap colours
 * scaled by `scale` (raw, per layer, log10), colour bars titled with the metric and the scale.
 * @example for (const f of importanceFigures(report, { scale: 'log' })) Plotly.react(div, f.data, f.layout);
 */
export function importanceFigures(r: ReportJson, opts: Partial<ImportanceFigureOptions> = {}): NamedFigure[] {
  const o = { ...defaultImportanceFigureOptions, ...opts };
  const out: NamedFigure[] = [];
  if (r.heads && r.heads.length) {
    const raw = r.heads.map((row) => [...row]);
    const n = raw[0]?.length ?? 0;
    out.push(heat({ id: 'heads', caption: `attention heads (${raw.length} layers × ${n} heads)`, z: scaleRows(raw, o.scale), raw, x: layerTicks(n), labels: layerTicks(n).map(String), xTitle: 'head', unit: 'head' }, r, o));
  }
  if (r.neurons && r.neurons.length) {
    const b = binColumns(r.neurons, o.maxNeuronBins);
    const width = r.neurons[0]?.length ?? 0;
    const cap = `MLP neurons (${r.neurons.length} layers × ${width}${b.binSize > 1 ? `, mean over bins of ${b.binSize}` : ''})`;
    out.push(heat({ id: 'neurons', caption: cap, z: scaleRows(b.z, o.scale), raw: b.z, x: b.x, labels: b.labels, xTitle: b.binSize > 1 ? `neuron (bins of ${b.binSize})` : 'neuron', unit: b.binSize > 1 ? 'neurons' : 'neuron' }, r, o));
  }
  if (r.channels && r.channels.length) out.push(channelFigure(r, o));
  out.push(...depthFigures(r, o));
  return out;
}
