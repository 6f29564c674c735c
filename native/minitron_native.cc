// minitron native kernels: N-API functions that work in place on Float32Array storage owned by
// tfjs' cpu backend. Matrix products call OpenBLAS (cblas_sgemm); the rest are plain loops.
// Every function checks its arguments and throws a JS TypeError/RangeError naming the argument.
#include <node_api.h>
#include <cblas.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#include <algorithm>

extern "C" {
int openblas_get_num_threads(void);
char *openblas_get_config(void);
}

namespace {

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool failed = false;
  const char *fn;
  Args(napi_env e, napi_callback_info info, const char *name) : env(e), fn(name) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  }
  void fail(const char *what, size_t i) {
    if (failed) return;
    failed = true;
    char msg[256];
    snprintf(msg, sizeof msg, "minitron_native.%s: argument %zu: expected %s", fn, i, what);
    napi_throw_type_error(env, nullptr, msg);
  }
  template <typename T>
  T *array(size_t i, napi_typedarray_type want, size_t *len, bool nullable = false) {
    if (failed) return nullptr;
    if (i >= argc) { fail("a typed array", i); return nullptr; }
    napi_valuetype vt;
    napi_typeof(env, argv[i], &vt);
    if (nullable && (vt == napi_null || vt == napi_undefined)) { *len = 0; return nullptr; }
    bool is = false;
    napi_is_typedarray(env, argv[i], &is);
    if (!is) { fail(want == napi_float32_array ? "a Float32Array" : "an Int32Array", i); return nullptr; }
    napi_typedarray_type t;
    void *data;
    napi_value ab;
    size_t off;
    napi_get_typedarray_info(env, argv[i], &t, len, &data, &ab, &off);
    if (t != want) { fail(want == napi_float32_array ? "a Float32Array" : "an Int32Array", i); return nullptr; }
    return static_cast<T *>(data);
  }
  float *f32(size_t i, size_t *len, bool nullable = false) { return array<float>(i, napi_float32_array, len, nullable); }
  int32_t *i32(size_t i, size_t *len) { return array<int32_t>(i, napi_int32_array, len); }
  double num(size_t i) {
    double v = 0;
    if (failed) return 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("a number", i);
    return v;
  }
  int64_t count(size_t i) {
    double v = num(i);
    if (!failed && (v < 0 || v != std::floor(v))) fail("a non-negative integer", i);
    return static_cast<int64_t>(v);
  }
  bool flag(size_t i) {
    bool v = false;
    if (failed) return false;
    if (i >= argc || napi_get_value_bool(env, argv[i], &v) != napi_ok) fail("a boolean", i);
    return v;
  }
  void range(const char *what) {
    if (failed) return;
    failed = true;
    char msg[256];
    snprintf(msg, sizeof msg, "minitron_native.%s: %s", fn, what);
    napi_throw_range_error(env, nullptr, msg);
  }
};

napi_value undef(napi_env env) { napi_value u; napi_get_undefined(env, &u); return u; }

// gemmBatch(a, b, c, aIdx, bIdx, m, n, k, transA, transB): for each i, C[i] = op(A[aIdx[i]]) · op(B[bIdx[i]]),
// A[j] is [m,k] ([k,m] when transA), B[j] is [k,n] ([n,k] when transB), C[i] is [m,n]; all row-major.
napi_value GemmBatch(napi_env env, napi_callback_info info) {
  Args a(env, info, "gemmBatch");
  size_t la, lb, lc, lai, lbi;
  float *A = a.f32(0, &la), *B = a.f32(1, &lb), *C = a.f32(2, &lc);
  int32_t *ai = a.i32(3, &lai), *bi = a.i32(4, &lbi);
  int64_t m = a.count(5), n = a.count(6), k = a.count(7);
  bool ta = a.flag(8), tb = a.flag(9);
  if (a.failed) return nullptr;
  size_t batch = lai;
  if (lbi != batch) { a.range("aIdx and bIdx lengths differ"); return nullptr; }
  size_t sa = size_t(m) * k, sb = size_t(k) * n, sc = size_t(m) * n;
  if (lc < batch * sc) { a.range("c is smaller than batch*m*n"); return nullptr; }
  for (size_t i = 0; i < batch; i++) {
    if (ai[i] < 0 || size_t(ai[i] + 1) * sa > la) { a.range("aIdx entry out of range of a"); return nullptr; }
    if (bi[i] < 0 || size_t(bi[i] + 1) * sb > lb) { a.range("bIdx entry out of range of b"); return nullptr; }
  }
  if (sc == 0) return undef(env);
  if (k == 0) { std::memset(C, 0, batch * sc * sizeof(float)); return undef(env); }
  const int lda = ta ? m : k, ldb = tb ? k : n;
  // Fold consecutive A blocks sharing one B into a single taller product when A is not transposed.
  size_t i = 0;
  while (i < batch) {
    size_t j = i + 1;
    if (!ta) while (j < batch && bi[j] == bi[i] && ai[j] == ai[j - 1] + 1) j++;
    int64_t rows = int64_t(j - i) * m;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(rows), int(n), int(k),
                1.0f, A + size_t(ai[i]) * sa, lda, B + size_t(bi[i]) * sb, ldb, 0.0f, C + i * sc, int(n));
    i = j;
  }
  return undef(env);
}

// biasAct(c, bias|null, n, act, alpha): in place on c viewed as [rows, n]: c += bias (length n or 1),
// then an activation: 0 linear, 1 relu, 2 relu6, 3 elu, 4 leakyrelu(alpha), 5 sigmoid.
napi_value BiasAct(napi_env env, napi_callback_info info) {
  Args a(env, info, "biasAct");
  size_t lc, lbias;
  float *C = a.f32(0, &lc), *bias = a.f32(1, &lbias, true);
  int64_t n = a.count(2), act = a.count(3);
  float alpha = float(a.num(4));
  if (a.failed) return nullptr;
  if (n == 0 || lc % size_t(n) != 0) { a.range("c length is not a multiple of n"); return nullptr; }
  if (bias && lbias != size_t(n) && lbias != 1) { a.range("bias length must be n or 1"); return nullptr; }
  size_t rows = lc / n;
  for (size_t r = 0; r < rows; r++) {
    float *row = C + r * n;
    if (bias) {
      if (lbias == 1) for (int64_t j = 0; j < n; j++) row[j] += bias[0];
      else for (int64_t j = 0; j < n; j++) row[j] += bias[j];
    }
    switch (act) {
      case 0: break;
      case 1: for (int64_t j = 0; j < n; j++) row[j] = row[j] > 0 ? row[j] : 0; break;
      case 2: for (int64_t j = 0; j < n; j++) row[j] = std::min(std::max(row[j], 0.0f), 6.0f); break;
      case 3: for (int64_t j = 0; j < n; j++) row[j] = row[j] >= 0 ? row[j] : std::expm1(row[j]); break;
      case 4: for (int64_t j = 0; j < n; j++) row[j] = row[j] >= 0 ? row[j] : alpha * row[j]; break;
      case 5: for (int64_t j = 0; j < n; j++) row[j] = 1.0f / (1.0f + std::exp(-row[j])); break;
      default: a.range("unknown activation code"); return nullptr;
    }
  }
  return undef(env);
}

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
    const float *xr = x + r * n;
    float *orow = o + r * n;
    float mx = -INFINITY;
    for (int64_t j = 0; j < n; j++) mx = std::max(mx, xr[j]);
    if (mx == -INFINITY) mx = 0;
    float s = 0;
    for (int64_t j = 0; j < n; j++) { float e = std::exp(xr[j] - mx); orow[j] = e; s += e; }
    float inv = 1.0f / s;
    for (int64_t j = 0; j < n; j++) orow[j] *= inv;
  }
  return undef(env);
}

// transpose(x, out, shape: Int32Array, perm: Int32Array): out = x permuted (any rank ≤ 8, 4-byte elements).
napi_value Transpose(napi_env env, napi_callback_info info) {
  Args a(env, info, "transpose");
  size_t lx, lo, ls, lp;
  float *x = a.f32(0, &lx), *o = a.f32(1, &lo);
  int32_t *shape = a.i32(2, &ls), *perm = a.i32(3, &lp);
  if (a.failed) return nullptr;
  if (ls != lp || ls == 0 || ls > 8) { a.range("shape and perm must have equal rank 1..8"); return nullptr; }
  int rank = int(ls);
  size_t total = 1;
  for (int d = 0; d < rank; d++) total *= size_t(shape[d]);
  if (lx != total || lo != total) { a.range("x/out length does not match shape"); return nullptr; }
  if (total == 0) return undef(env);
  size_t inStride[8];
  inStride[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; d--) inStride[d] = inStride[d + 1] * shape[d + 1];
  size_t oshape[8], ostr[8];  // out dim d iterates input dim perm[d]
  for (int d = 0; d < rank; d++) {
    if (perm[d] < 0 || perm[d] >= rank) { a.range("perm entry out of range"); return nullptr; }
    oshape[d] = shape[perm[d]];
    ostr[d] = inStride[perm[d]];
  }
  // Innermost output dim as a tight loop; odometer over the rest.
  size_t inner = oshape[rank - 1], istep = ostr[rank - 1];
  size_t idx[8] = {0};
  size_t src = 0;
  for (size_t p = 0; p < total; p += inner) {
    const float *s = x + src;
    float *dptr = o + p;
    if (istep == 1) std::memcpy(dptr, s, inner * sizeof(float));
    else for (size_t j = 0; j < inner; j++) dptr[j] = s[j * istep];
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      src += ostr[d];
      if (idx[d] < oshape[d]) break;
      src -= ostr[d] * oshape[d];
      idx[d] = 0;
    }
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
void unaryLoop(const float *x, float *o, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    if (OP == 0) o[i] = std::exp(v);
    else if (OP == 1) o[i] = std::log(v);
    else if (OP == 2) o[i] = 1.0f / (1.0f + std::exp(-v));
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

// segmentSum(x, ids, out, inner): out[ids[i], :] += x[i, :] for x as [n, inner]; ids outside [0, numSegments) skipped.
napi_value SegmentSum(napi_env env, napi_callback_info info) {
  Args a(env, info, "segmentSum");
  size_t lx, li, lo;
  float *x = a.f32(0, &lx);
  int32_t *ids = a.i32(1, &li);
  float *o = a.f32(2, &lo);
  int64_t inner = a.count(3);
  if (a.failed) return nullptr;
  if (lx != li * size_t(inner) || (inner > 0 && lo % size_t(inner) != 0)) { a.range("x must be [ids.length, inner] and out [numSegments, inner]"); return nullptr; }
  size_t segs = inner > 0 ? lo / inner : 0;
  std::memset(o, 0, lo * sizeof(float));
  for (size_t i = 0; i < li; i++) {
    if (ids[i] < 0 || size_t(ids[i]) >= segs) continue;
    float *orow = o + size_t(ids[i]) * inner;
    const float *xr = x + i * inner;
    for (int64_t j = 0; j < inner; j++) orow[j] += xr[j];
  }
  return undef(env);
}

// info(): { threads, config } of the linked OpenBLAS.
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, th, cfg;
  napi_create_object(env, &obj);
  napi_create_int32(env, openblas_get_num_threads(), &th);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &cfg);
  napi_set_named_property(env, obj, "threads", th);
  napi_set_named_property(env, obj, "config", cfg);
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemmBatch", nullptr, GemmBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"biasAct", nullptr, BiasAct, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"segmentSum", nullptr, SegmentSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
