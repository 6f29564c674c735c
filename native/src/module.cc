// Registers the kernels of native/src/*.cc as the exports of minitron_native.node.
#include "common.h"
#include <cstdlib>
#include <malloc.h>

namespace mt {
namespace {

// Tensor storage churns through many same-size multi-megabyte arrays. By default glibc serves each from a fresh
// mmap (page faults and kernel zeroing on every first touch, ~10% of a training step) and returns it on free.
// Serve up to 32 MB (glibc's maximum threshold) from the heap and keep freed memory for reuse instead.
// MINITRON_MALLOC_TUNE=0 leaves glibc's defaults.
void tuneMalloc() {
  const char *off = std::getenv("MINITRON_MALLOC_TUNE");
  if (off && off[0] == '0') return;
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

napi_value Init(napi_env env, napi_value exports) {
  tuneMalloc();
  napi_property_descriptor props[] = {
      {"gemmBatch", nullptr, GemmBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"biasAct", nullptr, BiasAct, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"segmentSum", nullptr, SegmentSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copy2d", nullptr, Copy2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"klRows", nullptr, KlRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmsNorm", nullptr, RmsNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmsNormGrad", nullptr, RmsNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"siluMul", nullptr, SiluMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"siluMulGrad", nullptr, SiluMulGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rope", nullptr, Rope, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attention", nullptr, Attention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionGrad", nullptr, AttentionGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"seqAggregate", nullptr, SeqAggregate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cosineSum", nullptr, CosineSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"topKLse", nullptr, TopKLse, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"linearLoss", nullptr, LinearLoss, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"linearLossTopK", nullptr, LinearLossTopK, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace
}  // namespace mt

NAPI_MODULE(NODE_GYP_MODULE_NAME, mt::Init)
