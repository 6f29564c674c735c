/**
 * Backend choice. Auto order: tensorflow (tfjs-node-gpu, then tfjs-node, when installed), webgpu (when an
 * adapter exists), native (tfjs cpu + OpenBLAS addon kernels), wasm (+ missing kernels), cpu.
 * MINITRON_BACKEND overrides 'auto'. Failures warn once and fall through; only bad names throw.
 */
import * as v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './gradients.js';
import { gcOnMainThread } from './v8_gc.js';
import { loadNativeAddon } from './native_addon.js';
import { installNativeKernels, uninstallNativeKernels, NATIVE_KERNEL_NAMES } from './native_kernels.js';
import { registerWasmKernels } from './wasm_kernels.js';

/** Concrete backends minitron can run on. */
export type BackendName = 'tensorflow' | 'webgpu' | 'native' | 'wasm' | 'cpu';
/** What selectBackend accepts. */
export type BackendRequest = 'auto' | BackendName;

/** The backend in use and why. */
export interface BackendInfo {
  name: BackendName;
  /** tfjs' own backend name (tf.getBackend()). */
  tfjsBackend: string;
  requested: BackendRequest;
  reason: string;
  /** Kernels overridden natively on the cpu backend ([] unless name is 'native'). */
  nativeKernels: string[];
  /** OpenBLAS threads/config when the native addon is in use. */
  blas: { threads: number; config: string } | null;
  /** Warnings raised while choosing (also printed once). */
  warnings: string[];
}

/** Options of selectBackend. */
export interface SelectOptions { log: boolean; force: boolean }
/** Defaults: log the choice once; reuse an earlier choice for the same request. */
export const DEFAULT_SELECT_OPTIONS: SelectOptions = { log: true, force: false };

/** A bad backend name (argument or MINITRON_BACKEND). */
export class BackendError extends Error {
  override name = 'BackendError';
}

/** Auto order, best first. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'native', 'wasm', 'cpu'];

type Attempt = { ok: true; reason: string; tfjsBackend: string } | { ok: false; reason: string };

let current: BackendInfo | null = null;

function tryRequire(name: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes(name)) return null;
    throw e;
  }
}

async function tryTensorflow(): Promise<Attempt> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      if (tryRequire(pkg) === null) continue;
      if (tf.findBackendFactory('tensorflow') && (await tf.setBackend('tensorflow'))) {
        return { ok: true, reason: `${pkg} (libtensorflow kernels)`, tfjsBackend: 'tensorflow' };
      }
    } catch (e) {
      return { ok: false, reason: `${pkg} failed to load: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return { ok: false, reason: '@tensorflow/tfjs-node(-gpu) not installed' };
}

async function tryWebgpu(): Promise<Attempt> {
  const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } };
  try {
    if (!g.navigator?.gpu) {
      const dawn = tryRequire('webgpu') as { create(flags: string[]): unknown; globals: object } | null;
      if (!dawn) return { ok: false, reason: 'no navigator.gpu and npm webgpu not installed' };
      Object.assign(globalThis, dawn.globals);
      if (!g.navigator) (globalThis as Record<string, unknown>).navigator = {};
      (g.navigator as Record<string, unknown>).gpu = dawn.create([]);
    }
    const adapter = await g.navigator!.gpu!.requestAdapter();
    if (!adapter) return { ok: false, reason: 'no WebGPU adapter (needs a Vulkan/Metal/D3D12 driver)' };
    if (tryRequire('@tensorflow/tfjs-backend-webgpu') === null) return { ok: false, reason: 'adapter found but @tensorflow/tfjs-backend-webgpu not installed' };
    if (await tf.setBackend('webgpu')) return { ok: true, reason: 'WebGPU adapter found', tfjsBackend: 'webgpu' };
    return { ok: false, reason: 'tfjs webgpu backend failed to initialise' };
  } catch (e) {
    return { ok: false, reason: `webgpu failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function setCpu(): Promise<boolean> {
  const ok = await tf.setBackend('cpu');
  if (ok) (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // silence the "install tfjs-node" banner
  return ok;
}

async function tryNative(): Promise<Attempt> {
  const { addon, reason } = loadNativeAddon();
  if (!addon) return { ok: false, reason };
  installNativeKernels(addon);
  if (!(await setCpu())) return { ok: false, reason: 'tfjs cpu backend failed to initialise' };
  const { threads } = addon.info();
  const gc = quietGcThreads() ? '; V8 concurrent marking off' : gcOnMainThread() ? '; V8 GC on the main thread' : '';
  return { ok: true, reason: `tfjs cpu + native OpenBLAS kernels (${threads} threads${gc})`, tfjsBackend: 'cpu' };
}

/**
 * Opt-in (MINITRON_V8_CONCURRENT_MARKING=0): OpenBLAS runs its sgemm on every core, and V8's concurrent-marking
 * thread can take a core away mid-product so that the product waits for its slowest thread (measured on 2 cores:
 * small-output products of the real-model distillation step at 50-70 instead of ~200 GFLOP/s; the step ~20% faster
 * with marking on the main thread). Garbage tensors are then found later; the buffer pool makes up for it by collecting
 * after every MINITRON_GC_EVERY_MB of dropped tensor storage (v8_gc.ts). Only this flag is safe to change at run time;
 * the CLI and the kernel start node with --single-threaded-gc instead (V8_TRAIN_FLAGS).
 */
function quietGcThreads(): boolean {
  if (process.env.MINITRON_V8_CONCURRENT_MARKING !== '0') return false;
  v8.setFlagsFromString('--no-concurrent-marking');
  return true;
}

async function tryWasm(): Promise<Attempt> {
  try {
    if (tryRequire('@tensorflow/tfjs-backend-wasm') === null) return { ok: false, reason: '@tensorflow/tfjs-backend-wasm not installed' };
    registerWasmKernels();
    if (await tf.setBackend('wasm')) return { ok: true, reason: 'tfjs wasm (SIMD) + JS UnsortedSegmentSum; tensors capped at 4 GB', tfjsBackend: 'wasm' };
    return { ok: false, reason: 'tfjs wasm backend failed to initialise' };
  } catch (e) {
    return { ok: false, reason: `wasm failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  uninstallNativeKernels();
  if (await setCpu()) return { ok: true, reason: 'tfjs reference cpu kernels (slow)', tfjsBackend: 'cpu' };
  return { ok: false, reason: 'tfjs cpu backend failed to initialise' };
}

const ATTEMPTS: Record<BackendName, () => Promise<Attempt>> = {
  tensorflow: tryTensorflow, webgpu: tryWebgpu, native: tryNative, wasm: tryWasm, cpu: tryCpu,
};

function parseRequest(name: string, source: string): BackendRequest {
  if (name === 'auto' || (BACKEND_ORDER as readonly string[]).includes(name)) return name as BackendRequest;
  throw new BackendError(`backend/select.ts: ${source} = '${name}', expected one of auto, ${BACKEND_ORDER.join(', ')}`);
}

/**
 * Chooses and activates the compute backend (once; later calls with the same request reuse it).
 * @example const info = await selectBackend(); console.log(info.name, info.reason);
 */
export async function selectBackend(name: BackendRequest = 'auto', opts: Partial<SelectOptions> = {}): Promise<BackendInfo> {
  const o = { ...DEFAULT_SELECT_OPTIONS, ...opts };
  let requested = parseRequest(name, 'selectBackend(name)');
  const env = process.env.MINITRON_BACKEND;
  if (requested === 'auto' && env) requested = parseRequest(env, 'MINITRON_BACKEND');
  if (!o.force && current && current.requested === requested && tf.getBackend() === current.tfjsBackend) return current;
  const start = requested === 'auto' ? 0 : BACKEND_ORDER.indexOf(requested);
  const skipped: string[] = [];
  const warnings: string[] = [];
  for (const candidate of BACKEND_ORDER.slice(start)) {
    const r = await ATTEMPTS[candidate]();
    if (r.ok) {
      const addon = candidate === 'native' ? loadNativeAddon().addon : null;
      const info: BackendInfo = {
        name: candidate, tfjsBackend: r.tfjsBackend, requested, warnings,
        reason: r.reason + (skipped.length ? `; skipped ${skipped.join('; ')}` : ''),
        nativeKernels: candidate === 'native' ? NATIVE_KERNEL_NAMES.slice() : [],
        blas: addon ? addon.info() : null,
      };
      if (o.log) process.stderr.write(`[minitron] backend: ${info.name} (${info.reason})${requested !== 'auto' ? ` [requested ${requested}]` : ''}\n`);
      current = info;
      return info;
    }
    skipped.push(`${candidate}: ${r.reason}`);
    // Missing optional GPU stacks are expected under 'auto'; a missing native addon or an explicit request is worth a warning.
    if (candidate === requested || candidate === 'native' || candidate === 'wasm') {
      const w = `[minitron] warning: backend ${candidate} unavailable (${r.reason}); trying the next one`;
      warnings.push(w);
      if (o.log) process.stderr.write(w + '\n');
    }
  }
  throw new BackendError(`backend/select.ts: no backend could start (${skipped.join('; ')})`);
}

/**
 * The backend chosen by the last selectBackend call, or null if none was chosen yet.
 * @example await selectBackend(); console.log(backendInfo()?.name);
 */
export function backendInfo(): BackendInfo | null {
  if (current && tf.getBackend() !== current.tfjsBackend) return null;
  return current;
}
