/** `minitron-kernel install [--user | --sys-prefix | --prefix P] [--python PY]`: writes the kernelspec `minitron`. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { logo } from './png.js';
import { PROTOCOL_VERSION } from './wire.js';

export const KERNEL_NAME = 'minitron';

export class InstallError extends Error {
  constructor(msg: string) { super(`kernel/install.ts: ${msg}`); this.name = 'InstallError'; }
}

function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? os.homedir(), 'jupyter');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

/** The Python whose sys.prefix `--sys-prefix` means: --python, $JUPYTER_PYTHON, <repo>/.venv/bin/python, python3. */
function findPython(explicit: string | undefined): string {
  if (explicit) return explicit;
  if (process.env.JUPYTER_PYTHON) return process.env.JUPYTER_PYTHON;
  const venv = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

/** Directory the kernelspec goes to for the given arguments. */
export function kernelsDir(args: string[]): string {
  const at = (flag: string): string | undefined => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
  const prefix = at('--prefix');
  if (args.includes('--prefix') && !prefix) throw new InstallError('--prefix needs a directory');
  if (prefix) return path.join(path.resolve(prefix), 'share', 'jupyter', 'kernels');
  if (args.includes('--sys-prefix')) {
    const py = findPython(at('--python'));
    let p: string;
    try { p = execFileSync(py, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).trim(); } catch (e) {
      throw new InstallError(`--sys-prefix: cannot run ${py} to find sys.prefix (${String(e)}); pass --python or --prefix`);
    }
    return path.join(p, 'share', 'jupyter', 'kernels');
  }
  return path.join(userDataDir(), 'kernels'); // --user (default)
}

/** The kernel.json content: node (this one) running this package's bin with the connection file. */
export function kernelJson(): Record<string, unknown> {
  const bin = path.resolve(__dirname, '..', 'bin', 'minitron-kernel.js');
  return {
    argv: [process.execPath, bin, 'start', '{connection_file}'],
    display_name: 'TypeScript (minitron)',
    language: 'typescript',
    interrupt_mode: 'signal',
    kernel_protocol_version: PROTOCOL_VERSION,
    env: {},
    metadata: { debugger: false },
  };
}

/** Writes <dir>/minitron/{kernel.json, logo-32x32.png, logo-64x64.png}; returns the spec directory. */
export function install(args: string[]): string {
  const dir = path.join(kernelsDir(args), KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), `${JSON.stringify(kernelJson(), null, 2)}\n`);
  const assets = path.resolve(__dirname, '..', 'assets');
  for (const size of [32, 64]) {
    const name = `logo-${size}x${size}.png`;
    const src = path.join(assets, name);
    fs.writeFileSync(path.join(dir, name), fs.existsSync(src) ? fs.readFileSync(src) : logo(size));
  }
  return dir;
}
