/**
 * Real-browser test of the widget protocol: JupyterLab (from .venv, with jupyterlab_widgets' stock widget manager) in
 * headless chromium runs the minitron kernel; a slider made in TypeScript renders, moving it in the browser reaches the
 * kernel (observe and .value), and a value set by the kernel shows in the browser. Skipped when the browser set-up,
 * jupyterlab_widgets or the built library/kernel are missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { artifact, labSkipReason, ROOT, runCell, startLab, waitKernelIdle } from '../labextension/lab_harness.js';

function skip(): string | null {
  const r = labSkipReason();
  if (r) return r;
  const mgr = path.join(ROOT, '.venv', 'share', 'jupyter', 'labextensions', '@jupyter-widgets', 'jupyterlab-manager');
  if (!fs.existsSync(mgr)) return 'jupyterlab_widgets not installed in .venv (pip install -r requirements.txt)';
  for (const f of ['dist/widgets/index.js', 'kernel/dist/main.js']) if (!fs.existsSync(path.join(ROOT, f))) return `${f} missing (npx tsc -p tsconfig.json; npx tsc -p kernel/tsconfig.json)`;
  return null;
}

const CELLS = [
  "const sl = new mt.IntSlider({ min: 0, max: 10, value: 3, description: 'k' });\nconst moved: number[] = [];\nsl.observe((c) => moved.push(c.new as number), ['value']);\nsl",
  '`kernel sees ${sl.value} after ${moved.length > 0 ? "moves" : "no move"}`',
  'sl.value = 8;',
  ["const pick = new mt.Dropdown({ options: [['two', 2], ['four', 4]], value: 4, description: 'pick' });",
    "const on = new mt.Checkbox({ value: true, description: 'on' });",
    "const ui = mt.interact(({ n, on, pick }) => on ? `n×pick=${n * pick}` : 'off', { n: new mt.FloatSlider({ value: 1.5 }), on, pick });",
    "new mt.VBox([new mt.HBox([new mt.Button({ description: 'go' }), new mt.Text({ value: 'hi' })]), ui])"].join('\n'),
];

test('widgets in JupyterLab: a TypeScript slider renders, the browser moves it and the kernel sees it, the kernel sets it and the browser shows it', { skip: skip() ?? false, timeout: 300_000 }, async () => {
  const cell = (source: string, i: number): Record<string, unknown> => ({ id: `w${i}`, cell_type: 'code', execution_count: null, metadata: {}, source, outputs: [] });
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'minitron', display_name: 'TypeScript (minitron)', language: 'typescript' } }, cells: CELLS.map(cell) };
  const lab = await startLab({ 'widgets.ipynb': nb }, {}, (tmp) => {
    const prefix = path.join(tmp, 'prefix');
    execFileSync(process.execPath, [path.join(ROOT, 'kernel', 'bin', 'minitron-kernel.js'), 'install', '--prefix', prefix], { encoding: 'utf8' });
    return { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
  });
  const page = lab.page;
  try {
    await lab.open('widgets.ipynb');
    await page.waitForSelector('.jp-Notebook .jp-Cell');
    await waitKernelIdle(page);
    await runCell(page, 0);
    const slider = page.locator('.jp-Cell').nth(0).locator('.widget-slider');
    await slider.waitFor({ timeout: 120_000 });
    const readout = slider.locator('.widget-readout');
    await page.waitForFunction((el) => el?.textContent?.trim() === '3', await readout.elementHandle());
    // The browser moves it: keyboard on the slider handle (two steps right).
    await slider.locator('.noUi-handle').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((el) => el?.textContent?.trim() === '5', await readout.elementHandle());
    await runCell(page, 1);
    await page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea-output').filter({ hasText: 'kernel sees 5 after moves' }).waitFor({ timeout: 60_000 });
    // The kernel sets it: the browser shows it.
    await runCell(page, 2);
    await page.waitForFunction((el) => el?.textContent?.trim() === '8', await readout.elementHandle(), { timeout: 60_000 });
    await page.locator('.jp-Cell').nth(0).screenshot({ path: artifact('widgets-slider.png') });
    // The other controls render with the stock manager, and interact's output follows the dropdown.
    await runCell(page, 3);
    const box = page.locator('.jp-Cell').nth(3);
    await box.locator('.widget-output').filter({ hasText: 'n×pick=6' }).waitFor({ timeout: 60_000 });
    for (const sel of ['.widget-dropdown', '.widget-checkbox', 'button.jupyter-button', '.widget-text', '.widget-hbox', '.widget-vbox']) {
      assert.equal(await box.locator(sel).count() > 0, true, `${sel} not rendered`);
    }
    await box.locator('.widget-dropdown select').selectOption({ label: 'two' });
    await box.locator('.widget-output').filter({ hasText: 'n×pick=3' }).waitFor({ timeout: 60_000 });
    await box.screenshot({ path: artifact('widgets-interact.png') });
    assert.deepEqual(lab.consoleErrors.filter((e) => /widget|comm|not found|class/i.test(e)), []);
  } catch (e) {
    await page.screenshot({ path: artifact('widgets-failure.png') }).catch(() => undefined);
    throw new Error(`${String(e)}\n--- lab log ---\n${lab.log().slice(-3000)}\n--- console ---\n${lab.consoleErrors.join('\n')}`);
  } finally {
    await lab.close();
  }
});
