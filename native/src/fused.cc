// Fused decoder kernels with their backward passes: RMSNorm, SiLU(gate)·up, rotary embedding and causal
// attention (GQA, sliding window) over the [B, T, H, Dh] layout of the projections (no transposes).
#include "common.h"
#include <cblas.h>

namespace mt {

// rmsNorm(x, w, eps, out, rstd): rows of x [rows, D]: r = 1/sqrt(mean(x²) + eps); out = x·r·w; rstd[row] = r.
napi_value RmsNorm(napi_env env, napi_callback_info info) {
  Args a(env, info, "rmsNorm");
  size_t lx, lw, lo, lr;
  float *x = a.f32(0, &lx), *w = a.f32(1, &lw);
  float eps = float(a.num(2));
  float *o = a.f32(3, &lo), *rs = a.f32(4, &lr);
  if (a.failed) return nullptr;
  size_t D = lw;
  if (D == 0 || lx % D != 0 || lo != lx || lr != lx / D) { a.range("x and out must be [rows, D] with D = w.length, rstd [rows]"); return nullptr; }
  parallelFor(lr, 64, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; r++) {
      const float *__restrict xr = x + r * D;
      float *__restrict orow = o + r * D;
      float s = 0;
      for (size_t j = 0; j < D; j++) s += xr[j] * xr[j];
      float inv = 1.0f / std::sqrt(s / float(D) + eps);
      rs[r] = inv;
      for (size_t j = 0; j < D; j++) orow[j] = (xr[j] * inv) * w[j];
    }
  });
  return undef(env);
}

// rmsNormGrad(x, w, rstd, dy, dx, dw): with g = dy·w: dx = r·g − r³·x·mean(g·x); dw = Σ_rows dy·x·r.
napi_value RmsNormGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "rmsNormGrad");
  size_t lx, lw, lr, ld, ldx, ldw;
  float *x = a.f32(0, &lx), *w = a.f32(1, &lw), *rs = a.f32(2, &lr), *dy = a.f32(3, &ld), *dx = a.f32(4, &ldx), *dw = a.f32(5, &ldw);
  if (a.failed) return nullptr;
  size_t D = lw;
  if (D == 0 || lx % D != 0 || lr != lx / D || ld != lx || ldx != lx || ldw != D) { a.range("x, dy, dx [rows, D]; w, dw [D]; rstd [rows]"); return nullptr; }
  parallelFor(lr, 64, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; r++) {
      const float *__restrict xr = x + r * D, *__restrict g = dy + r * D;
      float *__restrict o = dx + r * D;
      const float inv = rs[r];
      float dot = 0;
      for (size_t j = 0; j < D; j++) dot += g[j] * w[j] * xr[j];
      const float c = inv * inv * inv * dot / float(D);
      for (size_t j = 0; j < D; j++) o[j] = inv * g[j] * w[j] - c * xr[j];
    }
  });
  // dw by column ranges (each thread sums all rows for its columns), accumulated in double.
  parallelFor(D, 64, [&](size_t j0, size_t j1) {
    std::vector<double> acc(j1 - j0, 0.0);
    for (size_t r = 0; r < lr; r++) {
      const float *__restrict xr = x + r * D, *__restrict g = dy + r * D;
      const float inv = rs[r];
      for (size_t j = j0; j < j1; j++) acc[j - j0] += double(g[j] * xr[j] * inv);
    }
    for (size_t j = j0; j < j1; j++) dw[j] = float(acc[j - j0]);
  });
  return undef(env);
}

// siluMul(g, u, out): out = g·sigmoid(g)·u (SwiGLU).
napi_value SiluMul(napi_env env, napi_callback_info info) {
  Args a(env, info, "siluMul");
  size_t lg, lu, lo;
  float *g = a.f32(0, &lg), *u = a.f32(1, &lu), *o = a.f32(2, &lo);
  if (a.failed) return nullptr;
  if (lu != lg || lo != lg) { a.range("g, u and out must have equal lengths"); return nullptr; }
  float *__restrict out = o;
  parallelFor(lg, 1 << 15, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) { float s = 1.0f / (1.0f + vexp(-g[i])); out[i] = g[i] * s * u[i]; }
  });
  return undef(env);
}

// siluMulGrad(g, u, dy, dg, du): du = dy·g·σ(g); dg = dy·u·σ(g)·(1 + g·(1 − σ(g))).
napi_value SiluMulGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "siluMulGrad");
  size_t l[5];
  float *g = a.f32(0, &l[0]), *u = a.f32(1, &l[1]), *dy = a.f32(2, &l[2]), *dg = a.f32(3, &l[3]), *du = a.f32(4, &l[4]);
  if (a.failed) return nullptr;
  for (int i = 1; i < 5; i++) if (l[i] != l[0]) { a.range("g, u, dy, dg and du must have equal lengths"); return nullptr; }
  float *__restrict G = dg, *__restrict U = du;
  parallelFor(l[0], 1 << 15, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) {
      float s = 1.0f / (1.0f + vexp(-g[i]));
      U[i] = dy[i] * g[i] * s;
      G[i] = dy[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
    }
  });
  return undef(env);
}

// rope(x, cos, sin, out, T, H, Dh, sign): x [B, T, H, Dh], tables [T, Dh] (halves duplicated):
// out = x·cos + sign·rotate_half(x)·sin with rotate_half(x) = [−x2, x1]. sign −1 applies the inverse rotation
// (the backward pass).
napi_value Rope(napi_env env, napi_callback_info info) {
  Args a(env, info, "rope");
  size_t lx, lc, ls, lo;
  float *x = a.f32(0, &lx), *c = a.f32(1, &lc), *s = a.f32(2, &ls), *o = a.f32(3, &lo);
  int64_t T = a.count(4), H = a.count(5), Dh = a.count(6);
  float sign = float(a.num(7));
  if (a.failed) return nullptr;
  size_t row = size_t(H) * Dh;
  if (Dh % 2 != 0 || T == 0 || row == 0 || lx % (size_t(T) * row) != 0 || lo != lx || lc < size_t(T * Dh) || ls < size_t(T * Dh)) {
    a.range("x and out must be [B, T, H, Dh] (Dh even), cos/sin [T, Dh]");
    return nullptr;
  }
  size_t half = size_t(Dh) / 2, B = lx / (size_t(T) * row);
  for (size_t b = 0; b < B; b++) {
    for (int64_t t = 0; t < T; t++) {
      const float *__restrict ct = c + t * Dh, *__restrict st = s + t * Dh;
      for (int64_t h = 0; h < H; h++) {
        size_t off = (b * T + t) * row + h * Dh;
        const float *__restrict xv = x + off;
        float *__restrict ov = o + off;
        for (size_t i = 0; i < half; i++) ov[i] = xv[i] * ct[i] - sign * xv[i + half] * st[i];
        for (size_t i = half; i < size_t(Dh); i++) ov[i] = xv[i] * ct[i] + sign * xv[i - half] * st[i];
      }
    }
  }
  return undef(env);
}

struct AttnDims {
  int64_t B, T, H, KV, Dh, window;
  float scale;
};

// Reads (q, k, v, ..., B, T, H, KV, Dh, scale, window) argument dims starting at argument `i`; checks lengths.
static bool attnDims(Args &a, size_t i, size_t lq, size_t lk, size_t lv, AttnDims *d) {
  d->B = a.count(i); d->T = a.count(i + 1); d->H = a.count(i + 2); d->KV = a.count(i + 3); d->Dh = a.count(i + 4);
  d->scale = float(a.num(i + 5));
  d->window = a.count(i + 6);
  if (a.failed) return false;
  if (d->KV == 0 || d->H % d->KV != 0 || lq != size_t(d->B * d->T * d->H * d->Dh) || lk != size_t(d->B * d->T * d->KV * d->Dh) || lv != lk) {
    a.range("q must be [B, T, H, Dh], k and v [B, T, KV, Dh] with H a multiple of KV");
    return false;
  }
  return true;
}

// First key a query at position t may see (window 0 = unlimited).
static inline int64_t firstKey(int64_t t, int64_t window) { return window > 0 && t - window + 1 > 0 ? t - window + 1 : 0; }

// attention(q, k, v, out, probs, B, T, H, KV, Dh, scale, window): per batch b and head h (KV head h / (H/KV)):
// P = softmax(scale·Q Kᵀ) over keys s with s <= t (and t − s < window), 0 elsewhere; out = P V.
// q, out [B, T, H, Dh]; k, v [B, T, KV, Dh]; probs [B, H, T, T] (kept for the backward pass).
napi_value Attention(napi_env env, napi_callback_info info) {
  Args a(env, info, "attention");
  size_t lq, lk, lv, lo, lp;
  float *q = a.f32(0, &lq), *k = a.f32(1, &lk), *v = a.f32(2, &lv), *o = a.f32(3, &lo), *p = a.f32(4, &lp);
  AttnDims d;
  if (a.failed || !attnDims(a, 5, lq, lk, lv, &d)) return nullptr;
  if (lo != lq || lp != size_t(d.B * d.H * d.T * d.T)) { a.range("out must be [B, T, H, Dh] and probs [B, H, T, T]"); return nullptr; }
  const int64_t T = d.T, Dh = d.Dh, G = d.H / d.KV, ldq = d.H * Dh, ldk = d.KV * Dh;
  for (int64_t b = 0; b < d.B; b++) {
    for (int64_t h = 0; h < d.H; h++) {
      const float *Q = q + b * T * ldq + h * Dh, *K = k + b * T * ldk + (h / G) * Dh, *V = v + b * T * ldk + (h / G) * Dh;
      float *P = p + (b * d.H + h) * T * T;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(T), int(T), int(Dh), d.scale, Q, int(ldq), K, int(ldk), 0.0f, P, int(T));
      for (int64_t t = 0; t < T; t++) {
        float *__restrict row = P + t * T;
        const int64_t s0 = firstKey(t, d.window);
        float mx = -INFINITY;
        for (int64_t s = s0; s <= t; s++) mx = std::max(mx, row[s]);
        float sum = 0;
        for (int64_t s = s0; s <= t; s++) { row[s] = vexp(row[s] - mx); sum += row[s]; }
        const float inv = 1.0f / sum;
        for (int64_t s = 0; s < s0; s++) row[s] = 0.0f;
        for (int64_t s = s0; s <= t; s++) row[s] *= inv;
        for (int64_t s = t + 1; s < T; s++) row[s] = 0.0f;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(T), int(Dh), int(T), 1.0f, P, int(T), V, int(ldk), 0.0f,
                  o + b * T * ldq + h * Dh, int(ldq));
    }
  }
  return undef(env);
}

// attentionGrad(q, k, v, probs, dout, dq, dk, dv, B, T, H, KV, Dh, scale, window): gradients of attention():
// dP = dO Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = scale·dS K; dK += scale·dSᵀ Q; dV += Pᵀ dO (sums over the
// query heads of a KV group).
napi_value AttentionGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "attentionGrad");
  size_t lq, lk, lv, lp, ldo, ldq, ldk_, ldv;
  float *q = a.f32(0, &lq), *k = a.f32(1, &lk), *v = a.f32(2, &lv), *p = a.f32(3, &lp), *dout = a.f32(4, &ldo);
  float *dq = a.f32(5, &ldq), *dk = a.f32(6, &ldk_), *dv = a.f32(7, &ldv);
  AttnDims d;
  if (a.failed || !attnDims(a, 8, lq, lk, lv, &d)) return nullptr;
  if (lp != size_t(d.B * d.H * d.T * d.T) || ldo != lq || ldq != lq || ldk_ != lk || ldv != lk) {
    a.range("probs [B, H, T, T]; dout, dq like q; dk, dv like k");
    return nullptr;
  }
  const int64_t T = d.T, Dh = d.Dh, G = d.H / d.KV, lq_ = d.H * Dh, lkv = d.KV * Dh;
  std::memset(dk, 0, lk * sizeof(float));
  std::memset(dv, 0, lk * sizeof(float));
  std::vector<float> dS(size_t(T) * T);
  for (int64_t b = 0; b < d.B; b++) {
    for (int64_t h = 0; h < d.H; h++) {
      const size_t qo = b * T * lq_ + h * Dh, ko = b * T * lkv + (h / G) * Dh;
      const float *P = p + (b * d.H + h) * T * T;
      float *S = dS.data();
      // dP = dO Vᵀ [T, T]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(T), int(T), int(Dh), 1.0f, dout + qo, int(lq_), v + ko, int(lkv), 0.0f, S, int(T));
      for (int64_t t = 0; t < T; t++) {
        float *__restrict srow = S + t * T;
        const float *__restrict prow = P + t * T;
        const int64_t s0 = firstKey(t, d.window);
        float dot = 0;
        for (int64_t s = s0; s <= t; s++) dot += srow[s] * prow[s];
        for (int64_t s = 0; s < T; s++) srow[s] = (s >= s0 && s <= t) ? prow[s] * (srow[s] - dot) : 0.0f;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(T), int(Dh), int(T), d.scale, S, int(T), k + ko, int(lkv), 0.0f, dq + qo, int(lq_));
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(T), int(Dh), int(T), d.scale, S, int(T), q + qo, int(lq_), 1.0f, dk + ko, int(lkv));
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(T), int(Dh), int(T), 1.0f, P, int(T), dout + qo, int(lq_), 1.0f, dv + ko, int(lkv));
    }
  }
  return undef(env);
}

}  // namespace mt
