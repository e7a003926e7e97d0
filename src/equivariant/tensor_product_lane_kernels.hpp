#pragma once
// Internal: channel-wise tensor-product kernels that keep kLanes rows at once, one row per
// vector lane (tensor_product_lane_kernels.cpp), and the kernels for weights shared by all rows.
// Arguments as tp_forward_cpu / tp_backward_cpu (raw contiguous arrays, `edges` rows); the
// gradient outputs are overwritten, gW may be null (not needed).
#include <cstdint>

#include "equivariant/tensor_product_kernels.hpp"

namespace hamlet::equivariant::detail {

// Every path channel-wise with one channel of input 2 (e.g. products with spherical harmonics).
bool lane_kernels_apply(const TpPlan& plan);

// Per-row weights W [edges, weight_numel]; needs lane_kernels_apply.
template <typename scalar_t>
void lane_forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                         scalar_t* out, int64_t edges);
template <typename scalar_t>
void lane_backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                          const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW, int64_t edges);

// Weights W [weight_numel] shared by all rows; needs all_paths_channelwise. The weight
// gradient is the sum over rows, the same bits for any thread count.
template <typename scalar_t>
void shared_forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                           scalar_t* out, int64_t edges);
template <typename scalar_t>
void shared_backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                            const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW, int64_t edges);

}  // namespace hamlet::equivariant::detail
