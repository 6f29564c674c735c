// Fused lm_head + distillation loss: student logits S = H·Wᵀ are produced one [rows, chunk] tile at a time
// (row blocks × vocabulary chunks) and never held in full. Pass 1 over a row block's chunks keeps running
// log-sum-exps (online max) of S/τ and S, Σ p·S/τ against the teacher and the target logit; pass 2 recomputes each
// tile (kept when one chunk spans the vocabulary), turns it into the logit gradient G and adds Gᵀ·H to dW and G·W
// to dH. Loss = klW·τ²·mean_rows KL(p_teacher ‖ softmax(S/τ)) + ceW·mean_valid CE(softmax(S), target).
//
// The teacher enters only through per-row constants (log-sum-exp of t/τ and Σ p·t/τ) and p over a chunk
// (Teacher below). A cached top-k teacher (TopK below: the teacher's top-k logits and full log-sum-exp, τ = 1) gives
// the KL between the (k + 1)-outcome distributions "each of the k tokens, or the rest": pass 1 also gathers the
// student's logits at the k ids; per row, with q = softmax(S), QK = Σ_k q, PK = Σ_k p, pRest = 1 − PK,
// qRest = 1 − QK, the logit gradient is α·q everywhere plus (β·q − p) at the k ids, α = PK − QK·pRest/qRest,
// β = pRest/qRest (α = PK, β = 0 where qRest is clamped at 1e-12).
#include "common.h"
#include <cblas.h>

namespace mt {
namespace {

// Reductions in 16 float lanes (vectorised without -ffast-math), blocks of 512 combined in double.
template <typename F>
inline double lanes(size_t n, F term) {
  double total = 0;
  for (size_t b = 0; b < n; b += 512) {
    const size_t e = std::min(n, b + 512);
    float acc[16] = {0};
    size_t j = b;
    for (; j + 16 <= e; j += 16) for (size_t k = 0; k < 16; k++) acc[k] += term(j + k);
    float s = 0;
    for (; j < e; j++) s += term(j);
    for (size_t k = 0; k < 16; k++) s += acc[k];
    total += s;
  }
  return total;
}

inline float lanesMax(const float *__restrict x, size_t n, float scale) {
  float acc[16];
  for (size_t k = 0; k < 16; k++) acc[k] = -INFINITY;
  size_t j = 0;
  for (; j + 16 <= n; j += 16) for (size_t k = 0; k < 16; k++) acc[k] = acc[k] > x[j + k] * scale ? acc[k] : x[j + k] * scale;
  float m = -INFINITY;
  for (; j < n; j++) m = std::max(m, x[j] * scale);
  for (size_t k = 0; k < 16; k++) m = std::max(m, acc[k]);
  return m;
}

// Dense teacher logits [N, V]: p = softmax(t/τ) per row.
struct Teacher {
  const float *t = nullptr;
  size_t V = 0;
  float invTau = 1;
  std::vector<float> lse;    // [N] log Σ exp(t/τ)
  std::vector<double> dotT;  // [N] Σ p·t/τ
  bool present() const { return t != nullptr; }
  void prepare(size_t N) {
    lse.assign(N, 0);
    dotT.assign(N, 0);
    parallelFor(N, 16, [&](size_t r0, size_t r1) {
      std::vector<float> e(V);
      for (size_t r = r0; r < r1; r++) {
        const float *__restrict tr = t + r * V;
        const float m = lanesMax(tr, V, invTau);
        float *__restrict ep = e.data();
        for (size_t j = 0; j < V; j++) ep[j] = vexp(tr[j] * invTau - m);
        const double z = lanes(V, [&](size_t j) { return ep[j]; });
        const double zt = lanes(V, [&](size_t j) { return ep[j] > 0 ? ep[j] * (tr[j] * invTau) : 0.0f; });  // -inf logits: 0
        lse[r] = float(m + std::log(z));
        dotT[r] = zt / z;
      }
    });
  }
  // p[j - v0] for j in [v0, v1) of row r.
  void probs(size_t r, size_t v0, size_t v1, float *__restrict p) const {
    const float *__restrict tr = t + r * V + v0;
    const float l = lse[r];
    for (size_t j = 0; j < v1 - v0; j++) p[j] = vexp(tr[j] * invTau - l);
  }
};

// Cached top-k teacher: values/ids [N, K], lse [N] (τ = 1).
struct TopK {
  const float *v = nullptr, *lse = nullptr;
  const int32_t *ids = nullptr;
  size_t K = 0;
  std::vector<float> sK;              // [N, K] student logits at the ids (pass 1)
  std::vector<float> alpha, beta;     // [N] gradient coefficients (see the file comment)
  std::vector<double> kl;             // [N] per-row KL
  bool present() const { return v != nullptr; }
  float p(size_t r, size_t k) const { return vexp(v[r * K + k] - lse[r]); }
};

struct Problem {
  const float *h = nullptr, *w = nullptr;
  const int32_t *tg = nullptr;  // [N] target ids, < 0 = no target; null = no CE
  size_t N = 0, D = 0, V = 0, R = 1, C = 1;  // rows, width, vocabulary, row block, vocabulary chunk
  float invTau = 1;
  double klW = 0, ceW = 0;
  Teacher teacher;
  TopK topk;
  size_t nValid = 0;
  // Per-row running state: m/z of S/τ, m1/z1 of S (CE at τ = 1), Σ p·S/τ, target logit.
  std::vector<float> m, z, m1, z1, sTarget;
  std::vector<double> dotS;
  bool ce() const { return tg != nullptr; }
  bool sameTau() const { return invTau == 1.0f; }
};

// Running log-sum-exp update of (m, z) with the values x[0..n) (scratch e of length n).
inline void lseUpdate(const float *__restrict x, size_t n, float scale, float &m, float &z, float *__restrict e) {
  const float nm = std::max(m, lanesMax(x, n, scale));
  for (size_t j = 0; j < n; j++) e[j] = vexp(x[j] * scale - nm);
  const double s = lanes(n, [&](size_t j) { return e[j]; });
  z = float(double(z) * (m == -INFINITY ? 0.0 : std::exp(double(m - nm))) + s);
  m = nm;
}

// Pass 1 on the tile S [rows, cw] of rows r0.. and vocabulary v0..: running normalisers and dot products.
void statsTile(Problem &P, const float *S, size_t r0, size_t rows, size_t v0, size_t cw) {
  parallelFor(rows, 8, [&](size_t i0, size_t i1) {
    std::vector<float> e(cw), p(cw);
    for (size_t i = i0; i < i1; i++) {
      const size_t r = r0 + i;
      const float *__restrict s = S + i * cw;
      if (P.teacher.present()) {
        lseUpdate(s, cw, P.invTau, P.m[r], P.z[r], e.data());
        P.teacher.probs(r, v0, v0 + cw, p.data());
        const float *__restrict pp = p.data();
        P.dotS[r] += lanes(cw, [&](size_t j) { return pp[j] * (s[j] * P.invTau); });
      }
      if (P.topk.present()) {
        const int32_t *__restrict ids = P.topk.ids + r * P.topk.K;
        for (size_t k = 0; k < P.topk.K; k++)
          if (ids[k] >= int64_t(v0) && ids[k] < int64_t(v0 + cw)) P.topk.sK[r * P.topk.K + k] = s[ids[k] - v0];
      }
      if (P.ce() || P.topk.present()) {
        if (!P.teacher.present() || !P.sameTau()) lseUpdate(s, cw, 1.0f, P.m1[r], P.z1[r], e.data());
        const int64_t t = P.ce() ? P.tg[r] : -1;
        if (t >= int64_t(v0) && t < int64_t(v0 + cw)) P.sTarget[r] = s[t - v0];
      }
    }
  });
}

// After pass 1 of rows [r0, r0 + rows): per-row KL against the cached top-k teacher and the gradient coefficients.
void topKRows(Problem &P, size_t r0, size_t rows) {
  TopK &T = P.topk;
  const size_t K = T.K;
  for (size_t r = r0; r < r0 + rows; r++) {
    const double ls = double(P.m1[r]) + std::log(double(P.z1[r]));
    double PK = 0, QK = 0, head = 0;
    for (size_t k = 0; k < K; k++) {
      const double lp = double(T.v[r * K + k]) - double(T.lse[r]), lq = double(T.sK[r * K + k]) - ls;
      const double p = std::exp(lp);
      PK += p;
      QK += std::exp(lq);
      head += p * (lp - lq);
    }
    const double pRest = std::max(0.0, 1.0 - PK), qRaw = 1.0 - QK, qRest = std::max(qRaw, 1e-12);
    T.kl[r] = head + pRest * (std::log(std::max(pRest, 1e-12)) - std::log(qRest));
    const bool clamped = !(qRaw > 1e-12);
    T.beta[r] = clamped ? 0.0f : float(pRest / qRest);
    T.alpha[r] = clamped ? float(PK) : float(PK - QK * pRest / qRest);
  }
}

// Pass 2 of one row against the cached top-k teacher: s → klW/N·(α·q + (β·q − p) at the ids) + bi·q (CE, τ = 1).
inline void topKGradRow(const Problem &P, float *__restrict s, size_t r, size_t v0, size_t cw, float l1, float bi) {
  const TopK &T = P.topk;
  const float a = float(P.klW / double(P.N));
  const float aq = a * T.alpha[r] + bi;
  for (size_t j = 0; j < cw; j++) s[j] = aq * vexp(s[j] - l1);
  const int32_t *__restrict ids = T.ids + r * T.K;
  for (size_t k = 0; k < T.K; k++) {
    if (ids[k] < int64_t(v0) || ids[k] >= int64_t(v0 + cw)) continue;
    const float q = vexp(T.sK[r * T.K + k] - l1);
    s[ids[k] - v0] += a * (T.beta[r] * q - T.p(r, k));
  }
}

// Pass 2 on the tile: S → G = klW·τ/N·(q − p) + ceW/nValid·(softmax(S) − onehot(target)), in place.
void gradTile(Problem &P, float *S, size_t r0, size_t rows, size_t v0, size_t cw) {
  const float a = P.teacher.present() ? float(P.klW / (P.invTau * double(P.N))) : 0.0f;
  const float b = P.ce() && P.nValid > 0 ? float(P.ceW / double(P.nValid)) : 0.0f;
  parallelFor(rows, 8, [&](size_t i0, size_t i1) {
    std::vector<float> p(cw);
    for (size_t i = i0; i < i1; i++) {
      const size_t r = r0 + i;
      float *__restrict s = S + i * cw;
      const bool hasT = P.ce() && P.tg[r] >= 0;
      const float bi = hasT ? b : 0.0f;
      const float l = P.m[r] + std::log(P.z[r]), l1 = P.m1[r] + std::log(P.z1[r]);
      if (P.topk.present()) {
        topKGradRow(P, s, r, v0, cw, l1, bi);
      } else if (a != 0.0f) {
        P.teacher.probs(r, v0, v0 + cw, p.data());
        if (bi != 0.0f && !P.sameTau()) {
          for (size_t j = 0; j < cw; j++) s[j] = a * (vexp(s[j] * P.invTau - l) - p[j]) + bi * vexp(s[j] - l1);
        } else {
          const float aq = a + bi;  // same softmax for KL and CE at τ = 1
          for (size_t j = 0; j < cw; j++) s[j] = aq * vexp(s[j] * P.invTau - l) - a * p[j];
        }
      } else if (bi != 0.0f) {
        for (size_t j = 0; j < cw; j++) s[j] = bi * vexp(s[j] - l1);
      } else {
        std::fill(s, s + cw, 0.0f);  // no gradient from this row (l1 may be -inf here)
      }
      const int64_t t = hasT ? P.tg[r] : -1;
      if (t >= int64_t(v0) && t < int64_t(v0 + cw)) s[t - v0] -= bi;
    }
  });
}

// S [rows, cw] = H[r0..r0+rows] · W[v0..v0+cw]ᵀ.
void logitsTile(const Problem &P, float *S, size_t r0, size_t rows, size_t v0, size_t cw) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(cw), int(P.D), 1.0f, P.h + r0 * P.D, int(P.D),
              P.w + v0 * P.D, int(P.D), 0.0f, S, int(cw));
}

// Both passes over one row block; gradients (dh, dw non-null) accumulate into dh rows and dw.
void rowBlock(Problem &P, std::vector<float> &S, size_t r0, size_t rows, float *dh, float *dw) {
  const size_t nChunks = (P.V + P.C - 1) / P.C;
  for (size_t c = 0; c < nChunks; c++) {
    const size_t v0 = c * P.C, cw = std::min(P.C, P.V - v0);
    logitsTile(P, S.data(), r0, rows, v0, cw);
    statsTile(P, S.data(), r0, rows, v0, cw);
  }
  if (P.ce() && P.teacher.present() && P.sameTau()) {
    std::copy(P.m.begin() + r0, P.m.begin() + r0 + rows, P.m1.begin() + r0);
    std::copy(P.z.begin() + r0, P.z.begin() + r0 + rows, P.z1.begin() + r0);
  }
  if (P.topk.present()) topKRows(P, r0, rows);
  if (!dh) return;
  for (size_t c = 0; c < nChunks; c++) {
    const size_t v0 = c * P.C, cw = std::min(P.C, P.V - v0);
    if (nChunks > 1) logitsTile(P, S.data(), r0, rows, v0, cw);
    gradTile(P, S.data(), r0, rows, v0, cw);
    const int D = int(P.D);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(cw), D, int(rows), 1.0f, S.data(), int(cw), P.h + r0 * P.D, D,
                r0 == 0 ? 0.0f : 1.0f, dw + v0 * P.D, D);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), D, int(cw), 1.0f, S.data(), int(cw), P.w + v0 * P.D, D,
                c == 0 ? 0.0f : 1.0f, dh + r0 * P.D, D);
  }
}

// parts[0] = τ²·mean KL, parts[1] = mean CE over rows with a target (0 when absent).
void reduceParts(const Problem &P, float *parts) {
  double kl = 0, ce = 0;
  for (size_t r = 0; r < P.N; r++) {
    if (P.teacher.present()) {
      const double ls = double(P.m[r]) + std::log(double(P.z[r]));
      kl += (P.teacher.dotT[r] - P.dotS[r]) - double(P.teacher.lse[r]) + ls;
    }
    if (P.topk.present()) kl += P.topk.kl[r];
    if (P.ce() && P.tg[r] >= 0) ce += double(P.m1[r]) + std::log(double(P.z1[r])) - double(P.sTarget[r]);
  }
  const double tau = 1.0 / double(P.invTau);
  parts[0] = (P.teacher.present() || P.topk.present()) && P.N > 0 ? float(kl / double(P.N) * tau * tau) : 0.0f;
  parts[1] = P.nValid > 0 ? float(ce / double(P.nValid)) : 0.0f;
}

// Runs both passes over every row block and reduces the parts (P filled in; dh, dw both null or both [N, D], [V, D]).
void solve(Problem &P, float *parts, float *dh, float *dw) {
  const size_t N = P.N;
  if (P.tg) for (size_t r = 0; r < N; r++) P.nValid += P.tg[r] >= 0;
  P.m.assign(N, -INFINITY); P.z.assign(N, 0); P.m1.assign(N, -INFINITY); P.z1.assign(N, 0);
  P.sTarget.assign(N, 0); P.dotS.assign(N, 0);
  if (N > 0 && P.V > 0) {
    std::vector<float> S(P.R * P.C);
    for (size_t r0 = 0; r0 < N; r0 += P.R) rowBlock(P, S, r0, std::min(P.R, N - r0), dh, dw);
  } else if (dh) {
    std::fill(dh, dh + N * P.D, 0.0f);
    std::fill(dw, dw + P.V * P.D, 0.0f);
  }
  reduceParts(P, parts);
}

// Shapes shared by both entries: h [N, D], w [V, D], targets [N] (ids < V), parts [2], dh/dw; false after a thrown error.
bool setShapes(Args &a, Problem &P, size_t lh, size_t lw, int64_t D, size_t lg, int64_t R, int64_t C, size_t lp, size_t ldh, size_t ldw, bool dhGiven, bool dwGiven) {
  if (a.failed) return false;
  if (D == 0 || lh % D != 0 || lw % D != 0 || R == 0 || C == 0 || lp < 2) { a.range("h [N, D], w [V, D], rowBlock, vocabChunk > 0, parts [2]"); return false; }
  const size_t N = lh / D, V = lw / D;
  if (P.tg && lg != N) { a.range("targets must be [N]"); return false; }
  if (dhGiven != dwGiven || (dhGiven && (ldh != lh || ldw != lw))) { a.range("dh [N, D] and dw [V, D] both given or both null"); return false; }
  if (P.tg) for (size_t r = 0; r < N; r++) if (P.tg[r] >= int64_t(V)) { a.range("a target id is >= V"); return false; }
  P.N = N; P.D = size_t(D); P.V = V;
  P.R = std::min<size_t>(size_t(R), std::max<size_t>(N, 1));
  P.C = std::min<size_t>(size_t(C), std::max<size_t>(V, 1));
  return true;
}

int32_t *optionalI32(Args &a, size_t i, size_t *len) {
  napi_valuetype vt = napi_null;
  if (!a.failed && a.argc > i) napi_typeof(a.env, a.argv[i], &vt);
  *len = 0;
  return vt != napi_null && vt != napi_undefined ? a.i32(i, len) : nullptr;
}

}  // namespace

// linearLoss(h [N, D], w [V, D], teacher [N, V] | null, targets Int32 [N] | null, invTau, klW, ceW, rowBlock, vocabChunk,
// parts [2], dh [N, D] | null, dw [V, D] | null): see the file comment; targets < 0 have no CE term.
napi_value LinearLoss(napi_env env, napi_callback_info info) {
  Args a(env, info, "linearLoss");
  size_t lh, lw, lt, lg = 0, lp, ldh, ldw;
  Problem P;
  float *h = a.f32(0, &lh), *w = a.f32(1, &lw), *t = a.f32(2, &lt, true);
  P.tg = optionalI32(a, 3, &lg);
  const int64_t D = a.count(4);
  const float invTau = float(a.num(5));
  const double klW = a.num(6), ceW = a.num(7);
  const int64_t R = a.count(8), C = a.count(9);
  float *parts = a.f32(10, &lp), *dh = a.f32(11, &ldh, true), *dw = a.f32(12, &ldw, true);
  if (!setShapes(a, P, lh, lw, D, lg, R, C, lp, ldh, ldw, dh != nullptr, dw != nullptr)) return nullptr;
  if ((t && lt != P.N * P.V) || (!t && !P.tg)) { a.range("teacher must be [N, V] and targets [N]; at least one given"); return nullptr; }
  P.h = h; P.w = w; P.invTau = invTau; P.klW = klW; P.ceW = ceW;
  P.teacher.t = t; P.teacher.V = P.V; P.teacher.invTau = invTau;
  if (t) P.teacher.prepare(P.N);
  solve(P, parts, dh, dw);
  return undef(env);
}

// linearLossTopK(h [N, D], w [V, D], values [N, K], ids Int32 [N, K], lse [N], targets Int32 [N] | null, klW, ceW,
// rowBlock, vocabChunk, parts [2], dh | null, dw | null): the KL against a cached top-k teacher at τ = 1 (file comment).
napi_value LinearLossTopK(napi_env env, napi_callback_info info) {
  Args a(env, info, "linearLossTopK");
  size_t lh, lw, lv, li, ll, lg = 0, lp, ldh, ldw;
  Problem P;
  float *h = a.f32(0, &lh), *w = a.f32(1, &lw), *v = a.f32(2, &lv);
  int32_t *ids = a.i32(3, &li);
  float *lse = a.f32(4, &ll);
  P.tg = optionalI32(a, 5, &lg);
  const double klW = a.num(6), ceW = a.num(7);
  const int64_t R = a.count(8), C = a.count(9);
  float *parts = a.f32(10, &lp), *dh = a.f32(11, &ldh, true), *dw = a.f32(12, &ldw, true);
  const int64_t D = a.failed || lh == 0 || ll == 0 ? 0 : int64_t(lh / ll);  // N = lse length
  if (!setShapes(a, P, lh, lw, D, lg, R, C, lp, ldh, ldw, dh != nullptr, dw != nullptr)) return nullptr;
  if (ll != P.N || lv != li || lv % std::max<size_t>(P.N, 1) != 0) { a.range("values and ids must be [N, K] and lse [N] with N the rows of h"); return nullptr; }
  P.topk.K = P.N ? lv / P.N : 0;
  for (size_t i = 0; i < li; i++) if (ids[i] < 0 || ids[i] >= int64_t(P.V)) { a.range("a top-k id is outside [0, V)"); return nullptr; }
  P.h = h; P.w = w; P.klW = klW; P.ceW = ceW;
  P.topk.v = v; P.topk.ids = ids; P.topk.lse = lse;
  P.topk.sK.assign(lv, 0); P.topk.alpha.assign(P.N, 0); P.topk.beta.assign(P.N, 0); P.topk.kl.assign(P.N, 0);
  solve(P, parts, dh, dw);
  return undef(env);
}

}  // namespace mt
