/** text/plain and text/html fallbacks for each library object kind. */
import { LOSS_TERMS, LOSS_TERM_NAMES, type ArchPlan, type ImportanceReport, type ModelSpec, type TrainHistory } from '../types.js';
import { paramCount } from '../plan_core/shapes.js';
import { escapeHtml, fmtCount, fmtNum, htmlTable, svgLines, textTable } from './html.js';

/** Fallback renderings of one object. @example const r: Rendered = { text: 'x', html: '<b>x</b>' }; */
export interface Rendered { text: string; html: string }

/** JSON summary of a loaded model. @example const s: ModelSummary = summarizeModel(model); */
export interface ModelSummary {
  kind: 'model-summary';
  dir: string | null;
  spec: ModelSpec;
  numParams: number;
  tensors: { name: string; shape: number[]; dtype: string }[];
}

/** Number of parameters implied by a spec (the plan core's shape-derived count). @example specParamCount(spec) // 134515008 */
export const specParamCount: (s: ModelSpec) => number = paramCount;

const specRows = (s: ModelSpec): string[][] => [
  ['family', s.family], ['layers', String(s.numLayers)], ['hidden', String(s.hiddenSize)],
  ['heads / kv heads', `${s.numHeads} / ${s.numKvHeads}`], ['head dim', String(s.headDim)], ['ffn', String(s.ffnHiddenSize)],
  ['vocab', String(s.vocabSize)], ['activation', `${s.activation} (${s.mlpType})`], ['norm', `${s.normType} eps ${fmtNum(s.normEps)}`],
  ['positions', `${s.positional} max ${s.maxPositions}${s.positional === 'rope' ? ` theta ${s.ropeTheta}` : ''}`],
  ['tied embeddings', String(s.tiedEmbeddings)], ['parameters', fmtCount(specParamCount(s))],
];

/** Renders a ModelSpec as a two-column table. @example renderModelSpec(spec).html */
export function renderModelSpec(s: ModelSpec): Rendered {
  const rows = specRows(s);
  return { text: `ModelSpec\n${textTable(['field', 'value'], rows)}`, html: htmlTable(['field', 'value'], rows, 'ModelSpec') };
}

/** Renders a model summary (spec + tensor count). @example renderModelSummary(summarizeModel(model)).text */
export function renderModelSummary(m: ModelSummary): Rendered {
  const rows = [...specRows(m.spec).filter((r) => r[0] !== 'parameters'),
    ['parameters (loaded)', `${fmtCount(m.numParams)} in ${m.tensors.length} tensors`]];
  if (m.dir) rows.unshift(['dir', m.dir]);
  return { text: `Model\n${textTable(['field', 'value'], rows)}`, html: htmlTable(['field', 'value'], rows, 'Model') };
}

function heatRow(scores: number[], max: number): string {
  return scores.map((v) => {
    const a = max > 0 ? Math.max(0, Math.min(1, v / max)) : 0;
    return `<td title="${escapeHtml(fmtNum(v))}" style="background: rgba(31,119,180,${a.toFixed(2)})">${escapeHtml(fmtNum(v))}</td>`;
  }).join('');
}

function heatTable(name: string, perLayer: number[][]): string {
  const max = Math.max(0, ...perLayer.flat().filter(Number.isFinite));
  const rows = perLayer.map((r, l) => `<tr><th>${l}</th>${heatRow(r, max)}</tr>`).join('');
  return `<table><caption>${escapeHtml(name)} (rows: layers)</caption><tbody>${rows}</tbody></table>`;
}

const stats = (v: number[]): string => v.length === 0 ? '' :
  `min ${fmtNum(Math.min(...v))} mean ${fmtNum(v.reduce((a, b) => a + b, 0) / v.length)} max ${fmtNum(Math.max(...v))}`;

/** Renders an ImportanceReport: a summary table, head heat map, per-layer depth scores. @example renderImportance(report).html */
export function renderImportance(r: ImportanceReport): Rendered {
  const summary: string[][] = [['metric', r.metric], ['aggregation', `${r.aggregation.seq} over seq, ${r.aggregation.batch} over batch`],
    ['samples × seqLen', `${r.samples} × ${r.seqLen}`]];
  if (r.heads) summary.push(['heads', `${r.heads.length} layers × ${r.heads[0]?.length ?? 0}: ${stats(r.heads.flat())}`]);
  if (r.neurons) summary.push(['neurons', `${r.neurons.length} layers × ${r.neurons[0]?.length ?? 0}: ${stats(r.neurons.flat())}`]);
  if (r.channels) summary.push(['channels', `${r.channels.length}: ${stats(r.channels)}`]);
  const depthNames = Object.keys(r.layers ?? {});
  const depthRows = r.layers ? Array.from({ length: Math.max(...Object.values(r.layers).map((v) => v.length)) },
    (_, l) => [String(l), ...depthNames.map((k) => fmtNum(r.layers![k][l]))]) : [];
  let text = `ImportanceReport\n${textTable(['field', 'value'], summary)}`;
  let html = htmlTable(['field', 'value'], summary, 'ImportanceReport');
  if (r.heads) html += heatTable('heads', r.heads);
  if (depthRows.length) {
    text += `\n\nlayers\n${textTable(['layer', ...depthNames], depthRows)}`;
    html += htmlTable(['layer', ...depthNames], depthRows, 'layer importance');
  }
  if (r.blocks) {
    const rows = r.blocks.scores.map((s, i) => [`${i}–${i + r.blocks!.k - 1}`, fmtNum(s)]);
    text += `\n\nblocks of ${r.blocks.k} (${r.blocks.metric})\n${textTable(['layers', 'score'], rows)}`;
    html += htmlTable(['layers', 'score'], rows, `blocks of ${r.blocks.k} (${r.blocks.metric})`);
  }
  return { text, html };
}

/** Renders an ArchPlan: from → target sizes and kept counts per layer. @example renderArchPlan(plan).text */
export function renderArchPlan(p: ArchPlan): Rendered {
  const f = p.from, t = p.target;
  const rows = [['layers', String(f.numLayers), String(t.numLayers)], ['hidden', String(f.hiddenSize), String(t.hiddenSize)],
    ['heads', String(f.numHeads), String(t.numHeads)], ['ffn', String(f.ffnHiddenSize), String(t.ffnHiddenSize)]];
  const layerRows = p.keep.layers.map((l) => [String(l), String(p.keep.heads[l]?.length ?? ''), String(p.keep.neurons[l]?.length ?? '')]);
  const dropped = Array.from({ length: f.numLayers }, (_, i) => i).filter((i) => !p.keep.layers.includes(i));
  const note = `kept channels ${p.keep.channels.length}/${f.hiddenSize}; dropped layers [${dropped.join(', ')}]`;
  return {
    text: `ArchPlan\n${textTable(['', 'from', 'target'], rows)}\n${note}\n\n${textTable(['layer', 'heads kept', 'neurons kept'], layerRows)}`,
    html: htmlTable(['', 'from', 'target'], rows, 'ArchPlan') + `<p>${escapeHtml(note)}</p>` +
      htmlTable(['layer', 'heads kept', 'neurons kept'], layerRows, 'kept per source layer'),
  };
}

/** Renders a TrainHistory: last rows as a table plus an SVG loss curve. @example renderTrainHistory(history).html */
export function renderTrainHistory(h: TrainHistory, maxRows = 10): Rendered {
  const cols = (['step', 'tokens', 'loss', ...LOSS_TERM_NAMES.map((t) => LOSS_TERMS[t].row), 'lr', 'evalLoss', 'tokensPerSec'] as const)
    .filter((c) => h.rows.some((r) => r[c] !== undefined));
  const last = h.rows.slice(-maxRows).map((r) => cols.map((c) => fmtNum(r[c])));
  const series: Record<string, number[]> = { loss: h.rows.map((r) => r.loss) };
  if (h.rows.some((r) => r.evalLoss !== undefined)) series.evalLoss = h.rows.map((r) => r.evalLoss ?? NaN);
  const title = `TrainHistory (${h.rows.length} rows${h.rows.length > maxRows ? `, last ${maxRows} shown` : ''})`;
  return { text: `${title}\n${textTable([...cols], last)}`, html: svgLines(series) + htmlTable([...cols], last, title) };
}
