/** The kernel_info_reply content (messaging spec 5.5): what the kernel is, its language and its optional features. */
import * as path from 'node:path';
import { PROTOCOL_VERSION } from './wire.js';
import type { Json } from './wire.js';

export const KERNEL_VERSION = '0.1.0';

/** The version of tslab's own TypeScript fork (nested under tslab: see the alias note in docs/kernel.md). */
function tslabTypeScriptVersion(): string {
  try {
    const tslabDir = path.dirname(require.resolve('tslab/package.json'));
    return (require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] })) as { version: string }).version;
  } catch {
    return '5.0.4';
  }
}

/**
 * kernel_info_reply content. codemirror_mode is a plain mode name (the spec allows a string or {name, version});
 * supported_features is empty: no debugger, no subshells.
 * @example reply('kernel_info_reply', kernelInfo())
 */
export function kernelInfo(): Json {
  const tsVersion = tslabTypeScriptVersion();
  return {
    status: 'ok', protocol_version: PROTOCOL_VERSION, implementation: 'minitron-kernel', implementation_version: KERNEL_VERSION,
    language_info: {
      name: 'typescript', version: tsVersion, mimetype: 'text/typescript', file_extension: '.ts',
      pygments_lexer: 'typescript', codemirror_mode: 'typescript', nbconvert_exporter: 'script',
    },
    banner: `minitron kernel ${KERNEL_VERSION}: TypeScript ${tsVersion} (tslab 1.0.22) on Node.js ${process.version}; \`mt\` and \`tf\` are preloaded`,
    help_links: [
      { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
      { text: 'TensorFlow.js API', url: 'https://js.tensorflow.org/api/latest/' },
    ],
    supported_features: [],
    debugger: false,
  };
}
