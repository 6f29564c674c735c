"""04 distillation: live loss, KD vs CE-only at equal tokens, logits vs logits + states, temperature and top-k,
interrupt and resume, teacher correction."""
from common import code, md, notebook, setup_cell, stamp_update_cell

SHORT = "{ calibLen: 64, evalTokens: 512, trainChars: 60_000, steps: 3, batch: 2, seqLen: 64, warmup: 1, evalEvery: 3, correctSteps: 2 }"
FULL = "{ calibLen: 256, evalTokens: 4096, trainChars: 1_000_000, steps: 16, batch: 4, seqLen: 256, warmup: 2, evalEvery: 8, correctSteps: 8 }"

CELLS = [
    md("""
# 04 · Distillation, taken apart

After pruning, the student has lost much of what the teacher knew. Minitron wins it back by **knowledge
distillation**: the student is trained to reproduce the teacher's whole next-token distribution, not just the one
token that follows in the text. This notebook measures, on the same pruned SmolLM2 student and the same tokens:

- KD (forward KL on the logits) against plain cross-entropy training, and KD + CE;
- logits only against logits + intermediate states (block outputs matched through learned projections);
- the temperature τ and the top-k truncation of the teacher;
- an interrupted run resumed from its checkpoint, step for step equal to an uninterrupted one;
- teacher correction: a light fine-tune of the teacher on the distillation data first.

Every run starts from the same student weights and sees the same windows of text in the same order (same seed), so
differences come from the loss alone.
"""),
    setup_cell(SHORT, FULL),
    md("""
## The student

As in notebook 01: activation importance on a little State of the Union text, then every MLP cut from 1536 to 1008
neurons (20% fewer parameters).
"""),
    code("""
const sotuIds = tok.encode(sotu.slice(0, 200_000));
const calib = [0, 1, 2, 3].map((b) => [0, 1].map((i) => sotuIds.slice((b * 2 + i) * B.calibLen, (b * 2 + i + 1) * B.calibLen)));
const report = await mt.estimateImportance(teacher, calib, { depth: [] }); // width only: no layer scores needed
const plan = mt.planFromTargets(teacher.spec, report, { ffnHiddenSize: 1008 });
const sliced = mt.slicePlan(teacher.spec, teacher.params, plan);
const student = { ...teacher, spec: sliced.spec, params: sliced.params };
const evalOpts = { seqLen: 256, stride: 256, maxTokens: B.evalTokens };
const teacherPpl = (await mt.perplexity(teacher, moby, evalOpts)).ppl;
const prunedPpl = (await mt.perplexity(student, moby, evalOpts)).ppl;
({ teacherPpl: teacherPpl, prunedPpl: prunedPpl, studentParams: mt.paramCount(student.spec) })
"""),
    md("""
One helper runs a training recipe on the shared data and returns its history with the held-out perplexity of the
result (the trained weights are freed). `base` holds what every run shares: data, steps, batch, schedule, seed.
"""),
    code("""
const trainIds = tok.encode(sotu.slice(200_000, 200_000 + B.trainChars));
const evalIds = tok.encode(moby.slice(0, 200_000));
const base = {
  student: student, data: trainIds, steps: B.steps, batch: B.batch, seqLen: B.seqLen, lr: 6e-4, minLr: 6e-5,
  warmup: B.warmup, schedule: 'cosine' as const, seed: 0, evalData: evalIds, evalEvery: B.evalEvery, evalWindows: B.evalTokens / B.seqLen,
};
type Run = { name: string; history: mt.TrainHistory; ppl: number; seconds: number };
const runs: Run[] = [];
async function train(name: string, opts: Partial<mt.DistillOptions>): Promise<Run> {
  const live = mt.liveLoss();
  const t0 = Date.now();
  const r = await mt.distill({ ...base, teacher: teacher, ...opts, onStep: (row: mt.TrainRow) => live.push(row) });
  live.flush();
  const ppl = (await mt.perplexity({ ...student, params: r.params }, moby, evalOpts)).ppl;
  tf.dispose([...Object.values(r.params), ...r.projections]);
  const run = { name: name, history: { kind: 'train-history' as const, rows: r.rows }, ppl: ppl, seconds: (Date.now() - t0) / 1000 };
  runs.push(run);
  return run;
}
const table = () => runs.map((r) => ({ run: r.name, ppl: +r.ppl.toFixed(2), vsTeacher: +(r.ppl / teacherPpl).toFixed(3), tokens: r.history.rows[r.history.rows.length - 1].tokens, seconds: Math.round(r.seconds) }));
'ready'
"""),
    md("""
## KD against cross-entropy at equal tokens

`mode: 'kd'` minimises KL(teacher ‖ student) only (the recipe of *LLM Pruning and Distillation in Practice*);
`mode: 'ce'` is ordinary next-token training on the same text — what you would do without a teacher.
"""),
    code("""
await train('KD (forward KL)', { mode: 'kd' });
await train('CE only', { mode: 'ce', teacher: null });
await train('KD + CE', { mode: 'kd', loss: { weights: { kl: 1, ce: 1 } } });
table()
"""),
    md("""
## Logits only, or logits and intermediate states

*Compact Language Models via Pruning and Knowledge Distillation* adds a loss on intermediate states (here the output
of every sixth block), through a learned linear map from student to teacher width, scaled to the logit loss. The
paper found it helps mainly when depth is cut; our student keeps all 30 layers.
"""),
    code("""
const states = [5, 11, 17, 23, 29].map((l) => ({ student: { tap: 'block_out', layer: l }, teacher: { tap: 'block_out', layer: l } }));
await train('KD + states', { mode: 'kd', states: states, loss: { weights: { kl: 1, is: 1 }, stateLoss: 'cosine' } });
table()
"""),
    md("""
## Temperature and top-k

A temperature τ > 1 flattens both distributions before the KL (the loss is scaled by τ²); the papers found τ = 1
best. Top-k KL keeps only the teacher's k most likely tokens (renormalised) — what a compact teacher cache stores.
"""),
    code("""
await train('KD τ = 2', { mode: 'kd', loss: { temperature: 2 } });
await train('KD top-64', { mode: 'kd', loss: { logitLoss: 'topk_kl', topK: 64 } });
table()
"""),
    md("""
## Interrupt and resume

With `outDir`, the trainer writes an atomic checkpoint (weights, AdamW moments, step, data position, RNG). Here an
`AbortController` stops the run after half its steps — exactly what the ■ button does to a running cell — and a second
call with `resume: true` finishes it. The losses equal those of the uninterrupted KD run above, step for step.
"""),
    code("""
const os = require('node:os') as typeof import('node:os');
const path = require('node:path') as typeof import('node:path');
const fs = require('node:fs') as typeof import('node:fs');
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kd-resume-'));
const stop = new AbortController();
const half = Math.ceil(B.steps / 2);
// a checkpoint every step in CI, every quarter of the run in full mode (each holds the weights and AdamW moments, ~1.3 GB)
const every = SHORT ? 1 : Math.max(1, Math.floor(B.steps / 4));
const first = await mt.distill({ ...base, teacher: teacher, outDir: outDir, checkpointEvery: every, signal: stop.signal,
  onStep: (row: mt.TrainRow) => { if (row.step === half) stop.abort(); } });
const resumed = await mt.distill({ ...base, teacher: teacher, outDir: outDir, checkpointEvery: every, resume: true });
const straight = runs[0].history.rows.map((r) => r.loss);
const maxDiff = Math.max(...resumed.rows.map((r, i) => Math.abs(r.loss - straight[i])));
tf.dispose([...Object.values(first.params), ...Object.values(resumed.params)]);
fs.rmSync(outDir, { recursive: true, force: true }); // the checkpoint (weights + AdamW moments) is no longer needed
({ stoppedAt: first.step, stopped: first.stopped, resumedTo: resumed.step, maxLossDiffVsStraight: maxDiff })
"""),
    md("""
## Teacher correction

The teacher never saw our distillation text in training. *LLM Pruning and Distillation in Practice* fine-tunes it
lightly on the distillation data first (>6% lower LM loss on it at 8B scale). `mt.correctTeacher` runs the same
trainer in cross-entropy mode; then KD uses the corrected teacher.
"""),
    code("""
const corrected = await mt.correctTeacher({ teacher: teacher, data: trainIds, steps: B.correctSteps, batch: B.batch, seqLen: B.seqLen,
  lr: 1e-4, minLr: 1e-5, warmup: 1, seed: 1 });
const correctedTeacher = { ...teacher, params: corrected.params };
const sotuHeldOut = sotu.slice(sotu.length - 60_000); // not among the training windows
const before = (await mt.perplexity(teacher, sotuHeldOut, evalOpts)).ppl;
const after = (await mt.perplexity(correctedTeacher, sotuHeldOut, evalOpts)).ppl;
await train('KD from corrected teacher', { mode: 'kd', teacher: correctedTeacher });
tf.dispose(Object.values(corrected.params));
({ teacherPplOnHeldOutSotu: before, correctedPplOnHeldOutSotu: after })
"""),
    md("""
## All runs

Loss curves overlaid and perplexity on the same held-out *Moby Dick* tokens; the teacher's is the floor. Read the full-mode numbers with
their budget in mind: a few hundred thousand tokens is a tiny fraction of what the papers spend (94B tokens for
Llama-3.1-Minitron-4B), so the gaps between recipes matter more than the absolute values.
"""),
    code("""
mt.compare({
  teacher: { perplexity: teacherPpl, params: mt.paramCount(teacher.spec), teacher: true },
  pruned: { perplexity: prunedPpl, params: mt.paramCount(student.spec) },
  ...Object.fromEntries(runs.map((r) => [r.name, { history: r.history, perplexity: r.ppl, params: mt.paramCount(student.spec), timeSec: r.seconds }])),
})
"""),
    stamp_update_cell("plan"),
]


def build():
    return notebook(CELLS)
