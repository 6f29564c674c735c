/**
 * Checks an importance report read from a file before anything uses it: its shape fields, numeric score arrays of
 * the lengths its own spec implies, and (given a model) that it was made for that model.
 */
import type { ImportanceReport, ModelSpec } from '../types.js';
import { MinitronError } from '../errors.js';
import { specDiff } from './spec_match.js';

/** A report file that is malformed or made for another model. @example new ReportError('r.json', 'heads[0]', 'an array of 9 numbers') */
export class ReportError extends MinitronError {
  constructor(readonly file: string, readonly field: string, expected: string) {
    super(`${file}: importance report field "${field}": expected ${expected}`);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function numbers(file: string, field: string, v: unknown, n: number): void {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && !Number.isNaN(x))) {
    const got = Array.isArray(v) ? `${v.length} entries${v.some((x) => typeof x !== 'number') ? ' (not all numbers)' : ''}` : JSON.stringify(v)?.slice(0, 40);
    throw new ReportError(file, field, `an array of ${n} numbers, got ${got}`);
  }
}

function perLayer(file: string, field: string, v: unknown, layers: number, width: number): void {
  if (!Array.isArray(v) || v.length !== layers) throw new ReportError(file, field, `${layers} per-layer arrays, got ${Array.isArray(v) ? v.length : typeof v}`);
  v.forEach((row, l) => numbers(file, `${field}[${l}]`, row, width));
}

function specOf(file: string, v: unknown): ModelSpec {
  if (!isObj(v)) throw new ReportError(file, 'spec', 'the model spec object the report was made for');
  for (const k of ['numLayers', 'numHeads', 'ffnHiddenSize', 'hiddenSize'] as const) {
    if (!Number.isInteger(v[k]) || (v[k] as number) <= 0) throw new ReportError(file, `spec.${k}`, `a positive integer, got ${JSON.stringify(v[k])}`);
  }
  return v as unknown as ModelSpec;
}

/**
 * Returns `value` as a report when it is one (kind, spec, score arrays sized by its spec); given `model`, also
 * refuses a report made for another model. Throws ReportError naming the field.
 * @example const report = checkReport(readJsonFile(f, 'an importance report'), f, model.spec);
 */
export function checkReport(value: unknown, file: string, model?: ModelSpec): ImportanceReport {
  if (!isObj(value) || value.kind !== 'importance-report') throw new ReportError(file, 'kind', '"importance-report"');
  const spec = specOf(file, value.spec);
  if (model) {
    const diff = specDiff(spec, model);
    if (diff.length > 0) throw new ReportError(file, 'spec', `the spec of the model it is used with (made for another model: ${diff.join('; ')})`);
  }
  const { numLayers: L, numHeads: H, ffnHiddenSize: F, hiddenSize: D } = spec;
  if (value.heads !== undefined) perLayer(file, 'heads', value.heads, L, H);
  if (value.neurons !== undefined) perLayer(file, 'neurons', value.neurons, L, F);
  if (value.channels !== undefined) numbers(file, 'channels', value.channels, D);
  if (value.layers !== undefined) {
    if (!isObj(value.layers)) throw new ReportError(file, 'layers', 'an object of depth scores by metric');
    for (const [k, s] of Object.entries(value.layers)) numbers(file, `layers.${k}`, s, L);
  }
  if (value.blocks !== undefined) {
    const b = value.blocks;
    if (!isObj(b) || !Number.isInteger(b.k) || (b.k as number) < 1 || (b.k as number) >= L) throw new ReportError(file, 'blocks.k', `an integer in [1, ${L})`);
    numbers(file, 'blocks.scores', b.scores, L - (b.k as number) + 1);
  }
  return value as unknown as ImportanceReport;
}
