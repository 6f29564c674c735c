/**
 * Object → MIME bundle dispatch for library objects (pure: no Jupyter, no DOM).
 * A bundle maps MIME types to payloads; JSON types (`*json`) carry JSON objects, never strings.
 */
import type { ArchPlan, ImportanceReport, ModelSpec, TrainHistory } from '../types.js';
import { minitronMime } from '../plan_core/comm.js';
import { renderArchPlan, renderImportance, renderModelSpec, renderModelSummary, renderTrainHistory } from './renderers.js';
import type { ModelSummary, Rendered } from './renderers.js';
import type { Stamp } from '../io/stamp.js';
import { renderStamp } from './stamp_render.js';
import { renderComparison } from './compare.js';
import type { Comparison } from './compare.js';

/** A Jupyter MIME bundle. @example const b: MimeBundle = { 'text/plain': 'hi' }; */
export type MimeBundle = Record<string, unknown>;

/** The kinds of library objects that have a rich display (the `kind` field of the JSON objects, plus model-spec). */
export const DISPLAY_KINDS = ['model-spec', 'model-summary', 'importance-report', 'arch-plan', 'train-history', 'stamp', 'comparison'] as const;

/** One of DISPLAY_KINDS. @example const k: DisplayKind = 'arch-plan'; */
export type DisplayKind = (typeof DISPLAY_KINDS)[number];

const TAGGED_KINDS: ReadonlySet<string> = new Set(DISPLAY_KINDS.filter((k) => k !== 'model-spec'));

/** MIME type of a library object's JSON payload. @example mimeTypeOf('arch-plan') // 'application/vnd.minitron.arch-plan+json' */
export function mimeTypeOf(kind: DisplayKind): string {
  return minitronMime(kind);
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** True for a ModelSpec-shaped object. @example isModelSpec(spec) // true */
export function isModelSpec(x: unknown): x is ModelSpec {
  return isObj(x) && typeof x.family === 'string' && typeof x.hiddenSize === 'number' &&
    typeof x.numLayers === 'number' && typeof x.numHeads === 'number' && typeof x.vocabSize === 'number';
}

/** True for a loaded model ({ spec, params }), shown as a model summary. @example isModelSummaryLike(await loadModel(dir)) */
export function isModelSummaryLike(x: unknown): x is { spec: ModelSpec; params: Record<string, { shape: number[]; dtype?: string }>; dir?: string } {
  return isObj(x) && isModelSpec(x.spec) && isObj(x.params) &&
    Object.values(x.params).every((t) => isObj(t) && Array.isArray((t as { shape?: unknown }).shape));
}

/** The display kind of a library object, or null. @example displayKindOf({ kind: 'train-history', rows: [] }) // 'train-history' */
export function displayKindOf(x: unknown): DisplayKind | null {
  if (!isObj(x)) return null;
  if (typeof x.kind === 'string' && TAGGED_KINDS.has(x.kind)) return x.kind as DisplayKind;
  if (isModelSpec(x)) return 'model-spec';
  if (isModelSummaryLike(x)) return 'model-summary';
  return null;
}

/** True when every key of x looks like a MIME type (a ready-made bundle). @example isMimeBundleLike({ 'text/html': '<b>x</b>' }) // true */
export function isMimeBundleLike(x: unknown): x is MimeBundle {
  if (!isObj(x)) return false;
  const keys = Object.keys(x);
  return keys.length > 0 && keys.every((k) => /^[a-z]+\/[a-z0-9.+_-]+$/i.test(k));
}

/** Makes JSON MIME payloads JSON objects (parses strings) so front ends such as plotly get objects. @example normalizeBundle({ 'application/json': '{"a":1}' }) */
export function normalizeBundle(bundle: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, v] of Object.entries(bundle)) {
    if (/json$/i.test(mime) && typeof v === 'string') {
      try { out[mime] = JSON.parse(v); } catch { out[mime] = v; }
    } else out[mime] = v;
  }
  return out;
}

/** Summary of a loaded model (param count, tensors), JSON-safe. @example summarizeModel(model).numParams */
export function summarizeModel(x: { spec: ModelSpec; params: Record<string, { shape: number[]; dtype?: string }>; dir?: string }): ModelSummary {
  const tensors = Object.entries(x.params).map(([name, t]) => ({ name, shape: [...t.shape], dtype: t.dtype ?? 'float32' }));
  const numParams = tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  return { kind: 'model-summary', dir: x.dir ?? null, spec: x.spec, numParams, tensors };
}

function plain(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x === undefined) return 'undefined';
  if (typeof x === 'function') return `[Function ${x.name || 'anonymous'}]`;
  if (typeof x === 'bigint') return `${x}n`;
  try {
    const s = JSON.stringify(x, null, 2);
    return s === undefined ? String(x) : s;
  } catch { return String(x); }
}

/** The JSON of a training history: rows plus the run facts the loss plot's header reads (a DistillResult's weights are left out). */
function historyJson(h: TrainHistory & { totalSteps?: unknown; elapsedSec?: unknown }): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: 'train-history', rows: h.rows };
  if (typeof h.totalSteps === 'number') out.totalSteps = h.totalSteps;
  if (typeof h.elapsedSec === 'number') out.elapsedSec = h.elapsedSec;
  return out;
}

/** The first standalone <svg> figure of an HTML fallback, if any: kept as image/svg+xml, the static image that GitHub and nbviewer show. */
function svgFigure(html: string): string | null {
  const m = /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*?<\/svg>/.exec(html);
  return m ? m[0] : null;
}

function rendered(kind: DisplayKind, json: unknown, r: Rendered): MimeBundle {
  const b: MimeBundle = { [mimeTypeOf(kind)]: JSON.parse(JSON.stringify(json)), 'text/plain': r.text, 'text/html': r.html };
  const svg = svgFigure(r.html);
  if (svg !== null) b['image/svg+xml'] = svg;
  return b;
}

/**
 * MIME bundle for a value: library objects get `application/vnd.minitron.<kind>+json` plus text/plain and text/html
 * fallbacks; ready-made bundles pass through (JSON types parsed); anything else gets text/plain.
 * @example toMimeBundle(plan)['application/vnd.minitron.arch-plan+json']
 */
export function toMimeBundle(x: unknown): MimeBundle {
  const kind = displayKindOf(x);
  switch (kind) {
    case 'model-spec': return rendered(kind, x, renderModelSpec(x as ModelSpec));
    case 'model-summary': {
      const s = (x as { kind?: unknown }).kind === 'model-summary' ? (x as ModelSummary) : summarizeModel(x as Parameters<typeof summarizeModel>[0]);
      return rendered(kind, s, renderModelSummary(s));
    }
    case 'importance-report': return rendered(kind, x, renderImportance(x as ImportanceReport));
    case 'arch-plan': return rendered(kind, x, renderArchPlan(x as ArchPlan));
    case 'train-history': return rendered(kind, historyJson(x as TrainHistory), renderTrainHistory(x as TrainHistory));
    case 'stamp': return rendered(kind, x, renderStamp(x as Stamp));
    case 'comparison': return rendered(kind, x, renderComparison(x as Comparison));
    default: break;
  }
  if (isMimeBundleLike(x)) return normalizeBundle(x);
  return { 'text/plain': plain(x) };
}
