// Training kernels: row-wise KL divergence of logits with its gradient, and the AdamW update.
#include "common.h"

namespace mt {

// klRows(t, s, cols, invTau, loss, grad): for rows of teacher/student logits [rows, cols], with p = softmax(t*invTau)
// and q = softmax(s*invTau): loss[r] = sum p (log p - log q); grad (may be null) = q - p.
napi_value KlRows(napi_env env, napi_callback_info info) {
  Args a(env, info, "klRows");
  size_t lt, ls, ll, lg;
  float *t = a.f32(0, &lt), *s = a.f32(1, &ls);
  int64_t n = a.count(2);
  float invTau = float(a.num(3));
  float *loss = a.f32(4, &ll), *grad = a.f32(5, &lg, true);
  if (a.failed) return nullptr;
  if (n == 0 || lt != ls || lt % size_t(n) != 0 || ll != lt / size_t(n) || (grad && lg != lt)) {
    a.range("t and s must be [rows, cols], loss [rows], grad [rows, cols] or null");
    return nullptr;
  }
  size_t rows = lt / n;
  parallelFor(rows, 16, [&](size_t r0, size_t r1) {
  std::vector<float> ep(n), eq(n);
  for (size_t r = r0; r < r1; r++) {
    const float *__restrict tr = t + r * n;
    const float *__restrict sr = s + r * n;
    float mt = -INFINITY, ms = -INFINITY;
    for (int64_t j = 0; j < n; j++) { mt = std::max(mt, tr[j] * invTau); ms = std::max(ms, sr[j] * invTau); }
    float *__restrict pe = ep.data();
    float *__restrict qe = eq.data();
    for (int64_t j = 0; j < n; j++) { pe[j] = vexp(tr[j] * invTau - mt); qe[j] = vexp(sr[j] * invTau - ms); }
    double zt = 0, zs = 0;
    for (int64_t j = 0; j < n; j++) { zt += pe[j]; zs += qe[j]; }
    // log p - log q = (t - mt - log zt) - (s - ms - log zs)
    const float c = float((ms + std::log(zs)) - (mt + std::log(zt)));
    const float izt = float(1.0 / zt), izs = float(1.0 / zs);
    double acc = 0;
    for (int64_t j = 0; j < n; j++) {
      float p = pe[j] * izt;
      if (p > 0) acc += double(p) * double((tr[j] - sr[j]) * invTau + c);
    }
    loss[r] = float(acc);
    if (grad) {
      float *__restrict gr = grad + r * n;
      for (int64_t j = 0; j < n; j++) gr[j] = qe[j] * izs - pe[j] * izt;
    }
  }
  });
  return undef(env);
}

// adamw(p, g, m, v, pOut, mOut, vOut, lr, beta1, beta2, eps, weightDecay, step): one torch.optim.AdamW update:
// m' = b1 m + (1-b1) g; v' = b2 v + (1-b2) g²; p' = p (1 - lr wd) - (lr / bc1) m' / (sqrt(v') / sqrt(bc2) + eps).
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args a(env, info, "adamw");
  size_t l[7];
  float *p = a.f32(0, &l[0]), *g = a.f32(1, &l[1]), *m = a.f32(2, &l[2]), *v = a.f32(3, &l[3]);
  float *po = a.f32(4, &l[4]), *mo = a.f32(5, &l[5]), *vo = a.f32(6, &l[6]);
  double lr = a.num(7), b1 = a.num(8), b2 = a.num(9), eps = a.num(10), wd = a.num(11), step = a.num(12);
  if (a.failed) return nullptr;
  for (int i = 1; i < 7; i++) if (l[i] != l[0]) { a.range("p, g, m, v and the outputs must have equal lengths"); return nullptr; }
  if (!(step >= 1)) { a.range("step must be >= 1"); return nullptr; }
  const float fb1 = float(b1), fb2 = float(b2), c1 = float(1 - b1), c2 = float(1 - b2);
  const float decay = float(1 - lr * wd), stepSize = float(lr / (1 - std::pow(b1, step)));
  const float invSqrtBc2 = float(1 / std::sqrt(1 - std::pow(b2, step))), feps = float(eps);
  float *__restrict P = po, *__restrict M = mo, *__restrict V = vo;
  parallelFor(l[0], 1 << 16, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) {
      float gi = g[i];
      float mi = fb1 * m[i] + c1 * gi;
      float vi = fb2 * v[i] + c2 * gi * gi;
      M[i] = mi;
      V[i] = vi;
      P[i] = p[i] * decay - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + feps);
    }
  });
  return undef(env);
}

}  // namespace mt
