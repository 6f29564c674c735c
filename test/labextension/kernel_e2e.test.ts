/**
 * End-to-end comm test with the real minitron kernel: a TypeScript cell calls mt.planEditor(plan), the editor is edited
 * and applied in headless chromium, and a later cell reads the edited plan from `ed.plan`. The kernelspec is installed
 * into a temp prefix (JUPYTER_PATH). Skipped when the browser set-up or the built library/kernel (dist/, kernel/dist/) is missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fullPlan, setTarget } from '../../labextension/src/plan_model.js';
import type { ModelSpec } from '../../src/plan_core/index.js';
import { labSkipReason, ROOT, runCell, startLab, waitKernelIdle } from './lab_harness.js';

const tiny: ModelSpec = {
  family: 'llama', vocabSize: 64, hiddenSize: 32, numLayers: 4, numHeads: 4, numKvHeads: 2, headDim: 8, ffnHiddenSize: 16,
  activation: 'silu', mlpType: 'gated', normType: 'rmsnorm', normEps: 1e-5, positional: 'rope', ropeTheta: 10000, ropeScaling: null,
  maxPositions: 64, tiedEmbeddings: true, qkvBias: false, oBias: false, mlpBias: false, slidingWindow: null, bosTokenId: null, eosTokenId: null,
};

function skip(): string | null {
  const r = labSkipReason();
  if (r) return r;
  for (const f of ['dist/display/plan_editor.js', 'kernel/dist/main.js']) if (!fs.existsSync(path.join(ROOT, f))) return `${f} missing (bash scripts/setup.sh builds it)`;
  return null;
}

test('mt.planEditor in the minitron kernel ↔ the lab plan editor over the minitron.plan comm', { skip: skip() ?? false, timeout: 300_000 }, async () => {
  const plan = setTarget(fullPlan(tiny), 'ffnHiddenSize', 8);
  const cell = (source: string, i: number): Record<string, unknown> => ({ id: `c${i}`, cell_type: 'code', execution_count: null, metadata: {}, source, outputs: [] });
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'minitron', display_name: 'TypeScript (minitron)', language: 'typescript' } },
    cells: [
      cell(`const plan: mt.ArchPlan = JSON.parse(${JSON.stringify(JSON.stringify(plan))});\nconst ed = mt.planEditor(plan);`, 0),
      cell('`layers ${ed.plan.target.numLayers} edits ${ed.edits} kept ${ed.plan.keep.layers.join(",")}`', 1),
    ],
  };
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
    assert.equal(await editor.locator('tr.mt-layer').count(), 4);
    await editor.locator('input[data-action="layer"][data-layer="1"]').click();
    await editor.locator('.mt-apply').click();
    await editor.locator('.mt-status.mt-ok').waitFor({ timeout: 60_000 });
    await runCell(page, 1);
    const out = page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea-output');
    await out.filter({ hasText: 'layers 3 edits 1 kept 0,2,3' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: (process.env.MT_UI_SHOT ?? '/tmp/minitron-lab-ui.png').replace(/\.png$/, '-e2e.png') });
  } catch (e) {
    const outs = await page.locator('.jp-OutputArea-output').allTextContents().catch(() => []);
    await page.screenshot({ path: path.join(process.env.MT_UI_SHOT ? path.dirname(process.env.MT_UI_SHOT) : '/tmp', 'minitron-lab-e2e-fail.png') }).catch(() => undefined);
    throw new Error(`${String(e)}\n--- outputs ---\n${outs.join('\n').slice(0, 3000)}\n--- lab log tail ---\n${lab.log().slice(-4000)}`);
  } finally {
    await lab.close();
  }
});
