/** Compare two ModelSpecs on the fields that decide tensor shapes (used to reject reports/plans made for another model). */
import type { ModelSpec } from '../types.js';

/** Fields that must agree for a report or plan to apply to a model. */
export const SHAPE_FIELDS = [
  'family', 'vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'ffnHiddenSize',
  'mlpType', 'normType', 'positional', 'tiedEmbeddings',
] as const satisfies readonly (keyof ModelSpec)[];

/**
 * Lists the shape fields where `a` and `b` differ, as "field: a vs b" strings (empty when they match).
 * @example specDiff(report.spec, model.spec) // ['hiddenSize: 576 vs 64']
 */
export function specDiff(a: ModelSpec, b: ModelSpec): string[] {
  const out: string[] = [];
  for (const k of SHAPE_FIELDS) {
    if (a[k] !== b[k]) out.push(`${k}: ${String(a[k])} vs ${String(b[k])}`);
  }
  return out;
}
