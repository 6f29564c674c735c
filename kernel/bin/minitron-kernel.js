#!/usr/bin/env node
// Entry of `npx minitron-kernel`: install the kernelspec, or start the kernel on a connection file.
require('../dist/main.js').main(process.argv.slice(2));
