/**
 * MIME types the extension renders and the JSON shapes it reads. ModelSpec, ArchPlan and the MIME/comm contract come
 * from the library's dependency-free plan core (src/plan_core, bundled into this extension); the figure payloads
 * name only the fields the UI uses. Pure: no DOM, no JupyterLab imports (unit-tested under Node).
 */
import { minitronMime, PLAN_MIME } from '../../src/plan_core/index.js';
import type { ArchPlan, ModelSpec } from '../../src/plan_core/index.js';

/** MIME type of a library object's JSON payload (the plan core's minitronMime). @example mimeOf('arch-plan') // 'application/vnd.minitron.arch-plan+json' */
export const mimeOf: (kind: string) => string = minitronMime;

/** The MIME types rendered by this extension. @example MIME.plan */
export const MIME = {
  trainHistory: mimeOf('train-history'),
  importance: mimeOf('importance-report'),
  plan: PLAN_MIME,
  comparison: mimeOf('comparison'),
  plotly: 'application/vnd.plotly.v1+json',
} as const;

/** One training log row. @example const r: RowJson = { step: 1, tokens: 64, loss: 3.2, lr: 1e-3 }; */
export interface RowJson {
  readonly step: number; readonly tokens?: number; readonly loss: number; readonly kl?: number; readonly ce?: number;
  readonly is?: number; readonly lr?: number; readonly evalLoss?: number; readonly tokensPerSec?: number;
}

/** A TrainHistory as JSON (totalSteps / elapsedSec when the kernel knows them: the header's step i/N, elapsed, ETA). @example const h: HistoryJson = { kind: 'train-history', rows: [] }; */
export interface HistoryJson { readonly kind: 'train-history'; readonly rows: readonly RowJson[]; readonly totalSteps?: number; readonly elapsedSec?: number }

/** One named run of a comparison (its loss rows and its results row). @example const r: RunJson = { name: 'kd', rows: [], params: 1e8 }; */
export interface RunJson {
  readonly name: string;
  readonly rows: readonly RowJson[];
  readonly params?: number | null;
  readonly perplexity?: number | null;
  readonly deltaVsTeacher?: number | null;
  readonly tokens?: number | null;
  readonly timeSec?: number | null;
  readonly teacher?: boolean;
}

/** A run comparison as JSON (mt.compare). @example const c: ComparisonJson = { kind: 'comparison', runs: [] }; */
export interface ComparisonJson { readonly kind: 'comparison'; readonly runs: readonly RunJson[] }

/** An ImportanceReport as JSON. @example const r: ReportJson = model.data[MIME.importance] as ReportJson; */
export interface ReportJson {
  readonly kind: 'importance-report';
  readonly spec?: ModelSpec;
  readonly metric?: string;
  readonly aggregation?: { readonly seq: string; readonly batch: string };
  readonly samples?: number;
  readonly seqLen?: number;
  readonly heads?: readonly (readonly number[])[];
  readonly neurons?: readonly (readonly number[])[];
  readonly channels?: readonly number[];
  readonly layers?: Readonly<Record<string, readonly number[]>>;
  readonly blocks?: { readonly k: number; readonly metric: string; readonly scores: readonly number[] };
}

/** A plotly figure as plain JSON (what Plotly.react takes). @example const f: Figure = { data: [], layout: {} }; */
export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
  frames?: Record<string, unknown>[];
}

/** Thrown when a payload does not have the expected shape. @example throw new PayloadError(MIME.plan, 'keep.layers', 'an array of layer indices'); */
export class PayloadError extends Error {
  constructor(mime: string, field: string, expected: string) {
    super(`labextension/mime.ts: ${mime} payload field '${field}': expected ${expected}`);
    this.name = 'PayloadError';
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumArr = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number');

/** Checks a train-history payload. @example asHistory(model.data[MIME.trainHistory]) */
export function asHistory(x: unknown): HistoryJson {
  if (!isObj(x)) throw new PayloadError(MIME.trainHistory, '(root)', 'a JSON object');
  if (!Array.isArray(x.rows)) throw new PayloadError(MIME.trainHistory, 'rows', 'an array of {step, loss, ...}');
  x.rows.forEach((r, i) => {
    if (!isObj(r) || typeof r.step !== 'number') throw new PayloadError(MIME.trainHistory, `rows[${i}].step`, 'a number');
  });
  return x as unknown as HistoryJson;
}

/** Checks a comparison payload. @example asComparison(model.data[MIME.comparison]) */
export function asComparison(x: unknown): ComparisonJson {
  if (!isObj(x)) throw new PayloadError(MIME.comparison, '(root)', 'a JSON object');
  if (!Array.isArray(x.runs)) throw new PayloadError(MIME.comparison, 'runs', 'an array of { name, rows, … }');
  x.runs.forEach((r, i) => {
    if (!isObj(r) || typeof r.name !== 'string') throw new PayloadError(MIME.comparison, `runs[${i}].name`, 'a string');
    if (!Array.isArray(r.rows)) throw new PayloadError(MIME.comparison, `runs[${i}].rows`, 'an array of {step, loss, ...}');
  });
  return x as unknown as ComparisonJson;
}

/** Checks an importance-report payload. @example asReport(model.data[MIME.importance]) */
export function asReport(x: unknown): ReportJson {
  if (!isObj(x)) throw new PayloadError(MIME.importance, '(root)', 'a JSON object');
  for (const k of ['heads', 'neurons'] as const) {
    const v = x[k];
    if (v !== undefined && !(Array.isArray(v) && v.every(isNumArr))) throw new PayloadError(MIME.importance, k, 'number[][] (layer × unit)');
  }
  if (x.channels !== undefined && !isNumArr(x.channels)) throw new PayloadError(MIME.importance, 'channels', 'number[]');
  if (x.layers !== undefined && !(isObj(x.layers) && Object.values(x.layers).every(isNumArr))) {
    throw new PayloadError(MIME.importance, 'layers', 'Record<metric, number[]>');
  }
  return x as unknown as ReportJson;
}

const SPEC_NUMBERS = ['numLayers', 'numHeads', 'numKvHeads', 'hiddenSize', 'ffnHiddenSize', 'headDim', 'vocabSize', 'maxPositions'] as const;
const SPEC_FLAGS = ['tiedEmbeddings', 'qkvBias', 'oBias', 'mlpBias'] as const;
const SPEC_NAMES = ['family', 'mlpType', 'normType', 'positional'] as const;

/** Checks the ModelSpec fields that parameter counts read. */
function checkSpec(from: unknown): void {
  if (!isObj(from)) throw new PayloadError(MIME.plan, 'from', 'a ModelSpec object');
  for (const k of SPEC_NUMBERS) if (typeof from[k] !== 'number') throw new PayloadError(MIME.plan, `from.${k}`, 'a number');
  for (const k of SPEC_FLAGS) if (typeof from[k] !== 'boolean') throw new PayloadError(MIME.plan, `from.${k}`, 'a boolean');
  for (const k of SPEC_NAMES) if (typeof from[k] !== 'string') throw new PayloadError(MIME.plan, `from.${k}`, 'a string');
}

/** Checks an arch-plan payload (shape only; planProblems() checks consistency). @example asPlan(model.data[MIME.plan]) */
export function asPlan(x: unknown): ArchPlan {
  if (!isObj(x)) throw new PayloadError(MIME.plan, '(root)', 'a JSON object');
  const target = x.target, keep = x.keep;
  checkSpec(x.from);
  if (!isObj(target)) throw new PayloadError(MIME.plan, 'target', 'an object of target sizes');
  for (const k of ['numLayers', 'numHeads', 'hiddenSize', 'ffnHiddenSize']) {
    if (typeof target[k] !== 'number') throw new PayloadError(MIME.plan, `target.${k}`, 'a number');
  }
  if (!isObj(keep)) throw new PayloadError(MIME.plan, 'keep', 'an object of kept indices');
  if (!Array.isArray(keep.heads) || !keep.heads.every(isNumArr)) throw new PayloadError(MIME.plan, 'keep.heads', 'number[][] (per source layer)');
  if (!Array.isArray(keep.neurons) || !keep.neurons.every(isNumArr)) throw new PayloadError(MIME.plan, 'keep.neurons', 'number[][] (per source layer)');
  if (!isNumArr(keep.channels)) throw new PayloadError(MIME.plan, 'keep.channels', 'number[]');
  if (!isNumArr(keep.layers)) throw new PayloadError(MIME.plan, 'keep.layers', 'number[]');
  return x as unknown as ArchPlan;
}
