// Element-wise kernels: broadcasting binary ops, unary math, reductions, row softmax.
#include "common.h"

namespace mt {

// softmax(x, out, cols): row-wise softmax over the last axis of x viewed as [rows, cols].
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info, "softmax");
  size_t lx, lo;
  float *x = a.f32(0, &lx), *o = a.f32(1, &lo);
  int64_t n = a.count(2);
  if (a.failed) return nullptr;
  if (n == 0 || lx % size_t(n) != 0 || lo != lx) { a.range("x and out must have equal length, a multiple of cols"); return nullptr; }
  size_t rows = lx / n;
  for (size_t r = 0; r < rows; r++) {
    const float *__restrict xr = x + r * n;
    float *__restrict orow = o + r * n;
    float mx = -INFINITY;
    for (int64_t j = 0; j < n; j++) mx = std::max(mx, xr[j]);
    if (mx == -INFINITY) mx = 0;
    float s = 0;
    for (int64_t j = 0; j < n; j++) orow[j] = vexp(xr[j] - mx);
    for (int64_t j = 0; j < n; j++) s += orow[j];
    float inv = 1.0f / s;
    for (int64_t j = 0; j < n; j++) orow[j] *= inv;
  }
  return undef(env);
}

// binary(op, a, b, out, outShape, aStrides, bStrides): out = a (op) b with broadcasting; strides are per out
// dimension (0 where broadcast). ops: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 squared difference, 7 pow.
template <int OP>
inline float bop(float x, float y) {
  if (OP == 0) return x + y;
  if (OP == 1) return x - y;
  if (OP == 2) return x * y;
  if (OP == 3) return x / y;
  if (OP == 4) return (x != x || y != y) ? NAN : std::max(x, y);
  if (OP == 5) return (x != x || y != y) ? NAN : std::min(x, y);
  if (OP == 6) { float d = x - y; return d * d; }
  return std::pow(x, y);
}

template <int OP>
void binaryLoop(const float *a, const float *b, float *o, int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb) {
  size_t inner = shape[rank - 1];
  size_t ia = sa[rank - 1], ib = sb[rank - 1];
  size_t total = 1;
  for (int d = 0; d < rank; d++) total *= size_t(shape[d]);
  if (total == 0) return;
  size_t idx[8] = {0};
  size_t pa = 0, pb = 0;
  for (size_t p = 0; p < total; p += inner) {
    const float *x = a + pa, *y = b + pb;
    float *z = o + p;
    if (ia == 1 && ib == 1) for (size_t j = 0; j < inner; j++) z[j] = bop<OP>(x[j], y[j]);
    else if (ia == 1 && ib == 0) { float yv = y[0]; for (size_t j = 0; j < inner; j++) z[j] = bop<OP>(x[j], yv); }
    else if (ia == 0 && ib == 1) { float xv = x[0]; for (size_t j = 0; j < inner; j++) z[j] = bop<OP>(xv, y[j]); }
    else for (size_t j = 0; j < inner; j++) z[j] = bop<OP>(x[j * ia], y[j * ib]);
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      pa += sa[d];
      pb += sb[d];
      if (idx[d] < size_t(shape[d])) break;
      pa -= size_t(sa[d]) * shape[d];
      pb -= size_t(sb[d]) * shape[d];
      idx[d] = 0;
    }
  }
}

napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, "binary");
  int64_t op = a.count(0);
  size_t la, lb, lo, ls, lsa, lsb;
  float *A = a.f32(1, &la), *B = a.f32(2, &lb), *O = a.f32(3, &lo);
  int32_t *shape = a.i32(4, &ls), *sa = a.i32(5, &lsa), *sb = a.i32(6, &lsb);
  if (a.failed) return nullptr;
  if (ls == 0 || ls > 8 || lsa != ls || lsb != ls) { a.range("outShape/aStrides/bStrides must have equal rank 1..8"); return nullptr; }
  size_t total = 1, ea = 0, eb = 0;
  for (size_t d = 0; d < ls; d++) {
    total *= size_t(shape[d]);
    if (shape[d] > 0) { ea += size_t(sa[d]) * (shape[d] - 1); eb += size_t(sb[d]) * (shape[d] - 1); }
  }
  if (lo != total) { a.range("out length does not match outShape"); return nullptr; }
  if (total > 0 && (ea >= la || eb >= lb)) { a.range("strides reach past the end of a or b"); return nullptr; }
  int r = int(ls);
  switch (op) {
    case 0: binaryLoop<0>(A, B, O, r, shape, sa, sb); break;
    case 1: binaryLoop<1>(A, B, O, r, shape, sa, sb); break;
    case 2: binaryLoop<2>(A, B, O, r, shape, sa, sb); break;
    case 3: binaryLoop<3>(A, B, O, r, shape, sa, sb); break;
    case 4: binaryLoop<4>(A, B, O, r, shape, sa, sb); break;
    case 5: binaryLoop<5>(A, B, O, r, shape, sa, sb); break;
    case 6: binaryLoop<6>(A, B, O, r, shape, sa, sb); break;
    case 7: binaryLoop<7>(A, B, O, r, shape, sa, sb); break;
    default: a.range("unknown binary op code"); return nullptr;
  }
  return undef(env);
}

// unary(op, x, out): 0 exp, 1 log, 2 sigmoid, 3 sqrt, 4 rsqrt, 5 square, 6 neg, 7 abs, 8 relu, 9 tanh,
// 10 erf, 11 reciprocal, 12 log1p, 13 softplus.
template <int OP>
void unaryLoop(const float *__restrict x, float *__restrict o, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    if (OP == 0) o[i] = vexp(v);
    else if (OP == 1) o[i] = std::log(v);
    else if (OP == 2) o[i] = 1.0f / (1.0f + vexp(-v));
    else if (OP == 3) o[i] = std::sqrt(v);
    else if (OP == 4) o[i] = 1.0f / std::sqrt(v);
    else if (OP == 5) o[i] = v * v;
    else if (OP == 6) o[i] = -v;
    else if (OP == 7) o[i] = std::fabs(v);
    else if (OP == 8) o[i] = v > 0 ? v : (v != v ? v : 0.0f);
    else if (OP == 9) o[i] = std::tanh(v);
    else if (OP == 10) o[i] = std::erf(v);
    else if (OP == 11) o[i] = 1.0f / v;
    else if (OP == 12) o[i] = std::log1p(v);
    else o[i] = v > 20 ? v : (v < -20 ? std::exp(v) : std::log1p(std::exp(v)));
  }
}

napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, "unary");
  int64_t op = a.count(0);
  size_t lx, lo;
  float *x = a.f32(1, &lx), *o = a.f32(2, &lo);
  if (a.failed) return nullptr;
  if (lx != lo) { a.range("x and out lengths differ"); return nullptr; }
  switch (op) {
    case 0: unaryLoop<0>(x, o, lx); break;
    case 1: unaryLoop<1>(x, o, lx); break;
    case 2: unaryLoop<2>(x, o, lx); break;
    case 3: unaryLoop<3>(x, o, lx); break;
    case 4: unaryLoop<4>(x, o, lx); break;
    case 5: unaryLoop<5>(x, o, lx); break;
    case 6: unaryLoop<6>(x, o, lx); break;
    case 7: unaryLoop<7>(x, o, lx); break;
    case 8: unaryLoop<8>(x, o, lx); break;
    case 9: unaryLoop<9>(x, o, lx); break;
    case 10: unaryLoop<10>(x, o, lx); break;
    case 11: unaryLoop<11>(x, o, lx); break;
    case 12: unaryLoop<12>(x, o, lx); break;
    case 13: unaryLoop<13>(x, o, lx); break;
    default: a.range("unknown unary op code"); return nullptr;
  }
  return undef(env);
}

// reduce(op, x, out, outer, red, inner): x viewed as [outer, red, inner] reduced over the middle axis into
// out [outer, inner]. ops: 0 sum, 1 mean, 2 max, 3 min. Accumulates in double for sum/mean.
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info, "reduce");
  int64_t op = a.count(0);
  size_t lx, lo;
  float *x = a.f32(1, &lx), *o = a.f32(2, &lo);
  int64_t outer = a.count(3), red = a.count(4), inner = a.count(5);
  if (a.failed) return nullptr;
  if (op < 0 || op > 3) { a.range("unknown reduce op code"); return nullptr; }
  if (lx != size_t(outer * red * inner) || lo != size_t(outer * inner)) { a.range("x/out lengths do not match outer*red*inner"); return nullptr; }
  if (inner == 1) {
    for (int64_t r = 0; r < outer; r++) {
      const float *xr = x + r * red;
      if (op <= 1) {
        double s = 0;
        for (int64_t j = 0; j < red; j++) s += xr[j];
        o[r] = float(op == 1 ? s / double(red) : s);
      } else {
        float m = op == 2 ? -INFINITY : INFINITY;
        bool nan = false;
        for (int64_t j = 0; j < red; j++) { float v = xr[j]; nan |= v != v; m = op == 2 ? std::max(m, v) : std::min(m, v); }
        o[r] = nan ? NAN : m;
      }
    }
    return undef(env);
  }
  std::vector<double> acc(inner);
  for (int64_t r = 0; r < outer; r++) {
    const float *xr = x + r * red * inner;
    float *orow = o + r * inner;
    if (op <= 1) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t j = 0; j < red; j++) { const float *row = xr + j * inner; for (int64_t i = 0; i < inner; i++) acc[i] += row[i]; }
      for (int64_t i = 0; i < inner; i++) orow[i] = float(op == 1 ? acc[i] / double(red) : acc[i]);
    } else {
      for (int64_t i = 0; i < inner; i++) orow[i] = red > 0 ? xr[i] : (op == 2 ? -INFINITY : INFINITY);
      for (int64_t j = 1; j < red; j++) {
        const float *row = xr + j * inner;
        for (int64_t i = 0; i < inner; i++) {
          float v = row[i], c = orow[i];
          orow[i] = (v != v || c != c) ? NAN : (op == 2 ? std::max(c, v) : std::min(c, v));
        }
      }
    }
  }
  return undef(env);
}

}  // namespace mt
