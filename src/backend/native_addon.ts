/**
 * Loads the optional N-API addon (native/build/Release/minitron_native.node, built by scripts/build_native.sh).
 * Never throws: a missing or broken addon gives `{ addon: null, reason }` so callers can fall back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Functions exported by native/minitron_native.cc (all work in place on typed arrays). */
export interface NativeAddon {
  /** C[i] = op(A[aIdx[i]]) · op(B[bIdx[i]]); A blocks [m,k] ([k,m] if transA), B blocks [k,n] ([n,k] if transB). */
  gemmBatch(a: Float32Array, b: Float32Array, c: Float32Array, aIdx: Int32Array, bIdx: Int32Array,
    m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  /** In place on c as [rows, n]: c += bias (length n or 1), then activation (0 linear, 1 relu, 2 relu6, 3 elu, 4 leakyrelu, 5 sigmoid). */
  biasAct(c: Float32Array, bias: Float32Array | null, n: number, act: number, alpha: number): void;
  /** Row-wise softmax over the last axis of x as [rows, cols]. */
  softmax(x: Float32Array, out: Float32Array, cols: number): void;
  /** out = transpose(x, perm) for x of the given shape (4-byte elements, rank ≤ 8). */
  transpose(x: Float32Array, out: Float32Array, shape: Int32Array, perm: Int32Array): void;
  /** out = a (op) b with broadcast strides per out dim (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 sqdiff, 7 pow). */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, outShape: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;
  /** out = f(x): 0 exp, 1 log, 2 sigmoid, 3 sqrt, 4 rsqrt, 5 square, 6 neg, 7 abs, 8 relu, 9 tanh, 10 erf, 11 reciprocal, 12 log1p, 13 softplus. */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** Reduces x as [outer, red, inner] over the middle axis into out [outer, inner] (0 sum, 1 mean, 2 max, 3 min). */
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, red: number, inner: number): void;
  /** out[ids[i], :] += x[i, :] for x as [ids.length, inner], out zeroed first. */
  segmentSum(x: Float32Array, ids: Int32Array, out: Float32Array, inner: number): void;
  /** out[o, i, :] = x[o, idx[i], :] for x as [outer, axisLen, inner]; false (nothing copied) when an index is out of range. */
  gather(x: Float32Array, idx: Int32Array, out: Float32Array, outer: number, axisLen: number, inner: number): boolean;
  /** Copies count blocks of blockLen 4-byte elements: src[srcOff + i*srcStride ...] -> dst[dstOff + i*dstStride ...]. */
  copy2d(src: Float32Array, srcOff: number, srcStride: number, dst: Float32Array, dstOff: number, dstStride: number, blockLen: number, count: number): void;
  /** Per row of logits [rows, cols]: loss[r] = KL(softmax(t/τ) || softmax(s/τ)); grad (optional) = q - p. */
  klRows(t: Float32Array, s: Float32Array, cols: number, invTau: number, loss: Float32Array, grad: Float32Array | null): void;
  /** One torch.optim.AdamW update of p, m, v (inputs unchanged) into pOut, mOut, vOut. */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;
  /** Rows of x [rows, D]: r = 1/sqrt(mean(x²)+eps); out = x·r·w; rstd[row] = r. */
  rmsNorm(x: Float32Array, w: Float32Array, eps: number, out: Float32Array, rstd: Float32Array): void;
  /** Gradients of rmsNorm: dx [rows, D] and dw [D] from x, w, rstd and dy. */
  rmsNormGrad(x: Float32Array, w: Float32Array, rstd: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array): void;
  /** out = g·sigmoid(g)·u. */
  siluMul(g: Float32Array, u: Float32Array, out: Float32Array): void;
  /** Gradients of siluMul w.r.t. g and u. */
  siluMulGrad(g: Float32Array, u: Float32Array, dy: Float32Array, dg: Float32Array, du: Float32Array): void;
  /** x [B, T, H, Dh], tables [T, Dh]: out = x·cos + sign·rotate_half(x)·sin (sign −1: inverse rotation). */
  rope(x: Float32Array, cos: Float32Array, sin: Float32Array, out: Float32Array, T: number, H: number, Dh: number, sign: number): void;
  /** Causal attention: q, out [B, T, H, Dh]; k, v [B, T, KV, Dh]; probs [B, H, T, T]; window 0 = none. */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, probs: Float32Array,
    B: number, T: number, H: number, KV: number, Dh: number, scale: number, window: number): void;
  /** Gradients of attention: dq like q, dk and dv like k (overwritten). */
  attentionGrad(q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, dout: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array, B: number, T: number, H: number, KV: number, Dh: number, scale: number, window: number): void;
  /** x [B, T, U, G]: per (b, u) over t of m = |x| (G = 1) or the L2 norm over G: 0 mean, 1 sqrt(sum m²), 2 variance → out [B, U]. */
  seqAggregate(x: Float32Array, out: Float32Array, B: number, T: number, U: number, G: number, mode: number): void;
  /** Sum over rows of cos(a_row, b_row) for a, b [rows, D]. */
  cosineSum(a: Float32Array, b: Float32Array, D: number): number;
  /** Per row of x [rows, V]: the k largest values (descending; ties: lower id first) and their ids, and log Σ exp(x). */
  topKLse(x: Float32Array, V: number, k: number, values: Float32Array, ids: Int32Array, lse: Float32Array): void;
  /**
   * Fused lm_head + loss over row blocks × vocabulary chunks (student logits h·wᵀ never held in full): h [N, D],
   * w [V, D], teacher logits [N, V] or null, targets [N] (< 0: no CE term) or null. parts[0] = τ²·mean KL(teacher ‖
   * student at τ), parts[1] = mean CE over rows with a target; dh, dw (both or neither) = gradients of
   * klW·parts[0] + ceW·parts[1].
   */
  linearLoss(h: Float32Array, w: Float32Array, teacher: Float32Array | null, targets: Int32Array | null, D: number, invTau: number,
    klW: number, ceW: number, rowBlock: number, vocabChunk: number, parts: Float32Array, dh: Float32Array | null, dw: Float32Array | null): void;
  /**
   * linearLoss against a cached top-k teacher at τ = 1: values [N, K] (top-k logits), ids [N, K], lse [N] (log-sum-exp
   * over the vocabulary); parts[0] = mean KL between the (k + 1)-outcome distributions (the k tokens, the rest).
   */
  linearLossTopK(h: Float32Array, w: Float32Array, values: Float32Array, ids: Int32Array, lse: Float32Array, targets: Int32Array | null,
    klW: number, ceW: number, rowBlock: number, vocabChunk: number, parts: Float32Array, dh: Float32Array | null, dw: Float32Array | null): void;
  /** Threads and build configuration of the linked OpenBLAS. */
  info(): { threads: number; config: string };
}

/** Result of trying to load the addon. */
export interface AddonLoad { addon: NativeAddon | null; path: string; reason: string }

const ADDON_REL = path.join('native', 'build', 'Release', 'minitron_native.node');
let cached: AddonLoad | null = null;

/**
 * Path where the addon is expected: $MINITRON_NATIVE_PATH, else <package root>/native/build/Release/minitron_native.node.
 * @example console.log(nativeAddonPath());
 */
export function nativeAddonPath(): string {
  if (process.env.MINITRON_NATIVE_PATH) return path.resolve(process.env.MINITRON_NATIVE_PATH);
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'native'))) return path.join(dir, ADDON_REL);
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..', ADDON_REL);
}

/**
 * Loads the addon once (MINITRON_NATIVE=0 disables it); returns null with a reason when unavailable.
 * @example const { addon, reason } = loadNativeAddon(); if (!addon) console.warn(reason);
 */
export function loadNativeAddon(opts: { reload?: boolean } = {}): AddonLoad {
  if (cached && !opts.reload) return cached;
  const p = nativeAddonPath();
  if (process.env.MINITRON_NATIVE === '0') {
    cached = { addon: null, path: p, reason: 'disabled by MINITRON_NATIVE=0' };
  } else if (!fs.existsSync(p)) {
    cached = { addon: null, path: p, reason: `native addon not built (${p} missing; run bash scripts/build_native.sh, needs g++ and libopenblas-dev)` };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(p) as NativeAddon;
      if (typeof addon.gemmBatch !== 'function' || typeof addon.info !== 'function') throw new Error('missing exports gemmBatch/info');
      addon.info();
      cached = { addon, path: p, reason: 'loaded' };
    } catch (e) {
      cached = { addon: null, path: p, reason: `native addon ${p} failed to load: ${(e as Error).message}` };
    }
  }
  return cached;
}
