#pragma once
// Internal: a validated tensor-product plan and fused CPU kernels for per-edge weights (and
// for weights shared by all rows on channel-wise paths).
//
// Why fused: with per-edge weights the weight tensor ([E, numel], ~0.9 GB for the tp_l2 case)
// dominates memory traffic. The kernels walk edges in parallel and, per edge, contract the
// Clebsch–Gordan coefficients with the inputs into a few hundred numbers in cache, then stream
// the edge's weights exactly once (forward: read W; backward: read W, write dW). Nothing of size
// E x paths x mul is materialised.
#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

#include <vector>

#include "equivariant/irreps.hpp"

namespace hamlet::equivariant::detail {

struct CgEntry {
  int i, j, k;  // components of input 1, input 2, output
  double c;     // Wigner-3j * sqrt(2 l_out + 1) * path normalisation
};

// One instruction, resolved to offsets in the flattened feature and weight vectors.
struct TpPath {
  bool uvu = false;           // channel-wise (out channel = input-1 channel) instead of uvw
  int mul1 = 0, mul2 = 0, mul_out = 0;
  int d1 = 0, d2 = 0, d3 = 0;  // 2l + 1 of input 1, input 2, output
  int64_t x1_start = 0, x2_start = 0, out_start = 0, weight_start = 0;
  int out_index = 0;           // output entry
  std::vector<CgEntry> cg;     // non-zero coefficients, already scaled
  // Filled by finalize_path():
  at::Tensor cg_dense;         // double [d1, d2, d3], same coefficients (reference path)
  std::vector<int> active_k;   // output components that receive any coefficient
  bool direct = false;         // few coefficients: contract them one by one, not via M[i, k]
  int64_t weight_count() const { return uvu ? int64_t(mul1) * mul2 : int64_t(mul1) * mul2 * mul_out; }
};

// Shared by the module and by autograd nodes (kept alive through a capsule in the context).
struct TpPlan : torch::CustomClassHolder {
  int64_t dim1 = 0, dim2 = 0, dim_out = 0, weight_numel = 0;
  std::vector<TpPath> paths;
  // Entries (start, mul, d) of input 1 and of the output: the kernels work on channel-minor
  // copies ([i][u] instead of [u][i]) so that loops over channels vectorise.
  struct Entry {
    int64_t start;
    int mul, d;
  };
  std::vector<Entry> in1_entries;
  std::vector<Entry> out_entries;
};

// Fills dim1, dim_out, in1_entries and out_entries from the irreps.
void set_entries(TpPlan& plan, const Irreps& in1, const Irreps& out);

// Derives cg_dense, active_k and direct from cg and the dimensions.
void finalize_path(TpPath& path);

// The product with autograd: the fused kernels when `fused` (CPU; per-row weights, or shared
// weights on channel-wise paths only), otherwise differentiable torch ops. x1 [E, dim1],
// x2 [E, dim2], weights [E, numel] or shared [numel].
at::Tensor apply_plan(const c10::intrusive_ptr<TpPlan>& plan, const at::Tensor& x1,
                      const at::Tensor& x2, const at::Tensor& weights, bool shared_weights,
                      bool fused);

// Like at::empty, but large CPU buffers (>= 64 MiB) get transparent huge pages and are recycled
// through a small pool (two freed blocks at most): first-touch page faults on 4 KiB pages cost
// ~1.4 s per 0.9 GB here, more than the kernels that fill them.
at::Tensor empty_huge_pages(at::IntArrayRef sizes, const at::TensorOptions& options);

// True when every path is channel-wise (uvu): the shared-weight kernels need that.
bool all_paths_channelwise(const TpPlan& plan);

// out [E, dim_out] = TP(x1 [E, dim1], x2 [E, dim2]; W [E, weight_numel], or [weight_numel] for
// all rows when shared_weights, which needs all_paths_channelwise). All contiguous CPU tensors
// of one floating dtype; out is overwritten.
void tp_forward_cpu(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                    const at::Tensor& weights, bool shared_weights, at::Tensor& out);

// Gradients of <grad_out, TP(x1, x2; W)> with respect to x1, x2 and W (all overwritten; an
// undefined grad_weights skips the weight gradient; shared weights get the sum over rows).
void tp_backward_cpu(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                     const at::Tensor& weights, bool shared_weights, const at::Tensor& grad_out,
                     at::Tensor& grad_x1, at::Tensor& grad_x2, at::Tensor& grad_weights);

}  // namespace hamlet::equivariant::detail
