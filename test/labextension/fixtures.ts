/** Deterministic sample payloads (SmolLM2-135M-shaped) and a notebook with saved minitron outputs, for the lab extension tests. */
import { fullPlan, setTarget } from '../../labextension/src/plan_model.js';
import { Rng } from '../../src/data/rng.js';
import type { HistoryJson, ReportJson } from '../../labextension/src/mime.js';
import type { ArchPlan, ModelSpec } from '../../src/plan_core/index.js';
import { compare } from '../../src/display/compare.js';
import type { Comparison } from '../../src/display/compare.js';
import { toMimeBundle } from '../../src/display/mime.js';
import type { TrainHistory } from '../../src/types.js';

/** SmolLM2-135M's shape (llama, 30 layers, 9 heads / 3 KV heads). */
export const smolSpec: ModelSpec = {
  family: 'llama', vocabSize: 49152, hiddenSize: 576, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64, ffnHiddenSize: 1536,
  activation: 'silu', mlpType: 'gated', normType: 'rmsnorm', normEps: 1e-5, positional: 'rope', ropeTheta: 100000, ropeScaling: null,
  maxPositions: 8192, tiedEmbeddings: true, qkvBias: false, oBias: false, mlpBias: false, slidingWindow: null, bosTokenId: 1, eosTokenId: 2,
};

/** Seeded uniform [0, 1) generator: mulberry32 started at `seed` (src/data/rng.ts). */
export function rng(seed: number): () => number {
  const gen = Rng.fromState(seed >>> 0);
  return () => gen.next();
}

/** An importance report with structured synthetic scores. */
export function sampleReport(s: ModelSpec = smolSpec): ReportJson {
  const r = rng(7);
  const L = s.numLayers;
  return {
    kind: 'importance-report', spec: s, metric: 'activation', aggregation: { seq: 'mean', batch: 'l2' }, samples: 32, seqLen: 128,
    heads: Array.from({ length: L }, (_, l) => Array.from({ length: s.numHeads }, (_, h) => 1 + Math.sin(l / 3 + h) * 0.5 + r() * 0.3)),
    neurons: Array.from({ length: L }, (_, l) => Array.from({ length: s.ffnHiddenSize }, (_, n) => (l + 1) / L + Math.abs(Math.sin(n / 50)) + r() * 0.2)),
    channels: Array.from({ length: s.hiddenSize }, (_, c) => (c % 97 === 0 ? 8 : 1) + r()),
    layers: { ppl: Array.from({ length: L }, (_, l) => (l === 0 || l === L - 1 ? 5 : 1) + r()), bi: Array.from({ length: L }, (_, l) => 0.05 + (l < 3 ? 0.3 : 0) + r() * 0.05) },
  };
}

/** A plan chosen from the sample report's scores: 26 layers, hidden 512, 6 heads, ffn 1024. */
export function samplePlan(s: ModelSpec = smolSpec): ArchPlan {
  const rep = sampleReport(s);
  const scores = { heads: rep.heads as number[][], neurons: rep.neurons as number[][], channels: rep.channels as number[], layers: rep.layers!.ppl as number[] };
  let p = fullPlan(s);
  p = setTarget(p, 'numHeads', 6, scores);
  p = setTarget(p, 'ffnHiddenSize', 1024, scores);
  p = setTarget(p, 'hiddenSize', 512, scores);
  p = setTarget(p, 'numLayers', 26, scores);
  return p;
}

/** A distillation log: 200 steps, eval every 20. */
export function sampleHistory(n = 200): HistoryJson {
  const r = rng(3);
  const rows = Array.from({ length: n }, (_, i) => {
    const step = i + 1;
    const kl = 2.2 * Math.exp(-step / 60) + 0.35 + r() * 0.08;
    const ce = 3.1 * Math.exp(-step / 80) + 2.4 + r() * 0.1;
    return { step, tokens: step * 4096, tokensPerSec: 2048 + 200 * Math.sin(step / 7), loss: kl, kl, ce, lr: 1e-4 * (step < 20 ? step / 20 : 0.5 * (1 + Math.cos(Math.PI * (step - 20) / (n - 20)))), ...(step % 20 === 0 ? { evalLoss: kl + 0.1 } : {}) };
  });
  return { kind: 'train-history', rows, totalSteps: 2 * n, elapsedSec: n * 2 };
}

const out = (mime: string, payload: unknown, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  output_type: 'display_data', data: { [mime]: payload, 'text/plain': text, 'text/html': `<pre>${text}</pre>` }, metadata: extra,
});

/** Python code that registers a 'minitron.plan' comm target echoing the plan back (stands in for mt.planEditor in the UI test). */
export const PY_ECHO_TARGET = [
  'from comm import get_comm_manager',
  'def _minitron_plan(comm, msg):',
  '    d = msg["content"]["data"]',
  '    comm.send({"ok": True, "plan": d["plan"], "editorId": d.get("editorId")})',
  '    comm.close()',
  'get_comm_manager().register_target("minitron.plan", _minitron_plan)',
  'print("target registered")',
].join('\n');

/** Python code that shows a train-history with a display id, then replaces it (update_display_data) with 3 rows. */
export const PY_LIVE_UPDATE = [
  'import time',
  'from IPython.display import display, update_display',
  'M = "application/vnd.minitron.train-history+json"',
  'rows = [{"step": s, "tokens": 64 * s, "loss": 3.0 / s, "lr": 1e-3} for s in (1, 2, 3)]',
  'display({M: {"kind": "train-history", "rows": rows[:1]}, "text/plain": "1 row"}, raw=True, display_id="mt-live")',
  'time.sleep(1.0)',
  'update_display({M: {"kind": "train-history", "rows": rows}, "text/plain": "3 rows"}, raw=True, display_id="mt-live")',
].join('\n');

/** An nbformat 4 notebook whose saved outputs use every minitron MIME type (and plotly's). */
export function demoNotebook(): Record<string, unknown> {
  let n = 0;
  const cell = (source: string, outputs: Record<string, unknown>[]): Record<string, unknown> => ({ id: `cell-${n++}`, cell_type: 'code', execution_count: null, metadata: {}, source, outputs });
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    cells: [
      cell(PY_ECHO_TARGET, []),
      cell('mt.liveLoss()', [out('application/vnd.minitron.train-history+json', sampleHistory(), 'TrainHistory (200 rows)')]),
      cell('report', [out('application/vnd.minitron.importance-report+json', sampleReport(), 'ImportanceReport')]),
      cell('mt.planEditor(plan)', [out('application/vnd.minitron.arch-plan+json', samplePlan(), 'ArchPlan',
        { 'application/vnd.minitron.arch-plan+json': { editorId: 'ed-test-1', scores: { heads: sampleReport().heads } } })]),
      cell(PY_LIVE_UPDATE, []),
      cell('plotly', [{ output_type: 'display_data', metadata: {}, data: { 'application/vnd.plotly.v1+json': { data: [{ type: 'bar', x: ['a', 'b', 'c'], y: [3, 1, 2] }], layout: { title: { text: 'plotly bundle' }, height: 260 } }, 'text/plain': 'plotly figure' } }]),
    ],
  };
}

/** Three named runs through the library's own mt.compare (teacher row, two students with curves and evals). */
export function sampleComparison(): Comparison {
  const h = (n: number, scale: number): TrainHistory => {
    const s = sampleHistory(n);
    return { ...s, rows: s.rows.map((r) => ({ ...r, loss: r.loss * scale, ...(r.evalLoss !== undefined ? { evalLoss: r.evalLoss * scale } : {}) })) } as unknown as TrainHistory;
  };
  return compare({
    teacher: { perplexity: 12.1, params: 134_515_008 },
    'kd (logits)': { history: h(120, 1), perplexity: 14.02, params: 98_200_000 },
    'kd + ce': { history: h(120, 1.15), perplexity: 13.6, params: 98_200_000, timeSec: 250 },
  });
}

/** A notebook whose saved outputs show every figure kind, a linked plan editor, a comparison and a plain (read-only) plan. */
export function themeNotebook(): Record<string, unknown> {
  let n = 0;
  const cell = (source: string, outputs: Record<string, unknown>[]): Record<string, unknown> => ({ id: `cell-${n++}`, cell_type: 'code', execution_count: null, metadata: {}, source, outputs });
  const bundle = (x: unknown, metadata: Record<string, unknown> = {}): Record<string, unknown> => ({ output_type: 'display_data', data: toMimeBundle(x), metadata });
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    cells: [
      cell('mt.liveLoss()', [out('application/vnd.minitron.train-history+json', sampleHistory(), 'TrainHistory (200 rows)')]),
      cell('report', [out('application/vnd.minitron.importance-report+json', sampleReport(), 'ImportanceReport')]),
      cell('mt.compare({ teacher, kd, kdCe })', [bundle(sampleComparison())]),
      cell('mt.planEditor(plan)', [out('application/vnd.minitron.arch-plan+json', samplePlan(), 'ArchPlan',
        { 'application/vnd.minitron.arch-plan+json': { editorId: 'ed-test-2', scores: { heads: sampleReport().heads } } })]),
      cell('plan', [bundle(samplePlan())]),
    ],
  };
}
