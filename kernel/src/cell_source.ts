/**
 * Cell source rewrites done before tslab converts a cell, with the map back to the cell's own positions.
 * Shorthand properties: tslab reads an earlier cell's variable `x` as `exports.x`, but not inside `{ x }` (the checker
 * sees the property there), so `{ teacher, student }` threw ReferenceError and `({ a, b } = o)` assigned to stray
 * globals. `{ x }` is rewritten to its exact equivalent `{ x: x }`, whose value tslab then resolves like any other.
 * Destructured property names: tslab also rewrote the `name` of `const { name: n } = earlierVar` to `exports.name`
 * (its symbol is a property declared in an earlier cell's type); it is quoted (`{ 'name': n }`, the same pattern).
 */
import * as ts from 'typescript';

/** One insertion into the cell: `text` at offset `pos` of the original source; positions inside it map to pos - back. */
interface Insertion { pos: number; text: string; back: number }

/** A rewritten cell and the way back to the original's line/column. */
export interface RewrittenCell { code: string; insertions: Insertion[] }

/**
 * `{ x }` → `{ x: x }` (also `{ x = 1 }` in assignment patterns → `{ x: x = 1 }`); `const { p: v } = o` → `const { 'p': v } = o`.
 * @example expandShorthands('({ a })').code === '({ a: a })'
 */
export function expandShorthands(code: string): RewrittenCell {
  if (!code.includes('{')) return { code, insertions: [] };
  const sf = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const insertions: Insertion[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      insertions.push({ pos: node.name.end, text: `: ${node.name.text}`, back: node.name.end - node.name.getStart(sf) });
    } else if (ts.isBindingElement(node) && node.propertyName && ts.isIdentifier(node.propertyName)) {
      insertions.push({ pos: node.propertyName.getStart(sf), text: "'", back: 0 }, { pos: node.propertyName.end, text: "'", back: 0 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (insertions.length === 0) return { code, insertions };
  insertions.sort((a, b) => a.pos - b.pos);
  let out = '';
  let at = 0;
  for (const ins of insertions) { out += code.slice(at, ins.pos) + ins.text; at = ins.pos; }
  return { code: out + code.slice(at), insertions };
}

function offsetOf(code: string, line: number, col: number): number {
  const lines = code.split('\n');
  let off = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
  return off + col - 1;
}

function lineColOf(code: string, offset: number): { line: number; col: number } {
  const before = code.slice(0, Math.max(0, offset)).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/**
 * Maps a 1-based line/column of the rewritten cell back to the original cell (inside an insertion: the shorthand name).
 * @example toOriginal(original, rewritten, 1, 9)
 */
export function toOriginal(original: string, cell: RewrittenCell, line: number, col: number): { line: number; col: number } {
  if (cell.insertions.length === 0) return { line, col };
  let off = offsetOf(cell.code, line, col);
  let shift = 0;
  for (const ins of cell.insertions) {
    const start = ins.pos + shift;
    if (off < start) break;
    if (off < start + ins.text.length) return lineColOf(original, ins.pos - ins.back);
    shift += ins.text.length;
  }
  off -= shift;
  return lineColOf(original, off);
}
