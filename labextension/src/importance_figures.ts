/** ImportanceReport → plotly figures: heads (layer × head), neurons (layer × neuron bins), channels, layer scores. Pure. */
import type { Figure, ReportJson } from './mime.js';

/** Columns of a binned matrix. @example const b: Binned = binColumns(m, 4); b.z.length === m.length */
export interface Binned { z: number[][]; x: number[]; binSize: number; labels: string[] }

/**
 * Averages groups of adjacent columns so a row has at most maxCols values (the last bin may be narrower).
 * @example binColumns([[1, 2, 3, 4, 5]], 2) // { z: [[2, 4.5]], x: [0, 3], binSize: 3, labels: ['0–2', '3–4'] }
 */
export function binColumns(m: readonly (readonly number[])[], maxCols: number, agg: 'mean' | 'max' = 'mean'): Binned {
  if (!(maxCols >= 1)) throw new RangeError(`labextension/importance_figures.ts: binColumns maxCols must be >= 1, got ${maxCols}`);
  const width = Math.max(0, ...m.map((r) => r.length));
  const binSize = Math.max(1, Math.ceil(width / maxCols));
  const nBins = Math.ceil(width / binSize);
  const x = Array.from({ length: nBins }, (_, b) => b * binSize);
  const labels = x.map((s) => {
    const e = Math.min(width, s + binSize) - 1;
    return binSize === 1 ? String(s) : `${s}–${e}`;
  });
  const z = m.map((row) => x.map((s) => {
    const part = row.slice(s, s + binSize).filter(Number.isFinite);
    if (part.length === 0) return NaN;
    return agg === 'max' ? Math.max(...part) : part.reduce((a, b) => a + b, 0) / part.length;
  }));
  return { z, x, binSize, labels };
}

/** Options of importanceFigures(). @example importanceFigures(r, { maxNeuronBins: 64 }) */
export interface ImportanceFigureOptions { maxNeuronBins: number; maxChannelBins: number; colorscale: string }

/** Defaults of ImportanceFigureOptions. @example importanceFigures(r, defaultImportanceFigureOptions) */
export const defaultImportanceFigureOptions: ImportanceFigureOptions = { maxNeuronBins: 96, maxChannelBins: 192, colorscale: 'Viridis' };

/** A figure with an id (heads | neurons | channels | layers | blocks) and a caption. @example figs.find((f) => f.id === 'heads') */
export interface NamedFigure extends Figure { id: 'heads' | 'neurons' | 'channels' | 'layers' | 'blocks'; caption: string }

const layerTicks = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function heat(id: NamedFigure['id'], caption: string, z: number[][], x: (number | string)[], xTitle: string, o: ImportanceFigureOptions, hover: string): NamedFigure {
  const rows = z.length;
  return {
    id, caption,
    data: [{ type: 'heatmap', z, x, y: layerTicks(rows), colorscale: o.colorscale, hoverongaps: false, hovertemplate: hover, colorbar: { thickness: 12 } }],
    layout: {
      title: { text: caption, font: { size: 13 } }, height: Math.min(640, 120 + rows * 16), margin: { l: 50, r: 20, t: 36, b: 44 },
      xaxis: { title: { text: xTitle }, type: typeof x[0] === 'string' ? 'category' : 'linear' },
      yaxis: { title: { text: 'layer' }, autorange: 'reversed', dtick: rows > 24 ? 2 : 1 },
    },
    config: { responsive: true, displaylogo: false },
  };
}

/**
 * Figures for every axis present in a report, in order heads, neurons, channels, layers, blocks.
 * @example for (const f of importanceFigures(report)) Plotly.react(div, f.data, f.layout);
 */
export function importanceFigures(r: ReportJson, opts: Partial<ImportanceFigureOptions> = {}): NamedFigure[] {
  const o = { ...defaultImportanceFigureOptions, ...opts };
  const out: NamedFigure[] = [];
  if (r.heads && r.heads.length) {
    const z = r.heads.map((row) => [...row]);
    out.push(heat('heads', `attention heads (${z.length} layers × ${z[0]?.length ?? 0} heads)`, z,
      layerTicks(z[0]?.length ?? 0), 'head', o, 'layer %{y} head %{x}<br>score %{z:.4g}<extra></extra>'));
  }
  if (r.neurons && r.neurons.length) {
    const b = binColumns(r.neurons, o.maxNeuronBins);
    const width = r.neurons[0]?.length ?? 0;
    const cap = `MLP neurons (${r.neurons.length} layers × ${width}${b.binSize > 1 ? `, mean over bins of ${b.binSize}` : ''})`;
    out.push(heat('neurons', cap, b.z, b.labels, b.binSize > 1 ? 'neuron (bin)' : 'neuron', o, 'layer %{y} neurons %{x}<br>score %{z:.4g}<extra></extra>'));
  }
  if (r.channels && r.channels.length) {
    const b = binColumns([r.channels], o.maxChannelBins);
    const cap = `embedding channels (${r.channels.length}${b.binSize > 1 ? `, mean over bins of ${b.binSize}` : ''})`;
    out.push({
      id: 'channels', caption: cap,
      data: [{ type: 'bar', x: b.labels, y: b.z[0], marker: { color: b.z[0], colorscale: o.colorscale }, hovertemplate: 'channels %{x}<br>score %{y:.4g}<extra></extra>' }],
      layout: { title: { text: cap, font: { size: 13 } }, height: 240, margin: { l: 50, r: 20, t: 36, b: 44 }, xaxis: { title: { text: 'channel' }, type: 'category', showticklabels: b.labels.length <= 64 }, yaxis: { title: { text: 'score' } }, bargap: 0.05 },
      config: { responsive: true, displaylogo: false },
    });
  }
  const metrics = Object.keys(r.layers ?? {});
  if (r.layers && metrics.length) {
    const data = metrics.map((m) => ({ type: 'bar', name: m, x: layerTicks(r.layers![m].length), y: [...r.layers![m]], hovertemplate: `layer %{x}<br>${m} %{y:.4g}<extra></extra>` }));
    out.push({
      id: 'layers', caption: `layer importance (${metrics.join(', ')}; higher = more important)`, data,
      layout: { title: { text: `layer importance (${metrics.join(', ')})`, font: { size: 13 } }, height: 280, barmode: 'group', margin: { l: 50, r: 20, t: 36, b: 44 }, xaxis: { title: { text: 'layer' }, dtick: 1 }, yaxis: { title: { text: 'score' } } },
      config: { responsive: true, displaylogo: false },
    });
  }
  if (r.blocks && r.blocks.scores.length) {
    const k = r.blocks.k;
    const x = r.blocks.scores.map((_, i) => `${i}–${i + k - 1}`);
    out.push({
      id: 'blocks', caption: `blocks of ${k} contiguous layers (${r.blocks.metric})`,
      data: [{ type: 'bar', x, y: [...r.blocks.scores], marker: { color: '#9467bd' }, hovertemplate: 'layers %{x}<br>score %{y:.4g}<extra></extra>' }],
      layout: { title: { text: `removing ${k} contiguous layers (${r.blocks.metric})`, font: { size: 13 } }, height: 240, margin: { l: 50, r: 20, t: 36, b: 60 }, xaxis: { type: 'category' } },
      config: { responsive: true, displaylogo: false },
    });
  }
  return out;
}
