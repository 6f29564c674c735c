/**
 * Starts JupyterLab from .venv on a free localhost port with a temp notebook dir and opens it in Debian chromium
 * (headless, playwright-core, fresh profile). close() always closes the browser, kills the server's process group
 * and removes the temp dir. Used by the UI tests of the lab extension.
 */
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const JUPYTER = path.join(ROOT, '.venv', 'bin', 'jupyter');
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function installedExtension(): string | null {
  try {
    const prefix = execFileSync(path.join(ROOT, '.venv', 'bin', 'python'), ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).trim();
    const dir = path.join(prefix, 'share', 'jupyter', 'labextensions', 'minitron-labextension');
    return fs.existsSync(path.join(dir, 'package.json')) ? dir : null;
  } catch { return null; }
}

/** Why the browser tests cannot run here, or null. */
export function labSkipReason(): string | null {
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

function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ } resolve(); }, 5000);
    proc.once('exit', () => { clearTimeout(t); resolve(); });
    try { process.kill(-proc.pid!, 'SIGTERM'); } catch { clearTimeout(t); resolve(); }
  });
}

/** A running lab + browser page. */
export interface LabSession { tmp: string; page: Page; consoleErrors: string[]; log(): string; open(notebook: string): Promise<void>; close(): Promise<void> }

/** Writes the notebooks into a temp dir, starts JupyterLab there and a headless chromium page. */
export async function startLab(notebooks: Record<string, unknown>, env: Record<string, string> = {}, setup?: (tmp: string) => Record<string, string>): Promise<LabSession> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-lab-ui-'));
  const nbDir = path.join(tmp, 'notebooks');
  fs.mkdirSync(nbDir);
  for (const [name, nb] of Object.entries(notebooks)) fs.writeFileSync(path.join(nbDir, name), JSON.stringify(nb, null, 1));
  let logText = '';
  let lab: ChildProcess | null = null;
  let ctx: BrowserContext | null = null;
  const close = async (): Promise<void> => {
    if (ctx) await ctx.close().catch(() => undefined);
    if (lab) await kill(lab);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const extraEnv = { ...env, ...(setup ? setup(tmp) : {}) };
    // No "get notified about Jupyter news?" toast over the outputs in screenshots.
    const notif = path.join(tmp, 'settings', '@jupyterlab', 'apputils-extension');
    fs.mkdirSync(notif, { recursive: true });
    fs.writeFileSync(path.join(notif, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
    const port = await freePort();
    const token = `t${Date.now().toString(36)}`;
    lab = spawn(JUPYTER, ['lab', '--no-browser', '--allow-root', `--port=${port}`, '--ip=127.0.0.1', `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${nbDir}`, '--ServerApp.port_retries=0', '--LabApp.news_url=None', '--LabApp.expose_app_in_browser=True'], {
      cwd: nbDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JUPYTER_CONFIG_DIR: path.join(tmp, 'config'), JUPYTERLAB_SETTINGS_DIR: path.join(tmp, 'settings'),
        JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'), JUPYTER_DATA_DIR: path.join(tmp, 'data'), IPYTHONDIR: path.join(tmp, 'ipython'), ...extraEnv },
    });
    lab.stdout!.on('data', (d) => { logText += String(d); });
    lab.stderr!.on('data', (d) => { logText += String(d); });
    await waitHttp(`http://127.0.0.1:${port}/api/status?token=${token}`, 60_000, lab, () => logText.slice(-3000));
    ctx = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 1000 }, timeout: 60_000 });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.setDefaultTimeout(60_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    const open = async (nb: string): Promise<void> => {
      await page.goto(`http://127.0.0.1:${port}/lab/tree/${nb}?token=${token}&reset`, { waitUntil: 'domcontentloaded' });
    };
    return { tmp, page, consoleErrors, log: () => logText, open, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Where a UI test writes a screenshot: $MT_UI_ARTIFACTS or test/labextension/artifacts/ (git-ignored). */
export function artifact(name: string): string {
  const dir = process.env.MT_UI_ARTIFACTS ?? path.join(ROOT, 'test', 'labextension', 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** Switches the lab theme with the app's own command (the app is exposed as window.jupyterapp) and waits until body says so. */
export async function setTheme(page: Page, theme: string): Promise<void> {
  await page.evaluate(`window.jupyterapp.commands.execute('apputils:change-theme', { theme: ${JSON.stringify(theme)} })`);
  await page.waitForFunction(`document.body.dataset.jpThemeName === ${JSON.stringify(theme)}`, undefined, { timeout: 30_000 });
}

/** Runs the n-th cell of the open notebook (click its editor, Shift+Enter). */
export async function runCell(page: Page, n: number): Promise<void> {
  await page.locator('.jp-Cell').nth(n).locator('.jp-InputArea-editor').click();
  await page.keyboard.press('Shift+Enter');
}

/** Waits until the status bar says the notebook's kernel is idle (started and connected). */
export async function waitKernelIdle(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(`[...document.querySelectorAll('.jp-StatusBar-TextItem')].some((e) => /\\| Idle/.test(e.textContent || ''))`, undefined, { timeout });
}
