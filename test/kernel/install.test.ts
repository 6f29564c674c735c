import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test } from 'node:test';
import { install, InstallError, kernelsDir } from '../../kernel/src/install.js';
import { encodePng } from '../../kernel/src/png.js';

const PY = path.resolve(__dirname, '../../.venv/bin/python');

test('install --prefix writes kernel.json and logos that jupyter_client finds', () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-install-'));
  try {
    const dir = install(['--prefix', prefix]);
    assert.equal(dir, path.join(prefix, 'share', 'jupyter', 'kernels', 'minitron'));
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as { argv: string[]; display_name: string; language: string };
    assert.equal(spec.display_name, 'TypeScript (minitron)');
    assert.equal(spec.language, 'typescript');
    assert.deepEqual(spec.argv.slice(-2), ['start', '{connection_file}']);
    assert.ok(fs.existsSync(spec.argv[1]), `kernel entry ${spec.argv[1]} exists`);
    for (const size of [32, 64]) {
      const png = fs.readFileSync(path.join(dir, `logo-${size}x${size}.png`));
      assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
      assert.equal(png.readUInt32BE(16), size);
      assert.equal(png.readUInt32BE(20), size);
    }
    install(['--prefix', prefix]); // idempotent
    if (fs.existsSync(PY)) {
      const out = execFileSync(PY, ['-c', 'from jupyter_client.kernelspec import KernelSpecManager as K; s = K().get_kernel_spec("minitron"); print(s.display_name, s.language)'],
        { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') } });
      assert.equal(out.trim(), 'TypeScript (minitron) typescript');
    }
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});

test('kernelsDir: --user by default, --prefix needs a value', () => {
  assert.match(kernelsDir([]), /jupyter[/\\]kernels$/);
  assert.throws(() => kernelsDir(['--prefix']), InstallError);
});

test('encodePng stores the pixels (zlib round trip)', () => {
  const px = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128]);
  const png = encodePng(2, 1, px);
  const idatAt = png.indexOf('IDAT');
  const len = png.readUInt32BE(idatAt - 4);
  const raw = zlib.inflateSync(png.subarray(idatAt + 4, idatAt + 4 + len));
  assert.deepEqual([...raw], [0, ...px]);
});
