/**
 * Plots carry a static image for GitHub and nbviewer: the train-history and comparison bundles hold image/svg+xml, a
 * well-formed SVG document (parsed by Python's xml.etree) with one polyline per curve; tables without a plot hold none.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { toMimeBundle } from '../../src/display/mime.js';
import { compare } from '../../src/display/compare.js';
import { ROOT } from '../helpers.js';

const rows = (k: number) => Array.from({ length: 6 }, (_, i) => ({ step: i + 1, tokens: 64 * (i + 1), loss: k + 3 / (i + 1), kl: k + 2 / (i + 1), lr: 1e-3 }));

/** Root tag and polyline count of an SVG document, from Python's XML parser. */
function parseSvg(svg: string): { root: string; polylines: number } {
  const code = "import sys, json, xml.etree.ElementTree as E\nr = E.fromstring(sys.stdin.read())\nprint(json.dumps({'root': r.tag, 'polylines': len(r.findall('{http://www.w3.org/2000/svg}polyline'))}))";
  return JSON.parse(execFileSync(path.join(ROOT, '.venv/bin/python'), ['-c', code], { input: svg }).toString()) as { root: string; polylines: number };
}

describe('static images in bundles', () => {
  it('a training history carries its loss curve as image/svg+xml', () => {
    const b = toMimeBundle({ kind: 'train-history', rows: rows(1) });
    const svg = b['image/svg+xml'] as string;
    assert.equal(typeof svg, 'string');
    const p = parseSvg(svg);
    assert.equal(p.root, '{http://www.w3.org/2000/svg}svg');
    assert.ok(p.polylines >= 1, `the loss curve, got ${p.polylines}`);
  });

  it('a comparison carries one curve per run; a plan or stamp without a plot carries no image', () => {
    const c = compare({ a: { kind: 'train-history', rows: rows(1) }, b: { kind: 'train-history', rows: rows(2) } });
    assert.ok(parseSvg(toMimeBundle(c)['image/svg+xml'] as string).polylines >= 2);
    const stamp = { kind: 'stamp', time: new Date(0).toISOString(), versions: {}, git: null, backend: null,
      machine: { cpu: 'x', cores: 1, memoryGb: 1, os: 'linux' }, env: {}, seed: 0, sha256: {} };
    assert.equal(toMimeBundle(stamp)['image/svg+xml'], undefined);
  });
});
