/**
 * End-to-end test with the real minitron kernel (kernelspec installed into a temp prefix, JUPYTER_PATH) in headless
 * chromium: mt.planEditor(plan, { model, evalIds }) on a tiny llama fixture; a target typed and Apply clicked at once
 * (the first click after typing must apply); the kernel's what-if (masked loss / perplexity and parameter change)
 * shows in the editor; a keyboard-only edit (Space on a layer checkbox, Ctrl+Enter) applies too; a later cell reads
 * `ed.plan`; a plain `plan` value is shown read-only with the hint; mt.compare(...) as a cell value renders the comparison. Skipped when the browser set-up or the built
 * library/kernel (dist/, kernel/dist/) or the transformers fixtures (test/fixtures/gen) are missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { artifact, labSkipReason, ROOT, runCell, startLab, waitKernelIdle } from './lab_harness.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'gen', 'llama_gqa');

function skip(): string | null {
  const r = labSkipReason();
  if (r) return r;
  for (const f of ['dist/display/plan_whatif.js', 'kernel/dist/main.js']) if (!fs.existsSync(path.join(ROOT, f))) return `${f} missing (bash scripts/setup.sh builds it)`;
  if (!fs.existsSync(path.join(FIXTURE, 'model.safetensors'))) return `${FIXTURE} missing (test/make_fixtures.py)`;
  return null;
}

const CELLS = [
  [`const model = await mt.loadModel(${JSON.stringify(FIXTURE)}, { requireTokenizer: false });`,
    'const evalIds = Array.from({ length: 128 }, (_, i) => (i * 37 + 11) % model.spec.vocabSize);',
    'const plan = mt.identityPlan(model.spec);',
    'const ed = mt.planEditor(plan, { model, evalIds });'].join('\n'),
  '`ffn ${ed.plan.target.ffnHiddenSize} layers ${ed.plan.keep.layers.join(",")} edits ${ed.edits}`',
  'plan',
  "mt.compare({ teacher: { perplexity: 12, params: 80_832 }, pruned: { rows: [1, 2, 3].map((step) => ({ step, tokens: 64 * step, loss: 4 - step / 2, lr: 1e-3, tokensPerSec: 640 })), perplexity: 15, params: 59_328 } })",
];

test('minitron kernel ↔ lab plan editor: Apply right after typing, what-if, keyboard apply, ed.plan, read-only plain plan', { skip: skip() ?? false, timeout: 300_000 }, async () => {
  const cell = (source: string, i: number): Record<string, unknown> => ({ id: `c${i}`, cell_type: 'code', execution_count: null, metadata: {}, source, outputs: [] });
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'minitron', display_name: 'TypeScript (minitron)', language: 'typescript' } }, cells: CELLS.map(cell) };
  const lab = await startLab({ 'e2e.ipynb': nb }, {}, (tmp) => {
    const prefix = path.join(tmp, 'prefix');
    execFileSync(process.execPath, [path.join(ROOT, 'kernel', 'bin', 'minitron-kernel.js'), 'install', '--prefix', prefix], { encoding: 'utf8' });
    return { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
  });
  const page = lab.page;
  try {
    await lab.open('e2e.ipynb');
    await page.waitForSelector('.jp-Notebook .jp-Cell');
    await waitKernelIdle(page);
    await runCell(page, 0);
    const editor = page.locator('.jp-Cell').nth(0).locator('.mt-plan');
    await editor.locator('table.mt-plan-layers').waitFor({ timeout: 120_000 });
    assert.match((await editor.locator('.mt-foot').textContent()) ?? '', /editor pe-/);
    assert.equal(await editor.locator('tr.mt-layer').count(), 2);

    // Type a new ffn size and click Apply at once: the first click applies (no redraw under the click).
    const ffn = editor.locator('input[data-field="ffnHiddenSize"]');
    await ffn.click();
    await ffn.press('Control+A');
    await page.keyboard.type('56');
    await editor.locator('.mt-apply').click();
    await editor.locator('.mt-status.mt-ok').waitFor({ timeout: 60_000 });
    await editor.locator('.mt-whatif-done').waitFor({ timeout: 120_000 });
    const what = (await editor.locator('.mt-whatif').textContent()) ?? '';
    assert.match(what, /^what-if \(masked model, 2 × 64 tokens of evalIds\): loss [\d.]+ → [\d.]+ \([+−][\d.]+\) · perplexity [\d.]+ → [\d.]+ \(×[\d.]+\) · params [\d.]+K → [\d.]+K \(−[\d.]+%\)$/);
    await page.locator('.jp-Cell').nth(0).screenshot({ path: artifact('e2e-whatif.png') });

    // Keyboard only: focus layer 1's checkbox, Space drops it, Ctrl+Enter applies.
    await editor.locator('input[data-action="layer"][data-layer="1"]').focus();
    await page.keyboard.press('Space');
    await editor.locator('.mt-dirty').waitFor({ state: 'visible' });
    await page.keyboard.press('Control+Enter');
    await editor.locator('.mt-dirty').waitFor({ state: 'hidden', timeout: 60_000 });
    await editor.locator('.mt-whatif-done').waitFor({ timeout: 120_000 });

    await runCell(page, 1);
    const out = page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea-output');
    await out.filter({ hasText: 'ffn 56 layers 0 edits 2' }).waitFor({ timeout: 60_000 });

    // A plain plan value: read-only, with the way to open an editor.
    await runCell(page, 2);
    const plain = page.locator('.jp-Cell').nth(2).locator('.mt-plan');
    await plain.locator('.mt-readonly').waitFor({ timeout: 60_000 });
    assert.match((await plain.locator('.mt-readonly').textContent()) ?? '', /const ed = mt\.planEditor\(plan\)/);
    assert.equal(await plain.locator('.mt-apply').isVisible(), false);
    assert.ok(await plain.locator('input[data-field="ffnHiddenSize"]').isDisabled());
    await page.locator('.jp-Cell').nth(2).screenshot({ path: artifact('e2e-readonly.png') });

    // mt.compare as a cell's value: the comparison plot and results table.
    await runCell(page, 3);
    const cmp = page.locator('.jp-Cell').nth(3).locator('.mt-compare');
    await cmp.locator('.main-svg').first().waitFor({ timeout: 60_000 });
    assert.equal(await cmp.locator('.legend .traces').count(), 1, 'a single run is named in the legend');
    assert.deepEqual(await cmp.locator('tbody tr').nth(1).locator('td').allTextContents(), ['pruned', '59.3K', '15', '+25.0%', '192', '0.3s', '2.5']);
    await page.locator('.jp-Cell').nth(3).screenshot({ path: artifact('e2e-compare.png') });
  } catch (e) {
    const outs = await page.locator('.jp-OutputArea-output').allTextContents().catch(() => []);
    await page.screenshot({ path: artifact('e2e-fail.png') }).catch(() => undefined);
    throw new Error(`${String(e)}\n--- outputs ---\n${outs.join('\n').slice(0, 3000)}\n--- lab log tail ---\n${lab.log().slice(-4000)}`);
  } finally {
    await lab.close();
  }
});
