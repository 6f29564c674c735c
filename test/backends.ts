/**
 * Runs a suite once per available backend, as tfjs' own tests do (`describeWithFlags(..., ALL_ENVS)`), with one
 * per-backend tolerance table. A backend that cannot run here is a visible skip naming the reason, never silent.
 * Which backends: MINITRON_TEST_BACKENDS (comma list), else the one MINITRON_BACKEND names, else every backend.
 * The wasm backend's heap is capped at 4 GB: only tiny fixtures go through it; the real model runs on the default
 * backend alone (helpers.setup).
 */
import { describe, before, after, it, type TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, backendInfo, loadNativeAddon, uninstallNativeKernels, BACKEND_ORDER, type BackendName } from '../src/backend/index.js';

/** Tolerances of one backend against the transformers / torch references (float32 everywhere). */
export interface Tolerance {
  /** Max |Δlogit| of a tiny model's forward. */
  logits: number;
  /** Relative error of a perplexity (or a per-layer perplexity score). */
  ppl: number;
  /** Max |Δgrad| / max |grad| per parameter of the LM loss. */
  grad: number;
  /** Error of a scalar loss (LM loss, KD loss terms): absolute, relative above 1. */
  loss: number;
  /** Relative error of an activation-based importance score (heads, neurons, channels). */
  score: number;
  /** Max relative error of a KD loss gradient on small logit / state tensors (vs torch). */
  lossGrad: number;
  /** Max |Δlogit| between two of our own forwards (masked vs sliced, exported vs in memory). */
  self: number;
  /** Max relative error of parameters after optimiser steps (vs torch.optim.AdamW). */
  step: number;
}

/**
 * One place for every backend's tolerances. native and cpu sum in float32 with different orders (OpenBLAS
 * blocking vs tfjs' loops); wasm (XNNPACK) uses fused multiply-adds; GPU backends may run reduced-precision
 * transcendental functions, so they get one decade more.
 */
export const TOLERANCES: Readonly<Record<BackendName, Tolerance>> = {
  native: { logits: 1e-4, ppl: 1e-4, grad: 1e-4, loss: 1e-5, score: 1e-3, lossGrad: 1e-5, self: 1e-4, step: 1e-6 },
  cpu: { logits: 1e-4, ppl: 1e-4, grad: 1e-4, loss: 1e-5, score: 1e-3, lossGrad: 1e-5, self: 1e-4, step: 1e-6 },
  wasm: { logits: 1e-4, ppl: 1e-4, grad: 1e-4, loss: 1e-5, score: 1e-3, lossGrad: 1e-5, self: 1e-4, step: 1e-6 },
  tensorflow: { logits: 1e-4, ppl: 1e-4, grad: 1e-4, loss: 1e-5, score: 1e-3, lossGrad: 1e-5, self: 1e-4, step: 1e-6 },
  webgpu: { logits: 1e-3, ppl: 1e-3, grad: 1e-3, loss: 1e-4, score: 1e-2, lossGrad: 1e-4, self: 1e-3, step: 1e-5 },
};

/** A backend under test: its name, tolerances and a `test` that skips (with the reason) when it could not start. */
export interface BackendCase {
  name: BackendName;
  tol: Tolerance;
  test(title: string, fn: (t: TestContext) => Promise<void> | void): void;
}

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a backend cannot run here, or null when it can (cheap checks; an absent GPU adapter shows at start).
 * @example unavailableReason('native') // null once scripts/build_native.sh has run
 */
export function unavailableReason(name: BackendName): string | null {
  const wanted = requestedBackends();
  if (!wanted.includes(name)) return `not in ${process.env.MINITRON_TEST_BACKENDS ? 'MINITRON_TEST_BACKENDS' : 'MINITRON_BACKEND'} (${wanted.join(', ')})`;
  if (name === 'native') return loadNativeAddon().addon ? null : loadNativeAddon().reason;
  if (name === 'wasm') return resolvable('@tensorflow/tfjs-backend-wasm') ? null : '@tensorflow/tfjs-backend-wasm not installed';
  if (name === 'tensorflow') return resolvable('@tensorflow/tfjs-node') || resolvable('@tensorflow/tfjs-node-gpu') ? null : '@tensorflow/tfjs-node(-gpu) not installed';
  if (name === 'webgpu') return resolvable('@tensorflow/tfjs-backend-webgpu') ? null : '@tensorflow/tfjs-backend-webgpu not installed';
  return null;
}

/**
 * The backends a per-backend suite is asked to cover (before availability).
 * @example MINITRON_TEST_BACKENDS=wasm,cpu → ['wasm', 'cpu']
 */
export function requestedBackends(): BackendName[] {
  const list = process.env.MINITRON_TEST_BACKENDS;
  const pick = list ? list.split(',').map((s) => s.trim()) : process.env.MINITRON_BACKEND && process.env.MINITRON_BACKEND !== 'auto' ? [process.env.MINITRON_BACKEND] : [...BACKEND_ORDER];
  const bad = pick.filter((n) => !(BACKEND_ORDER as readonly string[]).includes(n));
  if (bad.length) throw new Error(`test/backends.ts: unknown backend(s) ${bad.join(', ')}; expected some of ${BACKEND_ORDER.join(', ')}`);
  return pick as BackendName[];
}

/** Activates `name` exactly (no fall-through); returns the reason when it cannot start. */
async function activate(name: BackendName): Promise<string | null> {
  const info = await selectBackend(name, { force: true, log: false });
  if (info.name === name) {
    await tf.ready();
    return null;
  }
  return `${name} could not start (${info.reason})`;
}

/** Puts back the backend that was active before a suite, so the tests after it run where they expected. */
function remember(): () => Promise<void> {
  const chosen = backendInfo()?.name ?? null;
  const tfjs = tf.getBackend();
  return async () => {
    if (chosen) await selectBackend(chosen, { force: true, log: false });
    else if (tfjs) {
      if (tfjs === 'cpu') uninstallNativeKernels();
      await tf.setBackend(tfjs);
    }
  };
}

/**
 * Defines `title [backend]` once per backend (suites run one after the other, each on its own backend; the backend
 * active before a suite is restored after it).
 * @example describeEachBackend('logits parity', (b) => b.test('gpt2', async () => { ... diff <= b.tol.logits ... }));
 */
export function describeEachBackend(title: string, body: (b: BackendCase) => void): void {
  for (const name of BACKEND_ORDER) {
    const skip = unavailableReason(name);
    describe(`${title} [${name}]`, { skip: skip ?? false }, () => {
      let failed: string | null = null;
      let restore: () => Promise<void> = async () => {};
      before(async () => {
        restore = remember();
        failed = await activate(name);
      });
      after(() => restore());
      body({
        name, tol: TOLERANCES[name],
        test: (t, fn) => it(t, async (ctx) => (failed ? ctx.skip(failed) : fn(ctx))),
      });
    });
  }
}
