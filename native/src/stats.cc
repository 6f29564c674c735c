// Importance statistics straight from tapped activations (no intermediate tensors): per-unit aggregates over the
// sequence of |x| (or of per-head L2 norms), and the summed cosine similarity of two row sets (block importance).
#include "common.h"

namespace mt {

// seqAggregate(x, out, B, T, U, G, mode): x [B, T, U, G]; per (b, t, u) the magnitude m = |x| (G = 1) or the L2
// norm over the G values; out [B, U] = over t: 0 mean(m), 1 sqrt(sum m²), 2 population variance of m.
napi_value SeqAggregate(napi_env env, napi_callback_info info) {
  Args a(env, info, "seqAggregate");
  size_t lx, lo;
  float *x = a.f32(0, &lx), *o = a.f32(1, &lo);
  int64_t B = a.count(2), T = a.count(3), U = a.count(4), G = a.count(5), mode = a.count(6);
  if (a.failed) return nullptr;
  if (lx != size_t(B * T * U * G) || lo != size_t(B * U) || G == 0 || mode > 2) {
    a.range("x must be [B, T, U, G] (G >= 1), out [B, U], mode 0 mean, 1 l2, 2 var");
    return nullptr;
  }
  parallelFor(size_t(B), 1, [&](size_t b0, size_t b1) {
    std::vector<double> s1(U), s2(U);
    for (size_t b = b0; b < b1; b++) {
      std::fill(s1.begin(), s1.end(), 0.0);
      std::fill(s2.begin(), s2.end(), 0.0);
      for (int64_t t = 0; t < T; t++) {
        const float *row = x + (size_t(b) * T + t) * U * G;
        for (int64_t u = 0; u < U; u++) {
          double m;
          if (G == 1) m = std::fabs(row[u]);
          else {
            float q = 0;
            for (int64_t g = 0; g < G; g++) q += row[u * G + g] * row[u * G + g];
            m = std::sqrt(double(q));
          }
          s1[u] += m;
          s2[u] += m * m;
        }
      }
      float *orow = o + b * U;
      for (int64_t u = 0; u < U; u++) {
        if (mode == 0) orow[u] = float(s1[u] / double(T));
        else if (mode == 1) orow[u] = float(std::sqrt(s2[u]));
        else { double mu = s1[u] / double(T); orow[u] = float(std::max(0.0, s2[u] / double(T) - mu * mu)); }
      }
    }
  });
  return undef(env);
}

// cosineSum(a, b, D): sum over rows of cos(a_row, b_row) for a, b [rows, D] (denominator floored at 1e-12).
napi_value CosineSum(napi_env env, napi_callback_info info) {
  Args a(env, info, "cosineSum");
  size_t la, lb;
  float *x = a.f32(0, &la), *y = a.f32(1, &lb);
  int64_t D = a.count(2);
  if (a.failed) return nullptr;
  if (la != lb || D == 0 || la % size_t(D) != 0) { a.range("a and b must both be [rows, D]"); return nullptr; }
  size_t rows = la / D;
  std::vector<double> cosRow(rows);
  parallelFor(rows, 64, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; r++) {
      const float *p = x + r * D, *q = y + r * D;
      float dot = 0, na = 0, nb = 0;  // per row in float (D terms), the row sum in double
      for (int64_t j = 0; j < D; j++) { dot += p[j] * q[j]; na += p[j] * p[j]; nb += q[j] * q[j]; }
      cosRow[r] = double(dot) / std::max(std::sqrt(double(na)) * std::sqrt(double(nb)), 1e-12);
    }
  });
  double total = 0;
  for (double c : cosRow) total += c;
  napi_value out;
  napi_create_double(env, total, &out);
  return out;
}

}  // namespace mt
