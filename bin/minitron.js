#!/usr/bin/env node
// The `minitron` command: runs the compiled CLI (npm run build) or, in a source checkout, the TypeScript via tsx.
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (fs.existsSync(dist)) {
  require(dist).main(process.argv.slice(2));
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts')).main(process.argv.slice(2));
}
