// Matrix products through OpenBLAS (cblas_sgemm), fused bias + activation, and OpenBLAS build info.
#include "common.h"
#include <cblas.h>

extern "C" char *openblas_get_config(void);  // openblas_get_num_threads: common.h

namespace mt {

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
      case 5: for (int64_t j = 0; j < n; j++) row[j] = 1.0f / (1.0f + vexp(-row[j])); break;
      default: a.range("unknown activation code"); return nullptr;
    }
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

}  // namespace mt
