/** CLI of minitron-kernel: `install [--user|--sys-prefix|--prefix P]`, `start <connection_file>`, `logos <dir>`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { install } from './install.js';
import { Kernel, readConnection } from './kernel.js';
import { logo } from './png.js';

const USAGE = `usage: minitron-kernel install [--user | --sys-prefix | --prefix DIR] [--python PY]
       minitron-kernel start CONNECTION_FILE
       minitron-kernel logos DIR          (writes logo-32x32.png and logo-64x64.png)`;

export function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'install') {
      console.log(`installed kernelspec minitron in ${install(rest)}`);
    } else if (cmd === 'start' && rest[0]) {
      const k = new Kernel(readConnection(rest[0]));
      k.start().catch((e) => { process.stderr.write(`minitron-kernel: failed to start: ${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
    } else if (cmd === 'logos' && rest[0]) {
      fs.mkdirSync(rest[0], { recursive: true });
      for (const s of [32, 64]) fs.writeFileSync(path.join(rest[0], `logo-${s}x${s}.png`), logo(s));
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
