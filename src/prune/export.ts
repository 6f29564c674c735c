/** Export a pruned model as a Hugging Face checkpoint folder, with plan.json and report.json beside the weights. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchPlan, ImportanceReport, ModelSpec, Params } from '../types.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import { ExportError, PlanError } from './errors.js';
import { paramCount } from './count.js';
import { disposeParams, slicePlan } from './slice.js';

/** What exportPruned wrote. */
export interface ExportResult {
  dir: string;
  spec: ModelSpec;
  params: number;
}

/**
 * Slices `model` by `plan` and writes an HF folder (config.json, safetensors, tokenizer files, plan.json, report.json).
 * @example const { dir, params } = await exportPruned('out/smol-90m', model, plan, report);
 */
export async function exportPruned(outDir: string, model: { dir?: string; spec: ModelSpec; params: Params; config?: Record<string, unknown> },
  plan: ArchPlan, report: ImportanceReport | null): Promise<ExportResult> {
  const out = path.resolve(outDir);
  if (fs.existsSync(out)) throw new ExportError(out, 'already exists; choose a new output folder (exports never overwrite)');
  if (model.dir !== undefined) {
    const src = path.resolve(model.dir);
    if (out === src || out.startsWith(src + path.sep)) throw new ExportError(out, `is inside the input checkpoint ${src}, which is never written`);
  }
  const t = plan.target;
  if (model.spec.family === 'gpt2' && t.numHeads * model.spec.headDim !== t.hiddenSize) {
    throw new PlanError('not-exportable', `gpt2 checkpoints need hidden = heads × head_dim; the plan keeps ${t.numHeads} heads × ${model.spec.headDim} but hidden ${t.hiddenSize} (prune heads and channels together)`);
  }
  const small = slicePlan(model.spec, model.params, plan);
  try {
    const extraFiles: Record<string, string> = { 'plan.json': JSON.stringify(plan, null, 1) };
    if (report !== null) extraFiles['report.json'] = JSON.stringify(report);
    await saveCheckpoint(out, small.spec, small.params, { tokenizerFrom: model.dir ?? null, baseConfig: model.config ?? {}, extraFiles });
  } finally {
    disposeParams(small.params);
  }
  return { dir: out, spec: small.spec, params: paramCount(small.spec) };
}
