"""02 importance: every axis and aggregation, heatmaps, activation vs random vs weight magnitude, depth metrics."""
from common import code, helpers_cell, md, notebook, setup_cell, stamp_update_cell

SHORT = "{ calibSamples: 2, calibLen: 32, calibBatch: 2, evalTokens: 128, dropLayers: 6 }"
FULL = "{ calibSamples: 16, calibLen: 128, calibBatch: 4, evalTokens: 2048, dropLayers: 6 }"

HEATMAP = """
/** A heat map of rows (layers) × units as an SVG image: `bin` units per cell (their maximum), log colour scale. */
function heatmap(rows: number[][], title: string, bin: number): Record<string, string> {
  const cells = rows.map((r) => Array.from({ length: Math.ceil(r.length / bin) }, (_, j) => Math.max(...r.slice(j * bin, (j + 1) * bin))));
  const logs = cells.map((r) => r.map((v) => Math.log10(Math.max(v, 1e-6))));
  const lo = Math.min(...logs.map((r) => Math.min(...r))), hi = Math.max(...logs.map((r) => Math.max(...r)));
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]]; // viridis
  const colour = (x: number): string => {
    const t = hi > lo ? (x - lo) / (hi - lo) * (stops.length - 1) : 0, i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
    return `rgb(${stops[i].map((c, k) => Math.round(c + f * (stops[i + 1][k] - c))).join(',')})`;
  };
  const cw = Math.max(3, Math.floor(640 / cells[0].length)), ch = rows.length === 1 ? 28 : 9, left = 34, top = 22;
  const rects = cells.flatMap((r, l) => r.map((v, j) =>
    `<rect x="${left + j * cw}" y="${top + l * ch}" width="${cw}" height="${ch}" fill="${colour(logs[l][j])}"/>`));
  const ticks = rows.length === 1 ? [] : rows.map((_, l) => l).filter((l) => l % 5 === 0)
    .map((l) => `<text x="${left - 4}" y="${top + l * ch + ch - 1}" text-anchor="end">${l}</text>`);
  const w = left + cells[0].length * cw + 10, h = top + rows.length * ch + 18;
  const note = `${rows.length > 1 ? 'rows: layers · ' : ''}columns: ${bin > 1 ? `max of ${bin} units` : 'units'} · colour: log10 score, ${lo.toFixed(2)} … ${hi.toFixed(2)}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="10">`
    + `<text x="${left}" y="14" font-size="12">${title}</text>${ticks.join('')}${rects.join('')}`
    + `<text x="${left}" y="${h - 5}">${note}</text></svg>`;
  return { 'image/svg+xml': svg, 'text/plain': `${title} (${rows.length} × ${rows[0].length}; ${note})` };
}
"""

CELLS = [
    md("""
# 02 · Importance: which parts of SmolLM2-135M matter?

Pruning removes parts of a trained network. Which parts is the whole question: remove the wrong attention head or MLP
neuron and the model forgets things that distillation must then teach it again, at the cost of tokens. Minitron
(*Compact Language Models via Pruning and Knowledge Distillation*, 2407.14679) answers it **from activations**: run a
few hundred calibration sequences through the model and score each unit by how strongly it fires. No gradient, no
retraining, one forward pass per batch.

This notebook looks at that answer from every side:

1. the four **axes** — attention heads, MLP neurons, embedding channels, whole layers — and what the scores look like
   (heat maps);
2. the **aggregation** of a unit's activations over the tokens of a sequence and then over the sequences of a batch
   (mean, L2 norm or variance for each), and whether it changes what gets kept;
3. whether activations beat two controls — **random** scores and **weight magnitude** — judged by the perplexity of the
   same pruned architecture *before any retraining*, computed with masks on the teacher (no weight is copied);
4. four ways to score **depth** (perplexity with the layer removed, Block Importance, Taylor and Taylor+) and the
   removal of contiguous windows of layers, side by side.

The model is the real SmolLM2-135M-Instruct (30 layers, 9 query / 3 key-value heads, MLP 1536, hidden 576). The saved
outputs come from the run recorded in the stamp below; `MINITRON_SHORT=1` (CI) runs the same cells on tiny budgets,
where the numbers are noisy.
"""),
    setup_cell(SHORT, FULL),
    md("""
## 0. Calibration text, held-out text and two helpers

Scores come from **calibration** windows of State of the Union text. Every quality number comes from **held-out**
text the scores never saw (Moby Dick). `whatIf(plan)` is the perplexity of the teacher with a plan applied as 0/1
masks in the forward pass (`mt.forwardOptionsFromPlan`): the answer to "how good would this pruned model be right after
the cut?" without building it. `table` and `heatmap` only draw.
"""),
    helpers_cell(HEATMAP),
    md("""
## 1. One pass, three width axes

`mt.estimateImportance` runs the calibration batches through the teacher once. The forward pass exposes *taps*
(activations at named points) and one accumulator per axis reads them:

| axis | what is measured per calibration token | shape |
|---|---|---|
| **heads** | L2 norm over `head_dim` of the head's attention output (the input of `o_proj`) | layers × 9 |
| **neurons** | magnitude of the neuron's activation at the input of `down_proj`, i.e. after SiLU(gate) · up | layers × 1536 |
| **channels** | magnitude of each of the 576 hidden channels in the output of every RMSNorm, summed over layers | 576 |
| **layers** | separate depth metrics (section 4); Block Importance comes from this same pass | layers |

Each token gives a number per unit; those are **aggregated over the sequence, then over the batch** (default: mean, then
L2 norm). A channel is shared by every layer, which is why pruning it touches every weight matrix.
"""),
    code("""
const report = await mt.estimateImportance(teacher, calib, { depth: ['bi'] });
report
"""),
    md("""
The report's own display lists the scores per axis and the heads as a heat table. The heat maps below show all
three width axes on a log scale (the scores span several orders of magnitude).
"""),
    code("""
mt.display(heatmap(report.heads!, 'attention heads: L2 of the head output (mean over tokens, L2 over sequences)', 1));
mt.display(heatmap(report.neurons!, 'MLP neurons: |down_proj input|', 24));
mt.display(heatmap([report.channels!], 'embedding channels: |RMSNorm output| summed over layers', 4));
/** Share of the total score held by the top 1% of units. */
const top1 = (v: number[]): number => {
  const s = [...v].sort((a, b) => b - a), k = Math.max(1, Math.round(v.length / 100));
  return s.slice(0, k).reduce((a, b) => a + b, 0) / s.reduce((a, b) => a + b, 0);
};
({ headsTop1Share: top1(report.heads!.flat()), neuronsTop1Share: top1(report.neurons!.flat()), channelsTop1Share: top1(report.channels!) })
"""),
    md("""
**Reading the maps.** Scores are far from uniform: a few neurons and a few channels carry a large share of the total
(the numbers above: the share of the top 1% of units; uniform scores would give 0.01). These are the "massive
activations" known from larger models; any sensible method must keep them. Heads differ less within a layer, and the
first and last layers look different from the middle ones.

## 2. Aggregation: mean, L2 or variance, over the sequence and then the batch

A neuron's score is a statistic of its activations over many tokens. Minitron aggregates in two steps — over the
tokens of each sequence, then over the sequences — and reports that **mean over the sequence, then L2 norm over the
batch** ranks best. `mt.AGGREGATIONS` is the table of choices; every combination is one activation pass. For each we
keep 1008 of the 1536 MLP neurons (the quickstart's 20% smaller model), compare the kept set with the default's, and
measure the pruned model's held-out perplexity right after the cut.
"""),
    code("""
const aggs = Object.keys(mt.AGGREGATIONS) as mt.Aggregation[];
const defaultPlan = mt.planFromTargets(teacher.spec, report, { ffnHiddenSize: 1008 });
const keptDefault = defaultPlan.keep.neurons.map((k) => new Set(k));
const aggRows: Record<string, unknown>[] = [];
for (const seq of aggs) {
  for (const batch of aggs) {
    const r = await mt.estimateImportance(teacher, calib, { seq: seq, batch: batch, depth: [] });
    const plan = mt.planFromTargets(teacher.spec, r, { ffnHiddenSize: 1008 });
    const same = plan.keep.neurons.reduce((n, k, l) => n + k.filter((i) => keptDefault[l].has(i)).length, 0);
    aggRows.push({ 'over sequence': seq, 'then over batch': batch, 'kept like mean/l2': same / (1008 * teacher.spec.numLayers), 'what-if PPL': await whatIf(plan) });
  }
}
mt.display(table(aggRows, `MLP 1536 → 1008 neurons: held-out perplexity right after the cut (teacher ${teacherPpl.toFixed(2)})`));
({ combinations: aggRows.length, bestPpl: Math.min(...aggRows.map((r) => r['what-if PPL'] as number)), worstPpl: Math.max(...aggRows.map((r) => r['what-if PPL'] as number)) })
"""),
    md("""
**Reading.** Mean and L2 over the sequence both reward large typical magnitudes, so they keep mostly the same neurons.
Variance ranks differently — a neuron that is constantly large has a small variance yet is important — and variance
over the batch measures how much a neuron's average differs between sequences, not how much it matters; expect the
rows with `var` to keep fewer of the default's neurons and to prune worse. With few calibration sequences the
batch step has little to average, so the batch column matters less than the sequence column.

## 3. Activations against two controls, before any retraining

An importance method is only useful if it beats choices that need no data. Two controls:

- **random** scores (`mt.randomReport(spec, seed)`): any method should be far better than this;
- **weight magnitude** (`mt.magnitudeReport(spec, params)`): the L2 norm of the weights a unit owns — the classic
  data-free criterion.

Each report yields a plan for the same target, and the plan is judged by the held-out perplexity of the masked teacher.
One axis at a time, to see where activations help most.
"""),
    code("""
const reports: Record<string, mt.ImportanceReport> = {
  activation: report, random: mt.randomReport(teacher.spec, 0), magnitude: mt.magnitudeReport(teacher.spec, teacher.params),
};
const targets: Record<string, mt.PlanTargets> = {
  'MLP 1536 → 1008': { ffnHiddenSize: 1008 }, 'heads 9 → 6': { numHeads: 6 }, 'channels 576 → 448': { hiddenSize: 448 },
};
const versus: Record<string, number> = {};
const vsRows: Record<string, unknown>[] = [];
for (const [name, t] of Object.entries(targets)) {
  const row: Record<string, unknown> = { target: name, params: mt.paramCount(mt.plannedSpec(mt.planFromTargets(teacher.spec, report, t))) };
  for (const [method, r] of Object.entries(reports)) {
    const ppl = await whatIf(mt.planFromTargets(teacher.spec, r, t));
    row[method] = ppl;
    versus[`${name.split(' ')[0]}_${method}`] = ppl;
  }
  vsRows.push(row);
}
mt.display(table(vsRows, `held-out perplexity right after pruning, by importance method (teacher ${teacherPpl.toFixed(2)})`));
versus
"""),
    md("""
**Reading.** What to look for: on the MLP and on the channels, a random choice almost surely removes some of the few
units with massive activations, and the model breaks (perplexity in the thousands or more); activations keep them.
Weight magnitude does not know which units the data drives, so nothing protects those units and it can do as badly
as random. Heads are the least clear-cut axis: every layer loses a third of its heads whatever the method, and the
head score (size of the head's output) says little about how much the rest of the network relies on it — in our short
test runs activation scores did *not* beat random choice for heads (the summary at the end says what held in this
run). These numbers are *before* retraining; distillation recovers much of the gap (notebooks 04 and 05), but a
better start costs fewer tokens.

## 4. Depth: which layers can go?

Removing a whole layer saves 3.54M parameters at once and makes inference faster, not only smaller. Four ways to score
a layer, all in `estimateImportance`'s `depth` option (`mt.DEPTH_METRICS`), plus one for windows:

- **ppl** — perplexity on the calibration text with the layer skipped (higher = more important); one forward pass per layer;
- **bi** — Block Importance, 1 − cos(block input, block output) averaged over tokens: a layer that barely changes the
  residual stream is a candidate (ShortGPT); free, from the activation pass;
- **taylor** — Σ |w · ∂L/∂w| over the layer's weights, one backward pass (first-order estimate of the loss change);
- **taylor+** — Taylor with the first 4 and last 2 layers protected (Shortened LLaMA's fix for Taylor's blind spots);
- **contiguous windows** (`blockK: k`) — perplexity with every window of k consecutive layers removed; the
  *LLM Pruning and Distillation in Practice* paper found removing a contiguous block better than the k individually
  least important layers, because scores of single layers do not add up.
"""),
    code("""
const depthProgress = mt.progress(1, { label: 'depth metrics' });
const depthReport = await mt.estimateImportance(teacher, calib, {
  depth: ['ppl', 'bi', 'taylor', 'taylor+'], blockK: B.dropLayers,
  onProgress: (stage: string, done: number, total: number) => depthProgress.set(done / total, stage),
});
depthProgress.done();
// The report renders like the one above; its layer scores are tabulated below.
({ metrics: Object.keys(depthReport.layers!).join(', '), windowsOf: depthReport.blocks!.k, windows: depthReport.blocks!.scores.length })
"""),
    md("""
Side by side, with the layers each metric would drop to remove `B.dropLayers` of the 30 layers, and the held-out
perplexity of the teacher with exactly those layers skipped. Random layer scores are the control; the best
contiguous window is the one whose removal raised calibration perplexity least.
"""),
    code("""
const L = teacher.spec.numLayers, keepN = L - B.dropLayers;
const metrics = ['ppl', 'bi', 'taylor', 'taylor+'];
const layerRows = Array.from({ length: L }, (_, l) => {
  const row: Record<string, unknown> = { layer: l };
  for (const m of metrics) row[m] = depthReport.layers![m][l];
  return row;
});
mt.display(table(layerRows, 'per-layer scores (higher = more important; taylor+ protects the first 4 and last 2)'));
const depthPlans: Record<string, mt.ArchPlan> = {};
for (const m of metrics) depthPlans[m] = mt.planFromTargets(teacher.spec, depthReport, { numLayers: keepN, depthMetric: m });
depthPlans['contiguous window'] = mt.planFromTargets(teacher.spec, depthReport, { numLayers: keepN, depthMetric: 'block' });
depthPlans['random'] = mt.planFromTargets(teacher.spec, reports.random, { numLayers: keepN, depthMetric: 'random' });
const depthWhatIf: Record<string, number> = { teacher: teacherPpl };
const dropRows: Record<string, unknown>[] = [];
for (const [m, p] of Object.entries(depthPlans)) {
  const ppl = await whatIf(p);
  depthWhatIf[m.replace(/\\W+/g, '_').replace(/_$/, 'plus')] = ppl;
  dropRows.push({ metric: m, 'dropped layers': mt.skipLayersFromPlan(p).join(', '), 'what-if PPL': ppl });
}
mt.display(table(dropRows, `${B.dropLayers} of ${L} layers removed: held-out perplexity right after the cut (teacher ${teacherPpl.toFixed(2)})`));
({ ...depthWhatIf, windows: depthReport.blocks!.scores.length, paramsAfter: mt.paramCount(mt.plannedSpec(depthPlans['ppl'])) })
"""),
    md("""
**Reading.** The metrics agree on the extremes — layer 0 and the last layers matter most by every score except
Taylor's — and disagree in the middle. Scores of single layers do not add up: removing six layers that each cost
little alone can cost a lot together, which is why the contiguous window (scored as a whole) can beat every
single-layer metric, as the *Practice* paper found for larger models. Taylor measures weight × gradient, which is large
where the loss is sensitive to small weight changes, not where removing the whole block is harmless; Taylor+ only
protects the first and last layers from it. Random layer choice is the control every metric should beat. Compare with
section 3: cutting 6 layers removes 21M parameters, the MLP cut 27M. Notebook 03 puts width and depth at *equal*
parameter counts.

A short, computed summary of this run:
"""),
    code("""
const best = (o: Record<string, number>): string => Object.entries(o).sort((a, b) => a[1] - b[1])[0][0];
const fmt = (x: number): string => x.toFixed(1);
const summary = [
  `teacher: held-out perplexity ${fmt(teacherPpl)} on ${B.evalTokens} tokens of Moby Dick`,
  `MLP 1536→1008: activation ${fmt(versus.MLP_activation)}, magnitude ${fmt(versus.MLP_magnitude)}, random ${fmt(versus.MLP_random)}`,
  `heads 9→6: activation ${fmt(versus.heads_activation)}, magnitude ${fmt(versus.heads_magnitude)}, random ${fmt(versus.heads_random)}`,
  `channels 576→448: activation ${fmt(versus.channels_activation)}, magnitude ${fmt(versus.channels_magnitude)}, random ${fmt(versus.channels_random)}`,
  `best aggregation for MLP pruning: ${(() => { const r = aggRows.reduce((a, b) => ((a['what-if PPL'] as number) <= (b['what-if PPL'] as number) ? a : b)); return `${r['over sequence']} over the sequence, ${r['then over batch']} over the batch`; })()}`,
  `best depth choice for ${B.dropLayers} layers: ${best(Object.fromEntries(Object.entries(depthWhatIf).filter(([k]) => k !== 'teacher')))}`,
];
mt.display({ 'text/markdown': summary.map((line) => `- ${line}`).join('\\n'), 'text/plain': summary.join('\\n') });
"""),
    stamp_update_cell("defaultPlan"),
    md("""
**Next**: notebook 03 turns these scores into competing architectures of equal size — narrower or shallower — searches
under a parameter budget, re-ranks the best by a short distillation, and exports the winner for Python `transformers`.
"""),
]


def build():
    return notebook(CELLS)
