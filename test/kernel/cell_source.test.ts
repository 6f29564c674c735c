import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ts from 'typescript';
import { expandShorthands, toOriginal } from '../../kernel/src/cell_source.js';
import { mapToCell } from '../../kernel/src/traceback.js';

test('expandShorthands writes { x } as { x: x } and quotes destructured property names; other code is untouched', () => {
  const src = 'const o = { teacher, student, n: 1 };\n({ a, b = 2 } = o);\nconst { name: nm, k } = o;\nconst s = "{ x }";';
  const r = expandShorthands(src);
  assert.equal(r.code, "const o = { teacher: teacher, student: student, n: 1 };\n({ a: a, b: b = 2 } = o);\nconst { 'name': nm, k } = o;\nconst s = \"{ x }\";");
  // Same meaning: both transpile to programs that build the same objects.
  const run = (code: string): unknown => new Function(`const teacher = 1, student = 2; let a, b; ${ts.transpile(code)}; return [o, a, b, nm, k, s];`)();
  assert.deepEqual(run(r.code), run(src));
  assert.equal(expandShorthands('1 + 2').code, '1 + 2');
});

test('toOriginal maps positions of the rewritten cell back to the cell as written', () => {
  const src = 'const x = { teacher, nope };\nconst { name: nm } = y;';
  const r = expandShorthands(src);
  const at = (needle: string, code: string): { line: number; col: number } => {
    const off = code.indexOf(needle);
    const before = code.slice(0, off).split('\n');
    return { line: before.length, col: before[before.length - 1].length + 1 };
  };
  assert.deepEqual(toOriginal(src, r, at(': nope', r.code).line, at(': nope', r.code).col + 2), at('nope', src)); // inside an insertion
  assert.deepEqual(toOriginal(src, r, at('y;', r.code).line, at('y;', r.code).col), at('y;', src));
  assert.deepEqual(toOriginal(src, r, 1, 1), { line: 1, col: 1 });
});

test('mapToCell finds the code at a JavaScript error column in the cell\'s own lines', () => {
  const rec = { source: 'const s: { x?: { y: number } } = {};\nconst v: number = s.x!.y;', js: '(function(exports, require) { const s = {};\nconst v = exports.s.x.y;' };
  assert.deepEqual(mapToCell(rec, 2, 'const v = exports.s.x'.length + 1), { line: 2, col: 'const v: number = s.x!'.length + 1 });
  assert.equal(mapToCell(rec, 9, 1), null);
});
