#pragma once
// Internal: vector helpers shared by the tensor-product kernels (tensor_product_kernels.cpp,
// tensor_product_lane_kernels.cpp). GCC/Clang vector extensions; -march decides the ISA.
#include <cstdint>
#include <cstring>
#include <vector>

#include "equivariant/tensor_product_kernels.hpp"

namespace hamlet::equivariant::detail {

// Edges per parallel task: enough work to amortise scheduling, small enough to balance.
constexpr int64_t kEdgeGrain = 16;

// 32-byte vectors through GCC/Clang vector extensions: small fixed-size arrays are not
// reliably vectorised once the compiler unrolls them, these are.
template <typename T>
struct Vec32 {
  typedef T type __attribute__((vector_size(32)));
};
template <typename T>
using vec_t = typename Vec32<T>::type;
template <typename T>
constexpr int kLanes = int(sizeof(vec_t<T>) / sizeof(T));

template <typename T>
inline vec_t<T> load(const T* p) {
  vec_t<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename T>
inline void store(T* p, const vec_t<T>& v) {
  std::memcpy(p, &v, sizeof(v));
}

template <typename T>
inline void axpy(T* __restrict y, T a, const T* __restrict x, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

// [u][i] <-> [i][u] inside every entry.
template <typename scalar_t>
void to_channel_minor(const std::vector<TpPlan::Entry>& entries, const scalar_t* x, scalar_t* xt) {
  for (const auto& en : entries)
    for (int u = 0; u < en.mul; ++u)
      for (int i = 0; i < en.d; ++i) xt[en.start + i * en.mul + u] = x[en.start + u * en.d + i];
}
template <typename scalar_t>
void from_channel_minor(const std::vector<TpPlan::Entry>& entries, const scalar_t* xt, scalar_t* x) {
  for (const auto& en : entries)
    for (int u = 0; u < en.mul; ++u)
      for (int i = 0; i < en.d; ++i) x[en.start + u * en.d + i] = xt[en.start + i * en.mul + u];
}

// Rows [e0, e0 + n) of a [rows, cols] array as cols vectors of kLanes lanes (zero past n),
// and back: the edge-parallel kernels keep one row per vector lane.
template <typename scalar_t>
void gather_lanes(const scalar_t* a, int64_t cols, int64_t e0, int n, vec_t<scalar_t>* lanes) {
  for (int64_t c = 0; c < cols; ++c) lanes[c] = vec_t<scalar_t>{};
  for (int l = 0; l < n; ++l) {
    const scalar_t* row = a + (e0 + l) * cols;
    for (int64_t c = 0; c < cols; ++c) lanes[c][l] = row[c];
  }
}
template <typename scalar_t>
void scatter_lanes(const vec_t<scalar_t>* lanes, int64_t cols, int64_t e0, int n, scalar_t* a) {
  for (int l = 0; l < n; ++l) {
    scalar_t* row = a + (e0 + l) * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] = lanes[c][l];
  }
}

}  // namespace hamlet::equivariant::detail
