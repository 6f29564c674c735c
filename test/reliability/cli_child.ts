/** The `minitron` command from source, for the reliability tests that need a real process (exit code, stderr). */
import { main } from '../../src/cli/main.js';

void main(process.argv.slice(2));
