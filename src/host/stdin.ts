/**
 * Reading a line from the user of a notebook (Jupyter stdin: input_request / input_reply) through the host bridge.
 * The kernel installs `input` with installHost; it answers null when the running request did not allow stdin.
 */
import { MinitronError } from '../errors.js';
import { HOST_KEYS } from './keys.js';

/**
 * What the host lends: read one line for the running request (blocking, and without blocking the host's event loop),
 * or null when that request did not allow stdin. @example installHost({ input: { readLine: ask, readLineAsync: askLater } })
 */
export interface HostInput {
  readLine(prompt: string, password: boolean): string | null;
  readLineAsync(prompt: string, password: boolean): Promise<string | null>;
}

function hostInput(prompt: string): HostInput {
  const host = (globalThis as { [HOST_KEYS.input]?: HostInput | null })[HOST_KEYS.input];
  if (!host) throw new StdinError(prompt, 'no-host');
  return host;
}

/** Options of input(). @example await mt.input('token: ', { password: true }) */
export interface InputOptions { password: boolean }

/** Defaults of input(): the answer is echoed. @example { ...INPUT_DEFAULTS, password: true } */
export const INPUT_DEFAULTS: InputOptions = { password: false };

/** Thrown when stdin is unavailable: outside a kernel, or the front end sent the request with allow_stdin false. @example try { await mt.input('x') } catch (e) { e instanceof StdinError } */
export class StdinError extends MinitronError {
  constructor(prompt: string, why: 'no-host' | 'not-allowed') {
    super(why === 'no-host'
      ? `host/stdin.ts: input(${JSON.stringify(prompt)}) needs a host with stdin (the minitron Jupyter kernel); none is installed`
      : `host/stdin.ts: input(${JSON.stringify(prompt)}): the front end does not allow stdin for this request (execute_request.allow_stdin is false, e.g. nbclient/papermill runs); pass the value in code instead`);
  }
}

/** Reads one line synchronously through the host (the kernel's global prompt() uses this). @example const name = readLine('name? '); */
export function readLine(prompt: string, opts: Partial<InputOptions> = {}): string {
  const o = { ...INPUT_DEFAULTS, ...opts };
  const v = hostInput(prompt).readLine(prompt, o.password);
  if (v === null) throw new StdinError(prompt, 'not-allowed');
  return v;
}

/** Asks the notebook's user for one line (a password field with { password: true }) without blocking the kernel (an interrupt stops the wait). @example const token = await mt.input('HF token: ', { password: true }); */
export async function input(prompt: string, opts: Partial<InputOptions> = {}): Promise<string> {
  const o = { ...INPUT_DEFAULTS, ...opts };
  const v = await hostInput(prompt).readLineAsync(prompt, o.password);
  if (v === null) throw new StdinError(prompt, 'not-allowed');
  return v;
}
