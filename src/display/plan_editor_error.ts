/** The plan editor's usage error (display/plan_editor.ts, display/plan_whatif.ts). */
import { MinitronError } from '../errors.js';

/** Thrown when planEditor() runs outside the minitron kernel or gets bad options (a bad plan throws PlanError). @example throw new PlanEditorError('planEditor()', 'the minitron kernel'); */
export class PlanEditorError extends MinitronError {
  constructor(field: string, expected: string, got?: unknown) {
    super(`display/plan_editor.ts: ${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)?.slice(0, 120)}`}`);
  }
}
