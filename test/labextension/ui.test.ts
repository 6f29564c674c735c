/**
 * Real-browser UI test: JupyterLab (from .venv, with the installed minitron-labextension) on a free localhost port with
 * a temp notebook dir; Debian chromium (headless, driven by playwright-core) opens a notebook with saved minitron
 * outputs and checks the loss plot, the heatmaps, the plan editor and a comm round-trip with a real (python) kernel.
 * Skipped when chromium, .venv's jupyter or the installed extension is missing. Screenshot: $MT_UI_SHOT or a temp path.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { demoNotebook } from './fixtures.js';

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const JUPYTER = path.join(ROOT, '.venv', 'bin', 'jupyter');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function installedExtension(): string | null {
  try {
    const prefix = execFileSync(path.join(ROOT, '.venv', 'bin', 'python'), ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).trim();
    const dir = path.join(prefix, 'share', 'jupyter', 'labextensions', 'minitron-labextension');
    return fs.existsSync(path.join(dir, 'package.json')) ? dir : null;
  } catch { return null; }
}

function skipReason(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} missing (apt-get install chromium)`;
  if (!fs.existsSync(JUPYTER)) return '.venv/bin/jupyter missing (bash scripts/setup.sh)';
  if (!installedExtension()) return 'minitron-labextension not installed (bash scripts/setup.d/labextension.sh)';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address() as net.AddressInfo; s.close(() => resolve(a.port)); });
  });
}

async function waitHttp(url: string, ms: number, proc: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`jupyter lab exited with ${proc.exitCode}:\n${log()}`);
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`jupyter lab did not answer ${url} within ${ms} ms:\n${log()}`);
}

function kill(proc: ChildProcess | null): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ } resolve(); }, 5000);
    proc.once('exit', () => { clearTimeout(t); resolve(); });
    try { process.kill(-proc.pid!, 'SIGTERM'); } catch { clearTimeout(t); resolve(); }
  });
}

const reason = skipReason();
test('JupyterLab renders minitron outputs (loss plot, heatmaps, plan editor) and the plan editor talks to the kernel', { skip: reason ?? false, timeout: 240_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-lab-ui-'));
  const nbDir = path.join(tmp, 'notebooks');
  fs.mkdirSync(nbDir);
  fs.writeFileSync(path.join(nbDir, 'demo.ipynb'), JSON.stringify(demoNotebook(), null, 1));
  const port = await freePort();
  const token = `t${Date.now().toString(36)}`;
  let logText = '';
  const env = { ...process.env, JUPYTER_CONFIG_DIR: path.join(tmp, 'config'), JUPYTERLAB_SETTINGS_DIR: path.join(tmp, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'), IPYTHONDIR: path.join(tmp, 'ipython') };
  const lab = spawn(JUPYTER, ['lab', '--no-browser', `--port=${port}`, '--ip=127.0.0.1', `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${nbDir}`, '--ServerApp.port_retries=0', '--allow-root', '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
  { cwd: nbDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  lab.stdout!.on('data', (d) => { logText += String(d); });
  lab.stderr!.on('data', (d) => { logText += String(d); });
  const profile = path.join(tmp, 'chromium-profile');
  let ctx: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | null = null;
  const consoleErrors: string[] = [];
  try {
    await waitHttp(`http://127.0.0.1:${port}/api/status?token=${token}`, 60_000, lab, () => logText.slice(-3000));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 1000 }, timeout: 60_000 });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.setDefaultTimeout(60_000);
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/lab/tree/demo.ipynb?token=${token}&reset`, { waitUntil: 'domcontentloaded' });

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
    // Drop layer 5 too.
    await page.locator('.mt-plan input[data-action="layer"][data-layer="5"]').click();
    await page.waitForFunction(`document.querySelectorAll('.mt-plan tr.mt-dropped').length === 5`);
    assert.equal(await page.locator('.mt-plan input[data-field="numLayers"]').inputValue(), '25');

    // Plotly bundle rendered by our fallback renderer.
    await page.waitForSelector('.mt-plotly .main-svg');

    const shot = process.env.MT_UI_SHOT ?? path.join(os.tmpdir(), 'minitron-lab-ui.png');
    await page.screenshot({ path: shot, fullPage: false });
    await page.locator('.mt-loss').screenshot({ path: shot.replace(/\.png$/, '-loss.png') });
    await page.locator('.mt-importance').screenshot({ path: shot.replace(/\.png$/, '-importance.png') });

    // Comm: before the kernel registers the target, Apply reports the missing target; after running cell 0 it is accepted.
    await page.waitForFunction(`document.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') === 'idle'`,
      undefined, { timeout: 90_000 }).catch(() => undefined);
    await page.locator('.mt-plan .mt-apply').click();
    await page.waitForSelector('.mt-plan .mt-status.mt-error', { timeout: 60_000 });
    assert.match((await page.locator('.mt-plan .mt-status').textContent()) ?? '', /no 'minitron\.plan' target/);
    await page.locator('.jp-Cell').first().locator('.jp-InputArea-editor').click();
    await page.keyboard.press('Shift+Enter');
    await page.waitForSelector('.jp-Cell >> nth=0 >> .jp-OutputArea-output:has-text("target registered")', { timeout: 60_000 });
    await page.locator('.mt-plan .mt-apply').click();
    await page.waitForSelector('.mt-plan .mt-status.mt-ok', { timeout: 60_000 });
    assert.match((await page.locator('.mt-plan .mt-status').textContent()) ?? '', /applied/);
    assert.equal(await page.locator('.mt-plan .mt-dirty').count(), 0);
    await page.screenshot({ path: shot.replace(/\.png$/, '-applied.png'), fullPage: false });

    // Live update: a cell shows a train-history with a display id, then update_display_data replaces it in place.
    const live = page.locator('.jp-Cell').nth(4);
    await live.locator('.jp-InputArea-editor').click();
    await page.keyboard.press('Shift+Enter');
    await page.waitForSelector('.jp-Cell >> nth=4 >> .mt-loss[data-rows="3"] .main-svg', { timeout: 60_000 });
    assert.equal(await live.locator('.mt-loss').count(), 1, 'the update replaced the output instead of adding one');
    assert.equal(await live.locator('.mt-loss .scatterlayer .trace').count(), 2, 'loss + lr');
    console.log(`screenshots: ${shot}`);
    const ours = consoleErrors.filter((e) => /minitron|mt-|plotly/i.test(e));
    assert.deepEqual(ours, [], `browser console errors: ${ours.join('\n')}`);
  } finally {
    if (ctx) await ctx.close().catch(() => undefined);
    await kill(lab);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
