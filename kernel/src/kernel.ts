/** The protocol server: shell, control, stdin, iopub and heartbeat sockets (zeromq 6) around the Runner. */
import * as fs from 'node:fs';
import * as util from 'node:util';
import * as zmq from 'zeromq';
import type * as Minitron from 'minitron';
import { CommManager } from './comms.js';
import { History } from './history.js';
import { kernelInfo } from './info.js';
import { als, realTimers } from './interrupt.js';
import type { ExecContext } from './interrupt.js';
import { jsonBundle, tidyTf, SendQueue, StreamCapture } from './output.js';
import { loadLibrary, preloadCode } from './preload.js';
import { Runner } from './runner.js';
import { Stdin } from './stdin.js';
import { quietCpuBanner, registerChainedOps } from './tfjs.js';
import { Wire } from './wire.js';
import type { Json, Message } from './wire.js';

export interface Connection {
  transport: string; ip: string; key: string; signature_scheme: string;
  shell_port: number; control_port: number; stdin_port: number; iopub_port: number; hb_port: number;
}

/** What the kernel uses of the preloaded library (absent when dist/ is not built). */
type Lib = Partial<Pick<typeof Minitron, 'toMimeBundle' | 'displayKindOf' | 'isMimeBundleLike' | 'installHost' | 'QUIET' | 'selectBackend'
  | 'registerWidgetTargets' | 'widgetViewBundle'>>;

export class Kernel {
  private readonly wire: Wire;
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private stdin: Stdin | null = null;
  private readonly iopub = new zmq.XPublisher();
  private readonly hb = new zmq.Reply();
  private readonly q: Record<'shell' | 'control' | 'iopub', SendQueue>;
  private runner!: Runner;
  private readonly history = new History();
  private readonly comms: CommManager;
  private count = 0;
  private running: ExecContext | null = null;
  private nextExecId = 1;
  private current: Message | null = null; // the shell/control message being handled
  private lastParent: Message | null = null; // last execute_request (for output nobody else claims)
  private readonly out: StreamCapture;
  private lib: Lib = {};
  private stopped = false;
  /** After a failed cell run with stop_on_error, execute requests created before this time (ms) are aborted. */
  private abortBefore = 0;

  constructor(private readonly conn: Connection) {
    this.wire = new Wire(conn.key, conn.signature_scheme);
    this.iopub.verbosity = 'allSubs';
    this.out = new StreamCapture(() => this.parentFor(),
      (name, text, parent) => void this.q.iopub.send(this.wire.frames('stream', { name, text }, parent, [Buffer.from('stream')])));
    const log = (s: string): void => this.log(s);
    this.q = { shell: new SendQueue(this.shell, log), control: new SendQueue(this.control, log), iopub: new SendQueue(this.iopub, log) };
    this.comms = new CommManager((t, c, m, b) => this.pub(t, c, this.parentFor(), m, b), (where, e) => this.reportError(where, e));
  }

  log(s: string): void { this.out.real.err(`[minitron-kernel] ${s}\n`); }

  private url(port: number): string {
    return this.conn.transport === 'ipc' ? `ipc://${this.conn.ip}-${port}` : `${this.conn.transport}://${this.conn.ip}:${port}`;
  }

  async start(): Promise<void> {
    await Promise.all([
      this.shell.bind(this.url(this.conn.shell_port)), this.control.bind(this.url(this.conn.control_port)),
      this.iopub.bind(this.url(this.conn.iopub_port)), this.hb.bind(this.url(this.conn.hb_port)),
    ]);
    this.stdin = new Stdin(this.url(this.conn.stdin_port), this.wire);
    await this.stdin.ready;
    void this.heartbeat();
    void this.welcome();
    this.out.install();
    process.on('SIGINT', () => this.interrupt());
    process.on('unhandledRejection', (reason) => this.reportError('Unhandled promise rejection', reason));
    process.on('uncaughtException', (err) => this.reportError('Uncaught exception', err));
    this.pub('status', { execution_state: 'starting' }, null);
    this.runner = new Runner(process.cwd());
    await this.preload();
    void this.loop(this.shell, 'shell');
    void this.loop(this.control, 'control');
  }

  private async preload(): Promise<void> {
    const p = preloadCode();
    for (const n of p.notes) this.log(n);
    if (p.libPath) {
      try { this.lib = loadLibrary(p.libPath, (s) => this.log(s)) as Lib; } catch (e) { this.log(`cannot load ${p.libPath}: ${String(e)}`); }
    }
    if (p.code) {
      const r = await this.runner.run(p.code, '[preload]');
      if (r.status === 'error') this.log(`preload failed: ${r.ename}: ${r.evalue}\n${r.traceback.join('\n')}`);
    }
    if (p.tfDir) {
      tidyTf(p.tfDir, (s) => this.log(s));
      const t0 = Date.now();
      const n = registerChainedOps(p.tfDir, (s) => this.log(s));
      this.log(`registered ${n} tfjs chained-op modules in ${Date.now() - t0} ms`);
    }
    this.installHost();
    await this.chooseBackend(p.tfDir);
  }

  /** The fastest backend (mt.selectBackend(): MINITRON_BACKEND or auto), chosen once at start (~60 ms with the native addon). */
  private async chooseBackend(tfDir: string | null): Promise<void> {
    if (!this.lib.selectBackend) return;
    try {
      await this.lib.selectBackend('auto', { log: true });
      if (tfDir) quietCpuBanner(tfDir);
    } catch (e) { this.log(`backend selection failed (tfjs picks its default on first use): ${String(e)}`); }
  }

  /** Lends the library this kernel's display sink, comms and per-cell stop signal (one typed call). */
  private installHost(): void {
    if (!this.lib.installHost) {
      this.log('the minitron library is not loaded: mt.display, comms and interrupts of library loops are unavailable');
      return;
    }
    this.lib.installHost({
      sink: {
        display: (bundle, o) => this.display(bundle, o),
        clear: (wait) => this.pub('clear_output', { wait }, this.parentFor()),
      },
      comms: this.comms,
      stopSignal: () => als.getStore()?.stop.signal ?? null,
      input: {
        readLine: (prompt, password) => this.inputParent() && this.stdin!.request(this.inputParent()!, prompt, password),
        readLineAsync: async (prompt, password) => {
          const parent = this.inputParent();
          return parent && this.stdin!.requestAsync(parent, prompt, password, als.getStore()?.stop.signal ?? null);
        },
      },
    });
    this.lib.registerWidgetTargets?.(); // jupyter.widget.control: the front end restores widgets when it connects
  }

  /** The running execute_request when it allowed stdin (output so far flushed), else null. */
  private inputParent(): Message | null {
    const parent = this.parentFor();
    if (!this.stdin || !parent || parent.header.msg_type !== 'execute_request' || parent.content.allow_stdin !== true) return null;
    this.out.flush();
    return parent;
  }

  /** XPUB: every subscription (duplicates too) is answered with iopub_welcome {subscription}, topic-prefixed when not empty. */
  private async welcome(): Promise<void> {
    for await (const frames of this.iopub) {
      if (this.stopped) break;
      for (const f of frames) {
        if (f.length === 0 || f[0] !== 1) continue;
        const topic = f.subarray(1);
        void this.q.iopub.send(this.wire.frames('iopub_welcome', { subscription: topic.toString('utf8') }, null, topic.length ? [Buffer.from(topic)] : []));
      }
    }
  }

  private async heartbeat(): Promise<void> {
    for await (const frames of this.hb) {
      if (this.stopped) break;
      await this.hb.send(frames);
    }
  }

  private async loop(sock: zmq.Router, channel: 'shell' | 'control'): Promise<void> {
    for await (const frames of sock) {
      let msg: Message;
      try { msg = this.wire.parse(frames); } catch (e) { this.log(String(e)); continue; }
      try { await this.handle(msg, channel); } catch (e) { this.log(`error handling ${msg.header.msg_type}: ${e instanceof Error ? e.stack : String(e)}`); }
      if (this.stopped) break;
    }
  }

  // ---- sending -------------------------------------------------------------------------------------------------

  private parentFor(): Message | null {
    const ctx = als.getStore();
    return (ctx?.parent as Message | undefined) ?? this.current ?? this.lastParent;
  }

  pub(msgType: string, content: Json, parent: Message | null, metadata: Json = {}, buffers: Uint8Array[] = []): void {
    if (msgType !== 'stream') this.out.flush();
    void this.q.iopub.send(this.wire.frames(msgType, content, parent, [Buffer.from(msgType)], metadata, buffers));
  }

  private reply(channel: 'shell' | 'control', req: Message, msgType: string, content: Json): Promise<void> {
    return this.q[channel].send(this.wire.frames(msgType, content, req, req.identities));
  }

  private display(bundle: Record<string, unknown>, o: Minitron.SinkOptions): void {
    const content: Json = { data: jsonBundle(bundle), metadata: o.metadata ?? {}, transient: o.displayId ? { display_id: o.displayId } : {} };
    this.pub(o.update && o.displayId ? 'update_display_data' : 'display_data', content, this.parentFor());
  }

  private bundleFor(value: unknown): Record<string, unknown> {
    const lib = this.lib;
    const widget = lib.widgetViewBundle?.(value);
    if (widget) return jsonBundle(widget);
    if (lib.toMimeBundle && ((lib.displayKindOf?.(value) ?? null) !== null || lib.isMimeBundleLike?.(value))) {
      try { return jsonBundle(lib.toMimeBundle(value)); } catch (e) { this.log(`toMimeBundle failed: ${String(e)}`); }
    }
    return { 'text/plain': util.inspect(value, { colors: false, depth: 4, maxArrayLength: 50 }) };
  }

  reportError(where: string, e: unknown): void {
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : util.inspect(e);
    const parent = this.parentFor();
    if (parent) this.out.write('stderr', `${where}: ${text}\n`);
    else this.log(`${where}: ${text}`);
  }

  // ---- handlers ------------------------------------------------------------------------------------------------

  private async handle(msg: Message, channel: 'shell' | 'control'): Promise<void> {
    const type = msg.header.msg_type;
    this.current = msg;
    this.pub('status', { execution_state: 'busy' }, msg);
    try {
      await this.dispatch(msg, channel, type);
    } finally {
      this.current = null;
      this.pub('status', { execution_state: 'idle' }, msg);
    }
  }

  private async dispatch(msg: Message, channel: 'shell' | 'control', type: string): Promise<void> {
    const c = msg.content;
    switch (type) {
      case 'kernel_info_request': return this.reply(channel, msg, 'kernel_info_reply', kernelInfo());
      case 'execute_request': return this.execute(msg, channel);
      case 'is_complete_request': return this.reply(channel, msg, 'is_complete_reply', this.runner.isComplete(String(c.code ?? '')));
      case 'complete_request': {
        const code = String(c.code ?? '');
        const cursor = typeof c.cursor_pos === 'number' ? c.cursor_pos : code.length;
        let r = { matches: [] as string[], cursor_start: cursor, cursor_end: cursor };
        try { r = this.runner.complete(code, cursor); } catch (e) { this.log(`complete failed: ${String(e)}`); }
        return this.reply(channel, msg, 'complete_reply', { status: 'ok', ...r, metadata: {} });
      }
      case 'inspect_request': {
        const code = String(c.code ?? '');
        let text: string | null = null;
        try { text = this.runner.inspect(code, typeof c.cursor_pos === 'number' ? c.cursor_pos : code.length); } catch (e) { this.log(`inspect failed: ${String(e)}`); }
        return this.reply(channel, msg, 'inspect_reply', { status: 'ok', found: !!text, data: text ? { 'text/plain': text } : {}, metadata: {} });
      }
      case 'history_request': return this.reply(channel, msg, 'history_reply', { status: 'ok', history: this.history.query(c) });
      case 'comm_info_request': {
        const target = typeof c.target_name === 'string' ? c.target_name : undefined;
        return this.reply(channel, msg, 'comm_info_reply', { status: 'ok', comms: this.comms.info(target) });
      }
      case 'comm_open': this.comms.handleOpen(msg); return;
      case 'comm_msg': this.comms.handleMsg(msg); return;
      case 'comm_close': this.comms.handleClose(msg); return;
      case 'interrupt_request':
        this.interrupt();
        return this.reply(channel, msg, 'interrupt_reply', { status: 'ok' });
      case 'shutdown_request': {
        const restart = !!c.restart;
        await this.reply(channel, msg, 'shutdown_reply', { status: 'ok', restart });
        return this.shutdown();
      }
      default:
        this.log(`unhandled message type ${type} on ${channel}`);
        if (type.endsWith('_request')) {
          return this.reply(channel, msg, type.replace(/_request$/, '_reply'), { status: 'error', ename: 'NotImplemented', evalue: type, traceback: [] });
        }
    }
  }

  private async execute(msg: Message, channel: 'shell' | 'control'): Promise<void> {
    const c = msg.content;
    const code = String(c.code ?? '');
    const silent = !!c.silent;
    const sent = Date.parse(String(msg.header.date ?? ''));
    if (Number.isFinite(sent) && sent < this.abortBefore) {
      // Queued behind a cell that failed (stop_on_error): abort, like ipykernel.
      return this.reply(channel, msg, 'execute_reply', { status: 'aborted', execution_count: this.count });
    }
    const store = !silent && c.store_history !== false;
    if (store) this.count += 1;
    const n = this.count;
    if (!silent) this.pub('execute_input', { code, execution_count: n }, msg);
    if (store) this.history.add(n, code);
    this.lastParent = msg;
    const ctx: ExecContext = { id: this.nextExecId++, stop: new AbortController(), parent: msg };
    this.running = ctx;
    const outcome = await als.run(ctx, () => this.runner.run(code, `[cell ${n}]`));
    this.running = null;
    this.out.flush();
    if (outcome.status === 'ok') {
      const q = this.lib.QUIET;
      const quiet = q !== undefined && typeof outcome.value === 'object' && outcome.value !== null && q in outcome.value;
      if (outcome.hasValue && !silent && !quiet) {
        const data = this.bundleFor(outcome.value);
        if (store) this.history.setOutput(n, String(data['text/plain'] ?? ''));
        this.pub('execute_result', { execution_count: n, data, metadata: {} }, msg);
      }
      const userExpressions = await this.userExpressions(c.user_expressions);
      return this.reply(channel, msg, 'execute_reply', { status: 'ok', execution_count: n, user_expressions: userExpressions, payload: [] });
    }
    const { ename, evalue, traceback } = outcome;
    if (c.stop_on_error !== false) this.abortBefore = Date.now();
    this.pub('error', { ename, evalue, traceback }, msg);
    return this.reply(channel, msg, 'execute_reply', { status: 'error', execution_count: n, ename, evalue, traceback, user_expressions: {}, payload: [] });
  }

  /** user_expressions of an execute_request, evaluated after a successful cell as ipykernel does: name → result or error. */
  private async userExpressions(exprs: unknown): Promise<Json> {
    const out: Json = {};
    if (!exprs || typeof exprs !== 'object') return out;
    for (const [name, code] of Object.entries(exprs as Record<string, unknown>)) {
      const r = await this.runner.run(`(${String(code)})`, `[expression ${name}]`);
      if (r.status === 'ok') out[name] = { status: 'ok', data: this.bundleFor(r.value), metadata: {} };
      else out[name] = { status: 'error', ename: r.ename, evalue: r.evalue, traceback: r.traceback };
    }
    return out;
  }

  interrupt(): void {
    const ctx = this.running;
    if (!ctx) return;
    ctx.stop.abort();
    this.runner.interrupt();
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    await new Promise<void>((r) => realTimers.setTimeout(r, 50));
    try { this.runner.close(); } catch { /* closing anyway */ }
    await this.stdin?.close();
    for (const s of [this.shell, this.control, this.iopub, this.hb]) { try { s.close(); } catch { /* closing anyway */ } }
    process.exit(0);
  }
}

/** Reads a Jupyter connection file. */
export function readConnection(file: string): Connection {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Connection;
}
