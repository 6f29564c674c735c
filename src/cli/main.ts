/**
 * The `minitron` command line: thin dispatch to subcommands.
 */
import { MinitronError } from '../errors.js';
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

/** Run the CLI with argv (without node and script). @example await main(['info', 'model-dir']) */
export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const run = cmd ? COMMANDS[cmd] : undefined;
  if (!run) {
    console.error(USAGE);
    process.exitCode = cmd && cmd !== '--help' ? 2 : 0;
    return;
  }
  try {
    await run(rest);
  } catch (e) {
    if (e instanceof MinitronError) {
      console.error(`minitron ${cmd}: ${e.message}`);
      process.exitCode = 1;
    } else throw e;
  }
}
