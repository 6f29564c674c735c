// Shared helpers of the minitron native kernels: argument checking (Args), a vectorisable expf, undef().
#pragma once
#include <node_api.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

extern "C" int openblas_get_num_threads(void);

namespace mt {

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


// Vectorisable expf (Cephes polynomial, ~2 ulp on [-87, 88]); NaN propagates, -inf and very negative give 0,
// +inf and very large give +inf. Plain code so GCC vectorises the loops that use it.
inline float vexp(float x) {
  const float hi = 88.7228391f, lo = -87.3365479f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  float n = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  float y = p * r * r + r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float out = y * scale;
  out = x > hi ? INFINITY : out;
  out = x < lo ? 0.0f : out;
  return x != x ? x : out;
}

inline napi_value undef(napi_env env) { napi_value u; napi_get_undefined(env, &u); return u; }

// Runs f(begin, end) over [0, n) split into contiguous ranges on up to as many threads as OpenBLAS uses
// (OPENBLAS_NUM_THREADS), each range at least minPer long; the calling thread takes the first range.
template <typename F>
void parallelFor(size_t n, size_t minPer, F f) {
  size_t nt = size_t(std::max(1, openblas_get_num_threads()));
  nt = std::min(nt, minPer > 0 ? n / minPer : n);
  if (nt <= 1) { f(size_t(0), n); return; }
  const size_t chunk = (n + nt - 1) / nt;
  std::vector<std::thread> workers;
  for (size_t i = 1; i < nt; i++) {
    size_t a = i * chunk, b = std::min(n, a + chunk);
    if (a < b) workers.emplace_back(f, a, b);
  }
  f(size_t(0), std::min(n, chunk));
  for (auto &w : workers) w.join();
}

// Kernel entry points, one group per source file; registered in module.cc.
napi_value GemmBatch(napi_env, napi_callback_info);
napi_value BiasAct(napi_env, napi_callback_info);
napi_value Info(napi_env, napi_callback_info);
napi_value Softmax(napi_env, napi_callback_info);
napi_value Binary(napi_env, napi_callback_info);
napi_value Unary(napi_env, napi_callback_info);
napi_value Reduce(napi_env, napi_callback_info);
napi_value Transpose(napi_env, napi_callback_info);
napi_value SegmentSum(napi_env, napi_callback_info);
napi_value Copy2d(napi_env, napi_callback_info);
napi_value Gather(napi_env, napi_callback_info);
napi_value KlRows(napi_env, napi_callback_info);
napi_value AdamW(napi_env, napi_callback_info);
napi_value RmsNorm(napi_env, napi_callback_info);
napi_value RmsNormGrad(napi_env, napi_callback_info);
napi_value SiluMul(napi_env, napi_callback_info);
napi_value SiluMulGrad(napi_env, napi_callback_info);
napi_value Rope(napi_env, napi_callback_info);
napi_value Attention(napi_env, napi_callback_info);
napi_value AttentionGrad(napi_env, napi_callback_info);
napi_value SeqAggregate(napi_env, napi_callback_info);
napi_value CosineSum(napi_env, napi_callback_info);
napi_value TopKLse(napi_env, napi_callback_info);
napi_value LinearLoss(napi_env, napi_callback_info);
napi_value LinearLossTopK(napi_env, napi_callback_info);

}  // namespace mt
