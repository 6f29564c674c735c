/** The plan editors shown in this process (host state: one registry per process, shared by every library copy). */
import { HOST_KEYS } from './keys.js';

/**
 * The process-wide registry of plan editors by editor id (display/plan_editor.ts owns the entries' type).
 * @example editorRegistry<EditorState>().set(id, state);
 */
export function editorRegistry<T>(): Map<string, T> {
  const g = globalThis as { [HOST_KEYS.editors]?: Map<string, T> };
  const reg = g[HOST_KEYS.editors] ?? new Map<string, T>();
  g[HOST_KEYS.editors] = reg;
  return reg;
}
