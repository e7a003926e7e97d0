#pragma once
// Weighted tensor products of irreps, e3nn style.
//
// Each instruction couples entry in1 of the first input with entry in2 of the second into entry
// out of the output through the real Clebsch–Gordan coefficients (Wigner-3j * sqrt(2 l_out + 1),
// "component" normalisation), times a learned or per-edge weight:
//   uvw (fully connected): out[w] += sum_{u,v} W[u,v,w] CG(x1[u], x2[v])  weights [mul1, mul2, mul_out]
//   uvu (channel-wise):    out[u] += sum_v     W[u,v]   CG(x1[u], x2[v])  weights [mul1, mul2]
// Weights are laid out instruction after instruction, each row-major as above.
// Path normalisation ("element"): every path into an output entry is scaled by
// path_weight / sqrt(sum of fan-ins of the paths into that entry) (fan-in mul1*mul2 for uvw,
// mul2 for uvu), so unit-variance inputs and weights give unit-variance outputs.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "equivariant/irreps.hpp"
#include "equivariant/tensor_product_kernels.hpp"

namespace hamlet::equivariant {

enum class TpMode { kUVW, kUVU };

struct Instruction {
  int in1 = 0, in2 = 0, out = 0;  // entry indices into the three Irreps
  TpMode mode = TpMode::kUVW;
  double path_weight = 1.0;
};

enum class PathNormalization {
  kElement,  // scale by 1/sqrt(total fan-in of the output entry) (e3nn "element")
  kPath,     // scale by 1/sqrt(fan-in of the path * number of paths into the entry)
};

struct TensorProductOptions {
  PathNormalization path_normalization = PathNormalization::kElement;
  // true: weights are a learned parameter shared by all rows (forward(x1, x2));
  // false: weights are passed per row (forward(x1, x2, weights [N, weight_numel])).
  bool internal_weights = false;
  // Use the fused CPU kernels for per-row weights, and for shared weights when every path is
  // channel-wise (first-order gradients fused as well; higher orders fall back to torch ops
  // automatically).
  bool fused = true;
};

// Every parity-allowed uvw path from in1 x in2 into an entry of `out`.
std::vector<Instruction> fully_connected_instructions(const Irreps& in1, const Irreps& in2,
                                                      const Irreps& out);

// Channel-wise (uvu) product: for each pair of entries and each allowed irrep in `filter`
// (all when empty), an output entry of multiplicity mul1. Returns the output irreps (unsorted,
// in instruction order) and the instructions.
struct ChannelwiseSpec {
  Irreps irreps_out;
  std::vector<Instruction> instructions;
};
ChannelwiseSpec channelwise_instructions(const Irreps& in1, const Irreps& in2,
                                         const Irreps& filter = Irreps());

class TensorProductImpl : public torch::nn::Module {
 public:
  // Validates the instructions (indices, triangle and parity selection rules, uvu multiplicities)
  // and throws hamlet::Error naming the offending instruction.
  TensorProductImpl(Irreps irreps_in1, Irreps irreps_in2, Irreps irreps_out,
                    std::vector<Instruction> instructions, TensorProductOptions options = {});

  // x1 [..., dim1], x2 [..., dim2] with equal leading shapes; weights [..., weight_numel] when
  // the weights are external. Returns [..., dim_out].
  at::Tensor forward(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& weights = {});
  // Same result with differentiable torch ops only (reference and higher-order autograd).
  at::Tensor forward_reference(const at::Tensor& x1, const at::Tensor& x2,
                               const at::Tensor& weights = {});

  int64_t weight_numel() const;
  const Irreps& irreps_in1() const { return in1_; }
  const Irreps& irreps_in2() const { return in2_; }
  const Irreps& irreps_out() const { return out_; }
  const std::vector<Instruction>& instructions() const { return instructions_; }

  at::Tensor weight;  // defined when options.internal_weights

 private:
  at::Tensor run(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& weights, bool fused);
  int64_t check_inputs(const at::Tensor& x1, const at::Tensor& x2) const;  // returns rows
  at::Tensor resolve_weights(const at::Tensor& weights, int64_t rows) const;
  Irreps in1_, in2_, out_;
  std::vector<Instruction> instructions_;
  TensorProductOptions options_;
  c10::intrusive_ptr<detail::TpPlan> plan_;
};
TORCH_MODULE(TensorProduct);

// Convenience: a fully connected tensor product (all allowed uvw paths).
TensorProduct fully_connected_tensor_product(const Irreps& in1, const Irreps& in2,
                                             const Irreps& out, TensorProductOptions options = {});

}  // namespace hamlet::equivariant
