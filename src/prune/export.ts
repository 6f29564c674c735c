/** Export a pruned model as a Hugging Face checkpoint folder, with plan.json and report.json beside the weights. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchPlan, ImportanceReport, ModelSpec, Params } from '../types.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import { checkOutput } from '../io/paths.js';
import { ExportError, PlanError } from './errors.js';
import { paramCount, plannedSpec } from './count.js';
import { transformersIssue } from './compat.js';
import { validatePlan } from './validate.js';
import { disposeParams, slicePlan } from './slice.js';

/** What exportPruned wrote. */
export interface ExportResult {
  dir: string;
  spec: ModelSpec;
  params: number;
}

/**
 * Slices `model` by `plan` and writes an HF folder (config.json, safetensors, tokenizer files, plan.json, report.json);
 * refuses sizes transformers cannot load unless options.allowUnloadable.
 * @example const { dir, params } = await exportPruned('out/smol-90m', model, plan, report);
 */
export async function exportPruned(outDir: string, model: { dir?: string; spec: ModelSpec; params: Params; config?: Record<string, unknown> },
  plan: ArchPlan, report: ImportanceReport | null, options: { allowUnloadable?: boolean } = {}): Promise<ExportResult> {
  const out = path.resolve(outDir);
  if (fs.existsSync(out)) throw new ExportError(out, 'already exists; choose a new output folder (exports never overwrite)');
  checkOutput(out, { what: 'exportPruned', kind: 'dir', mustNotExist: true, inputs: [model.dir] }); // through real paths (symlinks)
  const issue = transformersIssue(plannedSpec(validatePlan(plan, model.spec)));
  if (issue !== null && !(options.allowUnloadable ?? false)) {
    throw new PlanError('not-exportable', `${issue}; pass allowUnloadable to export anyway`);
  }
  const small = slicePlan(model.spec, model.params, plan);
  try {
    const extraFiles: Record<string, string> = { 'plan.json': JSON.stringify(plan, null, 1) };
    if (report !== null) extraFiles['report.json'] = JSON.stringify(report);
    // Per-layer config lists (qwen2/mistral layer_types) follow the kept layers.
    const baseConfig: Record<string, unknown> = { ...(model.config ?? {}) };
    if (Array.isArray(baseConfig.layer_types)) baseConfig.layer_types = plan.keep.layers.map((l) => (baseConfig.layer_types as unknown[])[l]);
    await saveCheckpoint(out, small.spec, small.params, { tokenizerFrom: model.dir ?? null, baseConfig, extraFiles });
  } finally {
    disposeParams(small.params);
  }
  return { dir: out, spec: small.spec, params: paramCount(small.spec) };
}
