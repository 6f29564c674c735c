/**
 * Code health, as DESIGN.md asks: no function longer than 80 lines in src/, kernel/src or labextension/src (measured
 * with the TypeScript compiler's own parser); the library's stage folders import only from earlier stages (data flows
 * io → model → eval/data → importance → prune → distill, with display and cli on top), so there is no cycle either.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers.js';

const DIRS = ['src', 'kernel/src', 'labextension/src'];
/** Stage of each top-level name under src/: a module imports only from stages of equal or lower rank. */
const RANK: Readonly<Record<string, number>> = {
  types: 0, errors: 0, backend: 0, plan_core: 0, host: 0, io: 1, model: 2, data: 3, eval: 3, importance: 4, prune: 5, distill: 6,
  display: 7, widgets: 7, cli: 8,
};
const MAX_LINES = 80;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** [file:line name, lines] of every function-like node longer than MAX_LINES. */
function longFunctions(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const a = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const b = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      if (b - a + 1 > MAX_LINES) out.push(`${path.relative(ROOT, file)}:${a + 1} ${(n as ts.FunctionLikeDeclaration).name?.getText(sf) ?? '(anonymous)'} ${b - a + 1} lines`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Relative imports of a library file, resolved to files. */
function imports(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  sf.forEachChild((n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text;
      if (spec.startsWith('.')) out.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  });
  return out;
}

describe('code health', () => {
  it(`no function in ${DIRS.join(', ')} is longer than ${MAX_LINES} lines`, () => {
    const long = DIRS.flatMap((d) => files(path.join(ROOT, d))).flatMap(longFunctions);
    assert.deepEqual(long, []);
  });

  it('every import in src/ runs from a later stage to an earlier one (no import back up, hence no cycle)', () => {
    const stage = (f: string): string => path.relative(path.join(ROOT, 'src'), f).split(path.sep)[0]!.replace(/\.ts$/, '');
    const lib = files(path.join(ROOT, 'src')).filter((f) => path.basename(f) !== 'index.ts');
    const unknown = [...new Set(lib.map(stage))].filter((s) => !(s in RANK));
    assert.deepEqual(unknown, [], 'every folder of src/ has a rank');
    const up = lib.flatMap((f) => imports(f).filter((g) => path.basename(g) !== 'index.ts' && RANK[stage(g)]! > RANK[stage(f)]!)
      .map((g) => `${path.relative(ROOT, f)} → ${path.relative(ROOT, g)}`));
    assert.deepEqual(up, []);
  });
});
