/** Shared cases of the plan-core tests: the transformers-made fixture checkpoints and pruning targets per axis. */
import * as path from 'node:path';
import type { PlanTargets } from '../../src/prune/plan.js';
import type { ModelSpec } from '../../src/plan_core/index.js';

/** Folder of the generated fixtures (test/make_fixtures.py). */
export const GEN = path.resolve(__dirname, '..', 'fixtures', 'gen');
/** Every transformers-made fixture checkpoint (gpt2 tied/untied, llama GQA, llama head_dim, llama3 rope, qwen2 biases, mistral, qwen3, gemma3, phi3). */
export const FIXTURES = ['gpt2_tied', 'gpt2_untied', 'llama_gqa', 'llama_tied_headdim', 'llama3_rope', 'llama_sharded', 'qwen2_bias', 'mistral_window', 'qwen3_qknorm', 'gemma3_text', 'phi3_longrope'];

/** Targets for a spec: every single axis (hidden, ffn, heads, layers), then combinations. */
export function axisCases(s: ModelSpec): [string, PlanTargets][] {
  const heads = s.numHeads === s.numKvHeads ? Math.max(1, s.numHeads - 1) : s.numHeads - s.numKvHeads;
  const hidden = s.hiddenSize - 8, ffn = Math.floor(s.ffnHiddenSize / 2), layers = s.numLayers - 1;
  return [
    ['hidden', { hiddenSize: hidden }], ['ffn', { ffnHiddenSize: ffn }], ['heads', { numHeads: heads }], ['layers', { numLayers: layers }],
    ['hidden+heads', { hiddenSize: hidden, numHeads: heads }], ['ffn+layers', { ffnHiddenSize: ffn, numLayers: layers }],
    ['all', { hiddenSize: hidden, ffnHiddenSize: ffn, numHeads: heads, numLayers: layers }],
  ];
}
