/**
 * The `minitron` command line: thin dispatch to subcommands; `minitron <command> --help` prints a command's usage.
 */
import { describeError } from '../io/files.js';
import { INFO_USAGE, PPL_USAGE, infoCmd, pplCmd } from './info_ppl.js';
import { DISTILL_USAGE, distillCmd } from './distill.js';
import { IMPORTANCE_USAGE, importanceCmd } from './importance.js';
import { PRUNE_USAGE, pruneCmd } from './prune.js';
import { SEARCH_USAGE, searchCmd } from './search.js';
import { CACHE_TEACHER_USAGE, cacheTeacherCmd } from './cache_teacher.js';

/** The subcommands: what each does, its usage and its entry point. */
const COMMANDS = {
  info: { help: 'spec and parameter counts', usage: INFO_USAGE, run: infoCmd },
  ppl: { help: 'perplexity of a text file', usage: PPL_USAGE, run: pplCmd },
  importance: { help: 'activation and depth importance report', usage: IMPORTANCE_USAGE, run: importanceCmd },
  prune: { help: 'prune to target sizes or a plan, export a checkpoint', usage: PRUNE_USAGE, run: pruneCmd },
  search: { help: 'rank candidate architectures under a parameter budget', usage: SEARCH_USAGE, run: searchCmd },
  'cache-teacher': { help: "cache the teacher's top-k logits for distill --teacher-cache", usage: CACHE_TEACHER_USAGE, run: cacheTeacherCmd },
  distill: { help: 'distil (or fine-tune) a student, export a checkpoint', usage: DISTILL_USAGE, run: distillCmd },
} as const satisfies Record<string, { help: string; usage: string; run: (argv: string[]) => Promise<void> }>;

const USAGE = `usage: minitron <command> [args]   (minitron <command> --help shows a command's options)
commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(13)} ${c.help}\n      ${c.usage.split('\n')[0].replace('usage: minitron ', '')}`).join('\n')}`;

/**
 * Runs one subcommand and lets its error propagate (main prints it); false when argv names no command.
 * @example await runCommand(['info', 'model-dir'])
 */
export async function runCommand(argv: string[]): Promise<boolean> {
  const [cmd, ...rest] = argv;
  const entry = cmd !== undefined && Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd as keyof typeof COMMANDS] : undefined;
  if (!entry) return false;
  await entry.run(rest);
  return true;
}

/** Run the CLI with argv (without node and script). @example await main(['info', 'model-dir']) */
export async function main(argv: string[]): Promise<void> {
  const cmd = argv[0];
  try {
    if (await runCommand(argv)) return;
    const asked = cmd === undefined || cmd === '--help' || cmd === '-h';
    (asked ? console.log : console.error)(USAGE);
    process.exitCode = asked ? 0 : 2;
  } catch (e) {
    reportError(cmd, e);
  }
}

/**
 * Prints any error as ONE line (`minitron <cmd>: ...`) and sets a non-zero exit code; the stack only under
 * MINITRON_DEBUG=1. Usage errors keep their usage text below the line.
 * @example reportError('prune', new Error('boom')) // "minitron prune: internal error: Error: boom"
 */
export function reportError(cmd: string, e: unknown): void {
  const line = describeError(e);
  const debug = process.env.MINITRON_DEBUG === '1';
  console.error(`minitron ${cmd}: ${line}${!debug && line.startsWith('internal error') ? ' (MINITRON_DEBUG=1 shows the stack)' : ''}`);
  if (debug && e instanceof Error && e.stack) console.error(e.stack);
  process.exitCode = 1;
}
