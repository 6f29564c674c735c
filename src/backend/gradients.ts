/**
 * Registers tfjs-core's gradient functions. The Node bundle of tfjs-core registers none, and the package ships
 * them only as extensionless ES modules that plain `node` cannot require; scripts/build_vendor.sh bundles them into
 * vendor/tfjs_gradients.cjs (the same path from src/backend and dist/backend). They register into tfjs' global
 * registry, which every copy of tfjs-core shares.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MinitronError } from '../errors.js';

const VENDOR = path.join(__dirname, '..', '..', 'vendor', 'tfjs_gradients.cjs');

if (!fs.existsSync(VENDOR)) {
  throw new MinitronError(`${VENDOR} missing: tfjs gradients are not bundled yet (run: bash scripts/build_vendor.sh, or npm run setup)`);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(VENDOR);
