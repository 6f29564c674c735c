#!/usr/bin/env node
// The `minitron` command: runs the compiled CLI (npm run build) or, in a source checkout, the TypeScript via tsx.
// `minitron distill` first re-starts node with --single-threaded-gc (V8_TRAIN_FLAGS in src/backend/v8_gc.ts, which must
// match), so that V8's background GC threads do not take cores from OpenBLAS mid-product (docs/backend.md); the other
// commands keep V8's defaults (with GC on the main thread, storage read by dataSync() in a long synchronous loop is
// released only when the event loop turns, which raises inference peaks). MINITRON_V8_FLAGS=0 skips the re-start.
// Ctrl-C reaches both processes from the terminal, so this one ignores SIGINT and waits for the child's exit.
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const FLAGS = ['--single-threaded-gc'];
const TRAINING_COMMANDS = ['distill'];

function run() {
  const dist = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  if (fs.existsSync(dist)) {
    require(dist).main(process.argv.slice(2));
  } else {
    require('tsx/cjs');
    require(path.join(__dirname, '..', 'src', 'cli', 'main.ts')).main(process.argv.slice(2));
  }
}

const missing = FLAGS.filter((f) => !process.execArgv.includes(f));
if (missing.length === 0 || process.env.MINITRON_V8_FLAGS === '0' || !TRAINING_COMMANDS.includes(process.argv[2])) {
  run();
} else {
  const child = spawn(process.execPath, [...missing, ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal); // die of the same signal
    process.kill(process.pid, signal);
  });
}
