/**
 * Real-browser UI test of the figures' theme and the read-only plan: JupyterLab (with the installed extension) shows
 * saved outputs of every kind (loss plot, importance heatmaps, a comparison, a linked plan editor, a plain plan) in
 * headless chromium; in JupyterLab Light, Dark and Dark High Contrast every visible text of the figures and tables has
 * WCAG contrast ≥ 4.5 against the background behind it (computed colours), and switching the theme re-themes the
 * drawn figures live. Screenshots per theme go to test/labextension/artifacts/ ($MT_UI_ARTIFACTS).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { contrastScript } from './contrast.js';
import type { TextContrast } from './contrast.js';
import { sampleComparison, themeNotebook } from './fixtures.js';
import { artifact, labSkipReason, setTheme, startLab } from './lab_harness.js';

const reason = labSkipReason();
const FIGURES = '.mt-loss, .mt-importance, .mt-compare, .mt-plan';
const HTML_TEXTS = '.mt-toolbar > span, .mt-toolbar label, .mt-compare-table th, .mt-compare-table td, .mt-plan-layers th, .mt-plan-layers tr:not(.mt-dropped) td.mt-num, .mt-foot, .mt-readonly, .mt-target, .mt-plan-layers tr:not(.mt-dropped) .mt-head.mt-on';
const THEMES = [['JupyterLab Light', 'light'], ['JupyterLab Dark', 'dark'], ['JupyterLab Dark High Contrast', 'hc']] as const;

async function contrasts(page: Page): Promise<TextContrast[]> {
  return page.evaluate(contrastScript(FIGURES, HTML_TEXTS)) as Promise<TextContrast[]>;
}

/** The colour of the loss plot's first tick label, to see a redraw after a theme change. */
const tickFill = (page: Page): Promise<string> => page.evaluate(`getComputedStyle(document.querySelector('.mt-loss .xtick text')).fill`) as Promise<string>;

async function shots(page: Page, name: string): Promise<void> {
  await page.locator('.mt-loss').screenshot({ path: artifact(`theme-${name}-loss.png`) });
  await page.locator('.mt-importance .mt-fig-neurons').screenshot({ path: artifact(`theme-${name}-neurons.png`) });
  await page.locator('.mt-compare').screenshot({ path: artifact(`theme-${name}-compare.png`) });
  await page.locator('.mt-plan').nth(0).screenshot({ path: artifact(`theme-${name}-plan.png`) });
}

test('figures follow the lab theme (light, dark, high contrast) with readable text; comparison and read-only plan render', { skip: reason ?? false, timeout: 300_000 }, async () => {
  const lab = await startLab({ 'theme.ipynb': themeNotebook() });
  const page = lab.page;
  try {
    await lab.open('theme.ipynb');
    for (const sel of ['.mt-loss .main-svg', '.mt-importance .mt-fig-heads .main-svg', '.mt-importance .mt-fig-neurons .main-svg', '.mt-importance .mt-fig-channels .main-svg', '.mt-compare .main-svg']) await page.waitForSelector(sel);
    await page.waitForFunction(`document.querySelectorAll('.mt-plan table.mt-plan-layers').length === 2`);

    // Comparison: one curve per run with rows (2) + their eval points, a row per run, the teacher as reference.
    const cmp = sampleComparison();
    assert.equal(await page.locator('.mt-compare .legend .traces').count(), 2);
    assert.deepEqual(await page.locator('.mt-compare-table tbody td:first-child').allTextContents(), cmp.runs.map((r) => r.name));
    assert.deepEqual(await page.locator('.mt-compare-table tbody tr').nth(1).locator('td').nth(3).textContent(), '+15.9%');
    assert.equal(await page.locator('.mt-compare-table tr.mt-teacher td').nth(3).textContent(), 'reference');

    // A plain plan output (no editor id) is read-only with a visible way to open an editor; the linked one is editable.
    const plain = page.locator('.mt-plan').nth(1);
    assert.ok(await plain.locator('.mt-readonly').isVisible());
    assert.match((await plain.locator('.mt-readonly').textContent()) ?? '', /mt\.planEditor\(plan\)/);
    assert.equal(await plain.locator('.mt-apply').isVisible(), false);
    assert.ok(await plain.locator('input[data-field="numHeads"]').isDisabled());
    assert.ok(await plain.locator('.mt-head').first().isDisabled());
    const linked = page.locator('.mt-plan').nth(0);
    assert.equal(await linked.locator('.mt-readonly').isVisible(), false);
    assert.ok(await linked.locator('.mt-apply').isEnabled());

    // Loss plot: header with step i / N and ETA; integer step ticks.
    assert.match((await page.locator('.mt-loss .mt-header').textContent()) ?? '', /^step 200 \/ 400 \(50%\) · elapsed 6m 40s · ETA 6m 40s · [\d.]+k tok\/s · loss /);
    const ticks = await page.locator('.mt-loss .xtick text').allTextContents();
    assert.ok(ticks.length >= 3 && ticks.every((t) => /^\d+$/.test(t)), `step ticks ${ticks.join(' ')}`);

    let before = '';
    for (const [theme, name] of THEMES) {
      if (theme !== 'JupyterLab Light') {
        await setTheme(page, theme);
        // Every drawn plot re-themes live (redrawn in the new theme without re-running anything).
        await page.waitForFunction(`[...document.querySelectorAll('.mt-plot')].every((d) => d.dataset.theme === ${JSON.stringify(theme)})`, undefined, { timeout: 30_000 });
        if (name === 'dark') assert.notEqual(await tickFill(page), before, 'tick labels changed colour');
        await page.waitForTimeout(300);
      }
      before = await tickFill(page);
      const all = await contrasts(page);
      assert.ok(all.filter((c) => c.where === 'svg').length > 100, `${theme}: svg texts measured: ${all.length}`);
      const worst = [...all].sort((a, b) => a.ratio - b.ratio).slice(0, 5);
      assert.ok(worst[0].ratio >= 4.5, `${theme}: lowest text contrast ${JSON.stringify(worst)}`);
      await shots(page, name);
      console.log(`${theme}: ${all.length} texts, lowest contrast ${worst[0].ratio.toFixed(2)} ('${worst[0].text}' ${worst[0].fg} on ${worst[0].bg})`);
    }
    const ours = lab.consoleErrors.filter((e) => /minitron|mt-|plotly/i.test(e));
    assert.deepEqual(ours, [], `browser console errors: ${ours.join('\n')}`);
  } finally {
    await lab.close();
  }
});
