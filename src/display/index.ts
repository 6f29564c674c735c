/** Display: library objects → MIME bundles, a pluggable display sink, updatable displays, comms. */
export * from './mime.js';
export * from './sink.js';
export * from './progress.js';
export * from './comm.js';
export { renderModelSpec, renderModelSummary, renderImportance, renderArchPlan, renderTrainHistory, specParamCount } from './renderers.js';
export type { ModelSummary, Rendered } from './renderers.js';
export { escapeHtml } from './html.js';
export * from './checkpoint.js';
export * from './plan_editor.js';
