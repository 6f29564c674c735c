/** Display: library objects → MIME bundles; display(), progress bars, live loss and the plan editor show them through the host's sink. */
export * from './mime.js';
export * from './sink.js';
export * from './progress.js';
export { renderModelSpec, renderModelSummary, renderImportance, renderArchPlan, renderTrainHistory, specParamCount } from './renderers.js';
export type { ModelSummary, Rendered } from './renderers.js';
export { escapeHtml } from './html.js';
export * from './plan_editor.js';
export * from './compare.js';
export { planWhatIf, whatIfBatch, defaultWhatIfOptions } from './plan_whatif.js';
export type { WhatIfOptions, WhatIfBatch } from './plan_whatif.js';
