// Data movement: transpose, strided block copies (slice/split/concat), segment sum (gather gradient).
#include "common.h"

namespace mt {

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

// copy2d(src, srcOff, srcStride, dst, dstOff, dstStride, blockLen, count): count blocks of blockLen 4-byte
// elements, block i from src[srcOff + i*srcStride] to dst[dstOff + i*dstStride] (slice / split / concat).
napi_value Copy2d(napi_env env, napi_callback_info info) {
  Args a(env, info, "copy2d");
  size_t ls, ld;
  float *src = a.f32(0, &ls);
  int64_t so = a.count(1), ss = a.count(2);
  float *dst = a.f32(3, &ld);
  int64_t dof = a.count(4), ds = a.count(5), bl = a.count(6), cnt = a.count(7);
  if (a.failed) return nullptr;
  if (cnt == 0 || bl == 0) return undef(env);
  if (size_t(so + (cnt - 1) * ss + bl) > ls || size_t(dof + (cnt - 1) * ds + bl) > ld) { a.range("block range outside src or dst"); return nullptr; }
  for (int64_t i = 0; i < cnt; i++) std::memcpy(dst + dof + i * ds, src + so + i * ss, size_t(bl) * sizeof(float));
  return undef(env);
}

// gather(x, idx, out, outer, axisLen, inner): out[o, i, :] = x[o, idx[i], :] for x viewed as [outer, axisLen, inner]
// and out as [outer, idx.length, inner] (4-byte elements). Returns false, copying nothing, when an index is
// outside [0, axisLen) so the caller can raise its own error.
napi_value Gather(napi_env env, napi_callback_info info) {
  Args a(env, info, "gather");
  size_t lx, li, lo;
  float *x = a.f32(0, &lx);
  int32_t *idx = a.i32(1, &li);
  float *o = a.f32(2, &lo);
  int64_t outer = a.count(3), axisLen = a.count(4), inner = a.count(5);
  if (a.failed) return nullptr;
  if (lx != size_t(outer * axisLen * inner) || lo != size_t(outer) * li * size_t(inner)) {
    a.range("x must be [outer, axisLen, inner] and out [outer, idx.length, inner]");
    return nullptr;
  }
  napi_value ok;
  for (size_t i = 0; i < li; i++) {
    if (idx[i] < 0 || idx[i] >= axisLen) { napi_get_boolean(env, false, &ok); return ok; }
  }
  for (int64_t r = 0; r < outer; r++) {
    const float *xr = x + size_t(r) * axisLen * inner;
    float *orow = o + size_t(r) * li * inner;
    for (size_t i = 0; i < li; i++) std::memcpy(orow + i * inner, xr + size_t(idx[i]) * inner, size_t(inner) * sizeof(float));
  }
  napi_get_boolean(env, true, &ok);
  return ok;
}

}  // namespace mt
