/** Updatable displays: a progress bar and a live loss curve (both use display ids). */
import type { TrainHistory, TrainRow } from '../types.js';
import { escapeHtml, fmtNum, textBar } from './html.js';
import type { MimeBundle } from './mime.js';
import { QUIET, displayBundle, display, newDisplayId } from './sink.js';

/** Options of progress(). @example progress(100, { label: 'importance' }) */
export interface ProgressOptions { label: string; width: number; minIntervalMs: number }
/** Defaults of ProgressOptions. @example progress(10, { ...defaultProgressOptions, label: 'x' }) */
export const defaultProgressOptions: ProgressOptions = { label: '', width: 30, minIntervalMs: 100 };

/** A live progress bar. @example const p = progress(10); p.tick(); p.done(); */
export interface Progress { readonly [QUIET]?: true; readonly displayId: string; tick(n?: number, note?: string): void; set(value: number, note?: string): void; done(note?: string): void }

/** Bundle of a progress bar (text/plain bar + HTML <progress>). @example progressBundle(3, 10, 'x') */
export function progressBundle(value: number, total: number, label = '', note = '', width = 30): MimeBundle {
  const frac = total > 0 ? value / total : 0;
  const pct = `${(100 * Math.min(1, frac)).toFixed(0)}%`;
  const head = label ? `${label} ` : '';
  return {
    'application/vnd.minitron.progress+json': { kind: 'progress', label, value, total, note },
    'text/plain': `${head}|${textBar(frac, width)}| ${value}/${total} ${pct}${note ? ` ${note}` : ''}`,
    'text/html': `<div>${escapeHtml(head)}<progress value="${value}" max="${total}"></progress> ${value}/${total} ${pct} ${escapeHtml(note)}</div>`,
  };
}

/** Shows a progress bar that updates in place (throttled). @example const p = progress(steps, { label: 'distill' }); p.tick(1, `loss ${l}`); */
export function progress(total: number, opts: Partial<ProgressOptions> = {}): Progress {
  const o = { ...defaultProgressOptions, ...opts };
  const displayId = newDisplayId();
  let value = 0, last = 0, note = '';
  const show = (update: boolean): void => displayBundle(progressBundle(value, total, o.label, note, o.width), { displayId, update });
  show(false);
  const maybe = (force: boolean): void => {
    const now = Date.now();
    if (force || now - last >= o.minIntervalMs) { last = now; show(true); }
  };
  return {
    [QUIET]: true as const,
    displayId,
    tick(n = 1, nt?: string) { value += n; if (nt !== undefined) note = nt; maybe(value >= total); },
    set(v: number, nt?: string) { value = v; if (nt !== undefined) note = nt; maybe(value >= total); },
    done(nt?: string) { value = Math.max(value, total); if (nt !== undefined) note = nt; maybe(true); },
  };
}

/** What distill()'s onStep passes next to a row (the header's step i / N, elapsed, ETA). @example live.push(row, { totalSteps: 200, elapsedSec: 12 }) */
export interface LiveLossInfo { totalSteps?: number; elapsedSec?: number }

/** A live loss plot: push rows, the TrainHistory display updates in place; `push` can be distill()'s onStep as it is. @example const live = liveLoss(); mt.distill({ …, onStep: live.push }); */
export interface LiveLoss { readonly [QUIET]?: true; readonly displayId: string; readonly history: TrainHistory; push(row: TrainRow, info?: LiveLossInfo): void; flush(): void }

/** Options of liveLoss(): update throttle and the run's step count (the plot's header shows step i / N and the ETA). @example liveLoss({ totalSteps: 200 }) */
export interface LiveLossOptions { minIntervalMs: number; totalSteps: number | null }
/** Defaults of LiveLossOptions. @example liveLoss({ ...defaultLiveLossOptions, totalSteps: 100 }) */
export const defaultLiveLossOptions: LiveLossOptions = { minIntervalMs: 250, totalSteps: null };

/**
 * Shows a TrainHistory that updates as rows arrive (throttled). The payload carries totalSteps (option, or from
 * onStep's info) and elapsedSec (onStep's training time, else the wall time since liveLoss()) for the plot's header.
 * @example const live = liveLoss(); await mt.distill({ teacher, student, data, onStep: live.push }); live.flush();
 */
export function liveLoss(opts: Partial<LiveLossOptions> = {}): LiveLoss {
  const o = { ...defaultLiveLossOptions, ...opts };
  const rows: TrainRow[] = [];
  const history: TrainHistory = { kind: 'train-history', rows };
  const t0 = Date.now();
  let totalSteps = o.totalSteps, elapsed: number | null = null;
  const payload = (): TrainHistory => ({ ...history, ...(totalSteps !== null ? { totalSteps } : {}), elapsedSec: elapsed ?? (Date.now() - t0) / 1000 } as TrainHistory);
  const handle = display(payload());
  let last = Date.now(), dirty = false;
  const flush = (): void => { if (dirty) { handle.update(payload()); last = Date.now(); dirty = false; } };
  const push = (row: TrainRow, info?: LiveLossInfo): void => {
    rows.push(row);
    if (info && typeof info.totalSteps === 'number') totalSteps = info.totalSteps;
    if (info && typeof info.elapsedSec === 'number') elapsed = info.elapsedSec;
    dirty = true;
    if (Date.now() - last >= o.minIntervalMs) flush();
  };
  return { [QUIET]: true as const, displayId: handle.displayId, history, push, flush };
}

/** One-line text summary of a training row. @example formatRow({ step: 1, tokens: 64, loss: 2.5, lr: 1e-3 }) */
export function formatRow(r: TrainRow): string {
  return `step ${r.step} loss ${fmtNum(r.loss)}${r.evalLoss !== undefined ? ` eval ${fmtNum(r.evalLoss)}` : ''} lr ${fmtNum(r.lr)}`;
}
