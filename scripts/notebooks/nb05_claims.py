"""05 the Minitron claims at small scale: width vs depth at equal parameters and tokens, KD vs CE, pruned + KD vs
random init, activation importance vs random before retraining; perplexity and two downstream proxies."""
from common import code, md, notebook, setup_cell, stamp_update_cell

SHORT = "{ calibLen: 64, evalTokens: 512, trainChars: 60_000, steps: 3, batch: 2, seqLen: 64, warmup: 1, evalEvery: 3, taskCount: 6 }"
FULL = "{ calibLen: 256, evalTokens: 4096, trainChars: 1_000_000, steps: 16, batch: 4, seqLen: 256, warmup: 2, evalEvery: 8, taskCount: 40 }"

CELLS = [
    md("""
# 05 · The Minitron claims, checked at small scale

The Minitron papers (arXiv 2407.14679, 2408.11796) make four claims we can test on one CPU with a 135M model:

| claim | paper evidence |
|---|---|
| width pruning beats depth pruning at equal size, after distillation | Llama-3.1-Minitron-4B-Width vs -Depth: MMLU 60.5 vs 58.7, HellaSwag 76.1 vs 73.2 (94B tokens each) |
| distillation beats plain cross-entropy retraining | 2407.14679: KD loss beats LM loss for the retrained pruned model |
| pruned + distilled beats the same architecture trained from scratch | "up to 16% better MMLU"; "40× fewer training tokens" |
| activation-based importance beats random choices before retraining | 2407.14679's ablations of importance metrics |

Here every student has ~20% fewer parameters than the teacher and sees **the same tokens in the same order**; we
report held-out perplexity on *Moby Dick* and two proxies the project computes itself: LAMBADA-style **last-word
accuracy** (greedy, exact match) and a **4-way continuation** task (the true next words of a passage among runs
taken from elsewhere in the book), scored by log-likelihood as lm-evaluation-harness does. The budgets are tiny next
to the papers' — read differences, not absolute values, and see the verdict at the end.
"""),
    setup_cell(SHORT, FULL),
    md("""
## Two students of equal size

**Width**: every MLP 1536 → 1008 neurons. **Depth**: drop the 8 of 30 layers with the lowest Block Importance.
Both remove ~27M of the teacher's 134.5M parameters (within 1% of each other).
"""),
    code("""
const sotuIds = tok.encode(sotu.slice(0, 400_000));
const calib = [0, 1, 2, 3].map((b) => [0, 1, 2, 3].map((i) => sotuIds.slice((b * 4 + i) * B.calibLen, (b * 4 + i + 1) * B.calibLen)));
const report = await mt.estimateImportance(teacher, calib, { depth: ['bi'] });
const plans = {
  width: mt.planFromTargets(teacher.spec, report, { ffnHiddenSize: 1008 }),
  depth: mt.planFromTargets(teacher.spec, report, { numLayers: 22, depthMetric: 'bi' }),
};
const counts = { teacher: mt.paramCount(teacher.spec), width: mt.paramCount(mt.plannedSpec(plans.width)), depth: mt.paramCount(mt.plannedSpec(plans.depth)) };
({ ...counts, droppedLayers: teacher.spec.numLayers - plans.depth.keep.layers.length, sizeGap: Math.abs(counts.width - counts.depth) / counts.width })
"""),
    md("""
## Claim 4 first: which neurons to cut, before any retraining

The same width target, choosing the neurons by activation importance, by weight magnitude, or at random
(`mt.randomReport`). Masked what-if perplexity — no weights copied, no training.
"""),
    code("""
const evalOpts = { seqLen: 256, stride: 256, maxTokens: B.evalTokens };
const whatIf = async (r: mt.ImportanceReport): Promise<number> =>
  (await mt.perplexity(teacher, moby, { ...evalOpts, forward: mt.forwardOptionsFromPlan(mt.planFromTargets(teacher.spec, r, { ffnHiddenSize: 1008 })) })).ppl;
const beforeRetraining = {
  teacher: (await mt.perplexity(teacher, moby, evalOpts)).ppl,
  activation: await whatIf(report),
  magnitude: await whatIf(mt.magnitudeReport(teacher.spec, teacher.params)),
  random: await whatIf(mt.randomReport(teacher.spec, 0)),
};
beforeRetraining
"""),
    md("""
### The same check on a second family: Gemma 3 270M

Claim 4 should not hang on one model. Gemma 3 270M (18 layers, GeGLU MLPs of 2048 neurons, a 262k-token vocabulary),
converted by the set-up from its PyPI GGUF, gets the same question at the same cut ratio (2048 → 1344 neurons in
every MLP), with its BOS token before every window as Gemma was trained. Only the width pass runs (`depth: []`), and
the model is freed afterwards.
"""),
    code("""
const GEMMA = '../.cache/models/gemma3-270m';
const gemma = await mt.loadModel(GEMMA);
const gBos = gemma.spec.bosTokenId!;
const gIds = gemma.tokenizer!.encode(sotu.slice(0, 400_000));
const gCalib = [0, 1, 2, 3].map((b) => [0, 1, 2, 3].map((i) => [gBos, ...gIds.slice((b * 4 + i) * B.calibLen, (b * 4 + i + 1) * B.calibLen - 1)]));
const gReport = await mt.estimateImportance(gemma, gCalib, { depth: [] });
const gEval = { ...evalOpts, bos: gBos };
const gWhatIf = async (r: mt.ImportanceReport): Promise<number> =>
  (await mt.perplexity(gemma, moby, { ...gEval, forward: mt.forwardOptionsFromPlan(mt.planFromTargets(gemma.spec, r, { ffnHiddenSize: 1344 })) })).ppl;
const gemmaBeforeRetraining = {
  teacher: (await mt.perplexity(gemma, moby, gEval)).ppl,
  activation: await gWhatIf(gReport),
  magnitude: await gWhatIf(mt.magnitudeReport(gemma.spec, gemma.params)),
  random: await gWhatIf(mt.randomReport(gemma.spec, 0)),
};
tf.dispose(Object.values(gemma.params));
gemmaBeforeRetraining
"""),
    md("""
## The downstream proxies

Built from a held-out stretch of *Moby Dick* (seeded); the teacher's scores bound what a student can reach.
"""),
    code("""
const heldOut = moby.slice(600_000, 900_000);
const lastWord = mt.lastWordTask(heldOut, tok, { count: B.taskCount, contextWords: 60, seed: 0 });
const continuation = mt.continuationTask(heldOut, tok, { count: B.taskCount, contextWords: 60, choices: 4, seed: 0 });
const evaluate = async (m: { spec: mt.ModelSpec; params: mt.Params }) => ({
  ppl: (await mt.perplexity({ ...teacher, spec: m.spec, params: m.params }, moby, evalOpts)).ppl,
  lastWord: mt.lastWordAccuracy(m.spec, m.params, lastWord),
  continuation: mt.mcAccuracy(mt.mcLogLikelihoods(m.spec, m.params, continuation), continuation),
});
const teacherScores = await evaluate(teacher);
teacherScores
"""),
    md("""
## Retraining, all on the same tokens

The teacher's outputs are cached once; every KD run reads them. Four runs of `B.steps` steps × `B.batch` × `B.seqLen`
tokens: width + KD, depth + KD, width + cross-entropy only, and the width architecture **from random
initialisation** (`mt.initParams`, as transformers initialises a new model) + KD.
"""),
    code("""
const trainIds = tok.encode(sotu.slice(400_000, 400_000 + B.trainChars));
const windows = B.steps * B.batch;
const cacheDir = `../.cache/runs/05-teacher-${B.seqLen}x${windows}-k64`;
await mt.cacheTeacher(teacher, trainIds, cacheDir, { seqLen: B.seqLen, topK: 64, maxWindows: windows });
const base = { data: trainIds, steps: B.steps, batch: B.batch, seqLen: B.seqLen, lr: 6e-4, minLr: 6e-5, warmup: B.warmup,
  schedule: 'cosine' as const, seed: 0, evalData: tok.encode(moby.slice(0, 200_000)), evalEvery: B.evalEvery, evalWindows: B.evalTokens / B.seqLen };
const students = {
  width: mt.slicePlan(teacher.spec, teacher.params, plans.width),
  depth: mt.slicePlan(teacher.spec, teacher.params, plans.depth),
};
type Result = { name: string; params: number; history: mt.TrainHistory; scores: { ppl: number; lastWord: number; continuation: number }; prunedPpl: number | null };
const results: Result[] = [];
async function retrain(name: string, start: { spec: mt.ModelSpec; params: mt.Params }, opts: Partial<mt.DistillOptions>): Promise<Result> {
  const live = mt.liveLoss();
  const prunedPpl = name.includes('scratch') ? null : (await mt.perplexity({ ...teacher, spec: start.spec, params: start.params }, moby, evalOpts)).ppl;
  const r = await mt.distill({ ...base, teacher: null, student: start, ...opts, onStep: (row: mt.TrainRow) => live.push(row) });
  live.flush();
  const scores = await evaluate({ spec: start.spec, params: r.params });
  tf.dispose(Object.values(r.params));
  const res = { name: name, params: mt.paramCount(start.spec), history: { kind: 'train-history' as const, rows: r.rows }, scores: scores, prunedPpl: prunedPpl };
  results.push(res);
  return res;
}
'ready'
"""),
    code("await retrain('width + KD', students.width, { mode: 'kd', teacherCache: cacheDir }); 'done'"),
    code("await retrain('depth + KD', students.depth, { mode: 'kd', teacherCache: cacheDir }); 'done'"),
    code("await retrain('width + CE only', students.width, { mode: 'ce' }); 'done'"),
    code("""
const scratch = { spec: students.width.spec, params: mt.initParams(students.width.spec, { seed: 0, std: 0.02 }) };
await retrain('width, from scratch + KD', scratch, { mode: 'kd', teacherCache: cacheDir });
tf.dispose(Object.values(scratch.params));
'done'
"""),
    md("""
## The table

Loss curves and perplexity of every run (the teacher's row is the reference), then the two accuracies (higher is
better) next to the perplexity right after pruning.
"""),
    code("""
mt.compare({
  teacher: { perplexity: teacherScores.ppl, params: counts.teacher, teacher: true },
  ...Object.fromEntries(results.map((r) => [r.name, { history: r.history, perplexity: r.scores.ppl, params: r.params }])),
})
"""),
    code("""
const rows = [{ run: 'teacher', params: counts.teacher, prunedPpl: null as number | null, ...teacherScores },
  ...results.map((r) => ({ run: r.name, params: r.params, prunedPpl: r.prunedPpl, ...r.scores }))];
rows.map((r) => ({ run: r.run, paramsM: +(r.params / 1e6).toFixed(1), pplAfterPrune: r.prunedPpl === null ? '—' : +r.prunedPpl.toFixed(1),
  ppl: +r.ppl.toFixed(2), lastWordAcc: +r.lastWord.toFixed(3), continuationAcc: +r.continuation.toFixed(3) }))
"""),
    md("""
## Verdict

Each claim as a comparison of two runs of this notebook, computed from the numbers above (lower perplexity, higher
accuracies are better; "holds" is read on perplexity):
"""),
    code("""
const by = Object.fromEntries(results.map((r) => [r.name, r.scores]));
const claims: Array<[string, string, string]> = [
  ['width beats depth at equal size and tokens', 'width + KD', 'depth + KD'],
  ['distillation beats cross-entropy retraining', 'width + KD', 'width + CE only'],
  ['pruned + KD beats the same architecture from scratch', 'width + KD', 'width, from scratch + KD'],
];
[...claims.map(([claim, a, b]) => ({ claim: claim, ours: a, against: b, ppl: `${by[a].ppl.toFixed(1)} vs ${by[b].ppl.toFixed(1)}`,
    lastWord: `${by[a].lastWord.toFixed(3)} vs ${by[b].lastWord.toFixed(3)}`, continuation: `${by[a].continuation.toFixed(3)} vs ${by[b].continuation.toFixed(3)}`,
    holds: by[a].ppl < by[b].ppl ? 'yes' : 'no' })),
  { claim: 'activation importance beats random before retraining', ours: 'activation', against: 'random',
    ppl: `${beforeRetraining.activation.toFixed(1)} vs ${beforeRetraining.random.toFixed(1)}`, lastWord: '—', continuation: '—',
    holds: beforeRetraining.activation < beforeRetraining.random ? 'yes' : 'no' },
  { claim: 'the same, on Gemma 3 270M (2048 → 1344 neurons)', ours: 'activation', against: 'random',
    ppl: `${gemmaBeforeRetraining.activation.toFixed(1)} vs ${gemmaBeforeRetraining.random.toFixed(1)}`, lastWord: '—', continuation: '—',
    holds: gemmaBeforeRetraining.activation < gemmaBeforeRetraining.random ? 'yes' : 'no' }]
"""),
    md("""
How to read them (full run; see the stamp for the budget):

- **width vs depth** — compare `width + KD` with `depth + KD`: same parameters, same tokens.
- **KD vs CE** — `width + KD` against `width + CE only`.
- **pruned + KD vs from scratch** — `width + KD` against `width, from scratch + KD`: the pruned start carries the
  teacher's knowledge; a random start has to learn everything from the same few tokens.
- **activation vs random importance** — the what-if perplexities before retraining, on SmolLM2-135M and on Gemma 3 270M.

Where a claim does not hold at this scale, the table shows it; the papers' gaps come from 94B-token retraining at
4–8B parameters, ours from well under a million tokens at 107M.
"""),
    stamp_update_cell("plans", "{ gemma: `${GEMMA}/model.safetensors` }"),
]


def build():
    return notebook(CELLS)
