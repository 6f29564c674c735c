// Importance statistics straight from tapped activations (no intermediate tensors): per-unit aggregates over the
// sequence of |x| (or of per-head L2 norms), and the summed cosine similarity of two row sets (block importance).
// Also the teacher cache's per-row statistics: the k largest logits with their ids and the log-sum-exp of the row.
#include "common.h"
#include <queue>

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

// topKLse(x [rows, V], V, k, values [rows, k], ids Int32 [rows, k], lse [rows]): per row the k largest values in
// descending order (equal values: the lower id first, as tf.topk) and log Σ exp(x). A size-k min-heap per row, O(V log k).
napi_value TopKLse(napi_env env, napi_callback_info info) {
  Args a(env, info, "topKLse");
  size_t lx, lv, li, ll;
  float *x = a.f32(0, &lx);
  const int64_t V = a.count(1), K = a.count(2);
  float *vals = a.f32(3, &lv);
  int32_t *ids = a.i32(4, &li);
  float *lse = a.f32(5, &ll);
  if (a.failed) return nullptr;
  if (V == 0 || K == 0 || K > V || lx % size_t(V) != 0) { a.range("x must be [rows, V] with 1 <= k <= V"); return nullptr; }
  const size_t rows = lx / size_t(V);
  if (lv != rows * K || li != rows * K || ll != rows) { a.range("values and ids must be [rows, k], lse [rows]"); return nullptr; }
  // "a ranks below b": smaller value, or the same value and a larger id (so the heap keeps the lower ids on ties)
  auto below = [](const std::pair<float, int32_t> &p, const std::pair<float, int32_t> &q) {
    return p.first < q.first || (p.first == q.first && p.second > q.second);
  };
  parallelFor(rows, 16, [&](size_t r0, size_t r1) {
    std::vector<std::pair<float, int32_t>> heap;
    heap.reserve(size_t(K));
    for (size_t r = r0; r < r1; r++) {
      const float *row = x + r * size_t(V);
      heap.clear();
      float m = -INFINITY;
      for (int64_t j = 0; j < V; j++) {
        const std::pair<float, int32_t> e{row[j], int32_t(j)};
        m = std::max(m, row[j]);
        if (int64_t(heap.size()) < K) {
          heap.push_back(e);
          std::push_heap(heap.begin(), heap.end(), [&](auto &p, auto &q) { return below(q, p); });
        } else if (below(heap.front(), e)) {
          std::pop_heap(heap.begin(), heap.end(), [&](auto &p, auto &q) { return below(q, p); });
          heap.back() = e;
          std::push_heap(heap.begin(), heap.end(), [&](auto &p, auto &q) { return below(q, p); });
        }
      }
      std::sort(heap.begin(), heap.end(), [&](auto &p, auto &q) { return below(q, p); });
      for (int64_t k = 0; k < K; k++) { vals[r * K + k] = heap[k].first; ids[r * K + k] = heap[k].second; }
      double z = 0;
      for (int64_t j = 0; j < V; j++) z += std::exp(double(row[j]) - double(m));
      lse[r] = float(double(m) + std::log(z));
    }
  });
  return undef(env);
}

}  // namespace mt
