"""03 width vs depth: plan editor, what-if masks, equal-parameter candidates, search + KD re-rank, export checked in Python."""
from common import code, helpers_cell, md, notebook, setup_cell, stamp_update_cell

SHORT = ("{ calibSamples: 2, calibLen: 32, calibBatch: 2, evalTokens: 128, dropLayers: 8, searchTop: 3, "
         "kdTop: 2, kdSteps: 2, kdBatch: 1, kdSeqLen: 32, trainChars: 20_000 }")
FULL = ("{ calibSamples: 16, calibLen: 128, calibBatch: 4, evalTokens: 2048, dropLayers: 8, searchTop: 10, "
        "kdTop: 3, kdSteps: 40, kdBatch: 4, kdSeqLen: 128, trainChars: 2_000_000 }")

HELD_OUT = """
// Held-out batches in the calibration layout, for scoring candidates on text the scores never saw.
const heldOut: number[][][] = [];
for (let i = 0; i < B.calibSamples; i += B.calibBatch) {
  heldOut.push(Array.from({ length: B.calibBatch }, (_, j) => mobyIds.slice((i + j) * B.calibLen, (i + j + 1) * B.calibLen)));
}
"""

CELLS = [
    md("""
# 03 · Width or depth? Equal-size candidates, a budgeted search, and an export Python can load

To make SmolLM2-135M 20% smaller there are two very different moves: make every layer **narrower** (fewer MLP neurons,
attention heads or embedding channels) or keep the width and remove whole **layers**. Depth pruning is attractive —
fewer layers means proportionally faster generation — but Minitron's experiments (2407.14679, and *LLM Pruning and
Distillation in Practice*, 2408.11796) found width pruning recovers better after distillation at the same parameter
count. This notebook builds that comparison on the real model, step by step:

1. a plan and the **plan editor** (with the JupyterLab extension you can toggle heads, layers and sizes by hand);
2. the **what-if** perplexity of a plan — masks on the teacher instead of copied weights — and a check that it equals
   the sliced model's;
3. **equal-parameter candidates**: remove 8 of 30 layers, then find widths with the same parameter count;
4. a **search under a parameter budget** over a grid of widths and depths, ranked right after pruning, then
   **re-ranked after a short distillation** from the teacher (the papers' second stage);
5. **export** of the winner as a Hugging Face folder, loaded by Python `transformers` from this notebook, with the
   largest logit difference against ours.
"""),
    setup_cell(SHORT, FULL),
    md("""
## 0. Data, helpers and one importance pass

As in notebook 02: calibration windows from State of the Union addresses, held-out text from Moby Dick,
`whatIf(plan)` = held-out perplexity of the teacher with the plan's masks. One importance pass scores heads, neurons
and channels; layers are scored by Block Importance (free, from the same pass; notebook 02 compares the depth metrics).
"""),
    helpers_cell(HELD_OUT),
    code("""
const report = await mt.estimateImportance(teacher, calib, { depth: ['bi'] });
report
"""),
    md("""
## 1. A plan, and the plan editor

A plan (`ArchPlan`) is plain JSON: the source spec, the target sizes, and the kept indices of every head, neuron,
channel and layer. `mt.planFromTargets` keeps the top-scored units. `mt.planEditor` shows the plan as an editable
output in JupyterLab (with `minitron-labextension`): change a target size, click heads to toggle them (the same count
in every key-value group), keep or drop layers, then **Apply** — the edited plan is validated in the kernel and
`editor.plan` returns it in the next cell. Without the extension (GitHub, nbviewer, CI) the output is a table and
`editor.plan` stays the plan we passed.
"""),
    code("""
const plan0 = mt.planFromTargets(teacher.spec, report, { ffnHiddenSize: 1152, numLayers: 28, depthMetric: 'bi' });
const editor = mt.planEditor(plan0, { importance: report });
"""),
    md("""
## 2. What-if before cutting: masks equal the sliced model

`mt.forwardOptionsFromPlan(plan)` turns a plan into 0/1 masks on heads, neurons and channels plus the list of layers
to skip. The teacher's forward pass with those masks computes exactly what the pruned model would — the removed units
contribute zeros — without allocating a single new weight, so many plans can be tried in the time one would take to
slice. `mt.slicePlan` then makes the real smaller tensors; both perplexities agree to rounding.
"""),
    code("""
const edited = editor.plan;   // the plan as applied in the editor (unchanged without the extension)
const maskedPpl = await whatIf(edited);
const sliced = mt.slicePlan(teacher.spec, teacher.params, edited);
const seqLen = Math.min(256, B.evalTokens);
const slicedPpl = (await mt.perplexityOfIds(sliced.spec, sliced.params, mobyIds, { seqLen: seqLen, stride: seqLen, maxTokens: B.evalTokens })).ppl;
mt.disposeParams(sliced.params);
({ edits: editor.edits, params: mt.paramCount(sliced.spec), teacherPpl: teacherPpl, maskedPpl: maskedPpl, slicedPpl: slicedPpl,
   relativeDifference: Math.abs(maskedPpl - slicedPpl) / slicedPpl })
"""),
    md("""
## 3. Width and depth at equal parameter counts

A fair comparison fixes the size. We remove 8 of the 30 layers (the 8 with the lowest Block Importance), about 21%
of the parameters, then size three width candidates to the same count:

- **MLP only**: every MLP narrower (each neuron owns 3 × 576 weights per layer);
- **heads + MLP**: 9 → 6 query heads per layer (key-value heads kept), the rest from the MLP;
- **channels + MLP**: hidden 576 → 504 (a multiple of 9 heads, so `transformers` can load it), the rest from the MLP.

The MLP size is solved from the parameter formula (`mt.paramCount` of a spec), so each width candidate lands within a
few thousand parameters of the depth candidate.
"""),
    code("""
const L = teacher.spec.numLayers;
const depthTarget: mt.PlanTargets = { numLayers: L - B.dropLayers, depthMetric: 'bi' };
const goal = mt.paramCount(mt.plannedSpec(mt.planFromTargets(teacher.spec, report, depthTarget)));
/** The MLP size that brings a spec with these other targets to `goal` parameters (the count is linear in it). */
function matchFfn(hiddenSize: number, numHeads: number): number {
  const at = (f: number): number => mt.paramCount({ ...teacher.spec, hiddenSize: hiddenSize, numHeads: numHeads, ffnHiddenSize: f });
  return Math.round(1536 - (at(1536) - goal) / (at(1536) - at(1535)));
}
const candidates: Record<string, mt.PlanTargets> = {
  depth: depthTarget,
  widthMlp: { ffnHiddenSize: matchFfn(576, 9) },
  widthHeadsMlp: { numHeads: 6, ffnHiddenSize: matchFfn(576, 6) },
  widthChannelsMlp: { hiddenSize: 504, ffnHiddenSize: matchFfn(504, 9) },
};
const candPlans: Record<string, mt.ArchPlan> = {};
const equal: Record<string, number> = {};
const candRows: Record<string, unknown>[] = [];
for (const [name, t] of Object.entries(candidates)) {
  const plan = mt.planFromTargets(teacher.spec, report, t);
  const s = mt.plannedSpec(plan), params = mt.paramCount(s), ppl = await whatIf(plan);
  candPlans[name] = plan;
  equal[`${name}Params`] = params;
  equal[`${name}Ppl`] = ppl;
  candRows.push({ candidate: name, layers: s.numLayers, hidden: s.hiddenSize, heads: s.numHeads, ffn: s.ffnHiddenSize,
    params: params, fewer: `${((1 - params / mt.paramCount(teacher.spec)) * 100).toFixed(1)}%`, 'what-if PPL': ppl });
}
mt.display(table(candRows, `equal-parameter candidates: held-out perplexity right after pruning (teacher ${teacherPpl.toFixed(2)})`));
const counts = Object.keys(candidates).map((n) => equal[`${n}Params`]);
({ ...equal, maxParamGap: (Math.max(...counts) - Math.min(...counts)) / goal })
"""),
    md("""
**Reading.** Right after the cut, before any retraining, the candidates of the same size can differ by large factors
in perplexity. This is the number that decides nothing yet: the papers' point is that the ranking after a little
distillation can differ from the ranking here, which is why the search below re-ranks its best candidates after a
short distillation. Where the depth candidate stands also depends on which layers go (notebook 02: a contiguous window
or Block Importance against the other metrics).

## 4. Search under a parameter budget

`mt.searchArchitectures` enumerates a grid — hidden in steps of 64, MLP in steps of 64, heads by whole key-value
groups, layers in steps of 2, at most 40% of any width axis and 20% of the layers removed (ModelOpt's limits) — keeps
the architectures under the budget that `transformers` can load, and scores the `topK` largest by perplexity right
after pruning (each sliced and run on the held-out batches, then freed). Budget: 80% of the teacher.
"""),
    code("""
const budget = Math.round(0.8 * mt.paramCount(teacher.spec));
const searchBar = mt.progress(B.searchTop, { label: 'candidates scored' });
const ranked = mt.searchArchitectures(teacher, report, budget, heldOut, {
  topK: B.searchTop, depthMetric: 'bi', onProgress: (done: number) => searchBar.set(done),
});
searchBar.done();
mt.display(table(ranked.map((c, i) => ({ rank: i + 1, ...c.target, params: c.params, 'PPL after pruning': c.ppl! })),
  `search under ${mt.formatCount(budget)} parameters: the ${ranked.length} largest candidates, best first`));
({ budget: budget, scored: ranked.length, bestParams: ranked[0].params, bestPpl: ranked[0].ppl! })
"""),
    md("""
### Re-rank after a short distillation

Perplexity right after pruning measures damage, not what training can repair. *Compact Language Models via Pruning
and Knowledge Distillation* retrains each of the best candidates briefly by distillation and ranks them again;
`mt.rescoreWithDistillation` does that: for each of the first `top` candidates it slices the plan, distils
`steps` steps from the live teacher (logit KL) and measures perplexity on the held-out batches. It accepts an
`AbortSignal` (and the kernel's interrupt, ■): `stopper.abort()` stops it between steps.
"""),
    code("""
const trainIds = tok.encode(sotu.slice(0, B.trainChars));
const stopper = new AbortController();
const kdBar = mt.progress(B.kdTop, { label: 'candidates distilled' });
const reranked = await mt.rescoreWithDistillation(teacher, report, ranked, heldOut, trainIds, {
  steps: B.kdSteps, top: B.kdTop, batch: B.kdBatch, seqLen: B.kdSeqLen, depthMetric: 'bi', signal: stopper.signal,
  onProgress: (done: number) => kdBar.set(done),
});
kdBar.done();
mt.display(table(reranked.map((c, i) => ({ 'rank after KD': i + 1, 'rank before': ranked.findIndex((r) => r.target === c.target) + 1,
  ...c.target, params: c.params, 'PPL after pruning': c.ppl!, 'PPL after KD': c.kdPpl })),
  `the ${reranked.length} best candidates after ${B.kdSteps} distillation steps of ${B.kdBatch}×${B.kdSeqLen} tokens`));
({ distilled: reranked.length, winnerParams: reranked[0].params, winnerKdPpl: reranked[0].kdPpl })
"""),
    md("""
## 5. Export, and a check in Python `transformers`

`mt.exportPruned` slices the winner and writes a Hugging Face folder (`config.json`, `model.safetensors`, the
tokenizer files) with `plan.json` and `report.json` beside the weights; it writes to a temporary name and renames,
never over an existing folder. The pruned model is an ordinary Llama checkpoint with other sizes, so `transformers`
loads it with `AutoModelForCausalLM`. The cell below runs the project's Python (`../.venv/bin/python`) on a small
script that loads the folder, computes the logits of a few held-out tokens, and compares them with the logits
minitron computes from the same folder.
"""),
    code("""
const os = require('node:os') as typeof import('node:os');
const path = require('node:path') as typeof import('node:path');
const fs = require('node:fs') as typeof import('node:fs');
const cp = require('node:child_process') as typeof import('node:child_process');
const winnerPlan = mt.planForCandidate(teacher.spec, report, reranked[0], 'bi');
const exported = await mt.exportPruned(path.join(os.tmpdir(), `minitron-03-${Date.now()}`), teacher, winnerPlan, report);
fs.readdirSync(exported.dir)
"""),
    code("""
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'minitron-03-check-'));
const checkIds = mobyIds.slice(0, 24);
const reloaded = await mt.loadModel(exported.dir);
const logits = tf.tidy(() => mt.forward(reloaded.spec, reloaded.params, tf.tensor2d([checkIds], [1, checkIds.length], 'int32'))); // [1, T, V]
const ours = (await logits.data()) as Float32Array;
logits.dispose();
mt.disposeParams(reloaded.params);
fs.writeFileSync(path.join(work, 'ids.json'), JSON.stringify(checkIds));
fs.writeFileSync(path.join(work, 'ours.f32'), Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength));
fs.writeFileSync(path.join(work, 'check.py'), [
  'import json, sys',
  'import numpy as np, torch, transformers',
  'from transformers import AutoModelForCausalLM',
  'folder, work = sys.argv[1], sys.argv[2]',
  'ids = json.load(open(work + "/ids.json"))',
  'model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()',
  'with torch.no_grad():',
  '    ref = model(torch.tensor([ids])).logits[0].numpy()',
  'ours = np.fromfile(work + "/ours.f32", dtype=np.float32).reshape(ref.shape)',
  'print(json.dumps({"transformers": transformers.__version__, "class": type(model).__name__,',
  '    "params": sum(p.numel() for p in model.parameters()), "tokens": len(ids),',
  '    "maxAbsDiff": float(np.abs(ours - ref).max()), "maxAbsLogit": float(np.abs(ref).max()),',
  '    "sameArgmax": float((ours.argmax(-1) == ref.argmax(-1)).mean())}))',
].join('\\n'));
const out = cp.execFileSync('../.venv/bin/python', [path.join(work, 'check.py'), exported.dir, work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const py = JSON.parse(out.trim().split('\\n').pop()!) as Record<string, number | string>;
fs.rmSync(work, { recursive: true, force: true });
mt.display(table([
  { quantity: 'parameters', minitron: exported.params, transformers: py.params },
  { quantity: 'max |logit|', minitron: ours.reduce((m, v) => Math.max(m, Math.abs(v)), 0), transformers: py.maxAbsLogit },
  { quantity: `max |Δlogit| over ${py.tokens} tokens × ${reloaded.spec.vocabSize} vocab`, minitron: '', transformers: py.maxAbsDiff },
  { quantity: 'same top-1 token', minitron: '', transformers: py.sameArgmax },
], `${exported.dir} loaded by transformers ${py.transformers} as ${py.class}`));
({ maxAbsDiff: py.maxAbsDiff, sameArgmax: py.sameArgmax, ourParams: exported.params, transformersParams: py.params })
"""),
    stamp_update_cell("winnerPlan"),
    code("""
// The export is ~400 MB; short runs (CI) remove it, full runs keep it for you to try (delete it when done).
if (SHORT) fs.rmSync(exported.dir, { recursive: true, force: true });
({ exportKept: fs.existsSync(exported.dir), dir: exported.dir })
"""),
    md("""
**Where this leaves us.** Section 3 compares width and depth at equal size right after pruning; section 4 shows the
budgeted search and how a short distillation can reorder its candidates. Whether the order of section 3 survives real
retraining is the question of notebook 05, which distils width and depth students on equal tokens; notebook 04 takes
the distillation loss apart.
"""),
]


def build():
    return notebook(CELLS)
