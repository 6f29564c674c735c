/**
 * Real-browser UI test: JupyterLab (from .venv, with the installed minitron-labextension) on a free localhost port with
 * a temp notebook dir; Debian chromium (headless, driven by playwright-core) opens a notebook with saved minitron
 * outputs and checks the loss plot, the heatmaps, the plan editor and a comm round-trip with a real (python) kernel.
 * Skipped when chromium, .venv's jupyter or the installed extension is missing. Screenshots: test/labextension/artifacts/ ($MT_UI_ARTIFACTS).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { demoNotebook, sampleReport } from './fixtures.js';
import { artifact, labSkipReason, runCell, startLab, waitKernelIdle } from './lab_harness.js';

const reason = labSkipReason();
const h0 = sampleReport().heads![0];
const expectedHeads = [0, 1, 2].map((g) => [0, 1, 2].map((i) => g * 3 + i).sort((a, b) => h0[b] - h0[a])[0]).map(String);
test('JupyterLab renders minitron outputs (loss plot, heatmaps, plan editor) and the plan editor talks to the kernel', { skip: reason ?? false, timeout: 240_000 }, async () => {
  const lab = await startLab({ 'demo.ipynb': demoNotebook() });
  const page = lab.page;
  try {
    await lab.open('demo.ipynb');

    // Loss plot: a plotly SVG with 4 loss series + lr.
    await page.waitForSelector('.mt-loss .mt-loss-plot .main-svg');
    const lossTraces = await page.locator('.mt-loss .scatterlayer .trace').count();
    assert.ok(lossTraces >= 4, `loss plot traces: ${lossTraces}`);
    assert.equal(await page.locator('.mt-loss').getAttribute('data-rows'), '200');

    // Importance: heatmaps for heads and neurons, bars for channels and layers.
    for (const id of ['heads', 'neurons', 'channels', 'layers']) await page.waitForSelector(`.mt-importance .mt-fig-${id} .main-svg`);
    assert.ok(await page.locator('.mt-importance .mt-fig-heads .hm').count() >= 1, 'heads heatmap layer');
    assert.ok(await page.locator('.mt-importance .mt-fig-neurons .hm').count() >= 1, 'neurons heatmap layer');

    // Plan editor: 30 layer rows, 26 kept, 6 of 9 heads kept per layer, consistent (no issues), apply enabled.
    await page.waitForSelector('.mt-plan table.mt-plan-layers');
    assert.equal(await page.locator('.mt-plan tr.mt-layer').count(), 30);
    assert.equal(await page.locator('.mt-plan tr.mt-dropped').count(), 4);
    assert.equal(await page.locator('.mt-plan tr.mt-layer').first().locator('.mt-head.mt-on').count(), 6);
    assert.equal(await page.locator('.mt-plan .mt-issues').count(), 0);
    // Toggling one head makes the plan inconsistent (6 → 5 in layer 0, GQA groups unequal): issues shown, apply disabled.
    await page.locator('.mt-plan tr.mt-layer').first().locator('.mt-head.mt-on').first().click();
    await page.waitForSelector('.mt-plan .mt-issues');
    assert.ok(await page.locator('.mt-plan .mt-apply').isDisabled());
    await page.locator('.mt-plan button:has-text("Reset")').click();
    await page.waitForSelector('.mt-plan .mt-issues', { state: 'detached' });
    // Setting the heads target to 3 re-chooses heads in every layer (1 per KV group).
    await page.locator('.mt-plan input[data-field="numHeads"]').fill('3');
    await page.locator('.mt-plan input[data-field="numHeads"]').dispatchEvent('change');
    await page.waitForFunction(`document.querySelectorAll('.mt-plan tr.mt-layer:first-child .mt-head.mt-on').length === 3`);
    // With scores in the output metadata the best head of each KV group is kept (sampleReport: layer 0 → heads 2, 3, 8).
    assert.deepEqual(await page.locator('.mt-plan tr.mt-layer').first().locator('.mt-head.mt-on').allTextContents(), expectedHeads);
    // Drop layer 5 too.
    await page.locator('.mt-plan input[data-action="layer"][data-layer="5"]').click();
    await page.waitForFunction(`document.querySelectorAll('.mt-plan tr.mt-dropped').length === 5`);
    assert.equal(await page.locator('.mt-plan input[data-field="numLayers"]').inputValue(), '25');

    // Plotly bundle rendered by our fallback renderer.
    await page.waitForSelector('.mt-plotly .main-svg');

    const shot = artifact('ui.png');
    await page.screenshot({ path: shot, fullPage: false });
    await page.locator('.mt-loss').screenshot({ path: shot.replace(/\.png$/, '-loss.png') });
    await page.locator('.mt-importance').screenshot({ path: shot.replace(/\.png$/, '-importance.png') });

    // Comm: before the kernel registers the target, Apply reports the missing target; after running cell 0 it is accepted.
    await waitKernelIdle(page);
    await page.locator('.mt-plan .mt-apply').click();
    await page.waitForSelector('.mt-plan .mt-status.mt-error', { timeout: 60_000 });
    assert.match((await page.locator('.mt-plan .mt-status').textContent()) ?? '', /no 'minitron\.plan' target/);
    await runCell(page, 0);
    await page.waitForSelector('.jp-Cell >> nth=0 >> .jp-OutputArea-output:has-text("target registered")', { timeout: 60_000 });
    await page.locator('.mt-plan .mt-apply').click();
    await page.waitForSelector('.mt-plan .mt-status.mt-ok', { timeout: 60_000 });
    assert.match((await page.locator('.mt-plan .mt-status').textContent()) ?? '', /applied/);
    assert.equal(await page.locator('.mt-plan .mt-dirty').isVisible(), false, 'no unsent edits after Apply');
    await page.screenshot({ path: shot.replace(/\.png$/, '-applied.png'), fullPage: false });

    // Live update: a cell shows a train-history with a display id, then update_display_data replaces it in place.
    const live = page.locator('.jp-Cell').nth(4);
    await runCell(page, 4);
    await page.waitForSelector('.jp-Cell >> nth=4 >> .mt-loss[data-rows="3"] .main-svg', { timeout: 60_000 });
    assert.equal(await live.locator('.mt-loss').count(), 1, 'the update replaced the output instead of adding one');
    assert.equal(await live.locator('.mt-loss .scatterlayer .trace').count(), 2, 'loss + lr');
    console.log(`screenshots: ${shot}`);
    const ours = lab.consoleErrors.filter((e) => /minitron|mt-|plotly/i.test(e));
    assert.deepEqual(ours, [], `browser console errors: ${ours.join('\n')}`);
  } finally {
    await lab.close();
  }
});
