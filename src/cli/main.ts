/**
 * The `minitron` command line: thin dispatch to subcommands.
 */
import { describeError } from '../io/files.js';
import { infoCmd, pplCmd } from './info_ppl.js';
import { distillCmd } from './distill.js';
import { importanceCmd } from './importance.js';
import { pruneCmd } from './prune.js';
import { searchCmd } from './search.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  info: infoCmd,
  ppl: pplCmd,
  importance: importanceCmd,
  prune: pruneCmd,
  search: searchCmd,
  distill: distillCmd,
};

const USAGE = `usage: minitron <command> [args]
commands:
  info <model-dir>                                  spec and parameter counts
  ppl <model-dir> <text-file> [--seq-len N] [--stride N] [--max-tokens N]   perplexity
  importance <model-dir> <text-file> --out report.json [--samples N] [--seq-len N] [--agg-seq mean|l2|var] [--agg-batch mean|l2|var] [--depth ppl,bi,taylor]
  prune <model-dir> --report report.json (--hidden N --ffn N --heads N --layers N | --plan plan.json) --out <dir>
  search <model-dir> --report report.json --params <N|60M>
  distill --teacher <dir> --student <dir> --data <text-file> --steps N --out <dir> [--eval <text-file>] [--resume]`;

/**
 * Runs one subcommand and lets its error propagate (main prints it); false when argv names no command.
 * @example await runCommand(['info', 'model-dir'])
 */
export async function runCommand(argv: string[]): Promise<boolean> {
  const [cmd, ...rest] = argv;
  const run = cmd ? COMMANDS[cmd] : undefined;
  if (!run) return false;
  await run(rest);
  return true;
}

/** Run the CLI with argv (without node and script). @example await main(['info', 'model-dir']) */
export async function main(argv: string[]): Promise<void> {
  const cmd = argv[0];
  try {
    if (await runCommand(argv)) return;
    console.error(USAGE);
    process.exitCode = cmd && cmd !== '--help' ? 2 : 0;
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
