#pragma once
// Equivariant building blocks around the tensor products: linear layers, gated nonlinearity,
// layer normalisation, and the radial part of edge features (Bessel basis, smooth cutoff, MLP).
// Features are [..., irreps.dim()] in the layout of irreps.hpp.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "equivariant/irreps.hpp"

namespace hamlet::equivariant {

enum class Activation { kIdentity, kSiLU, kSigmoid, kTanh };
at::Tensor activate(Activation act, const at::Tensor& x);

// Equivariant linear map: each output entry is a learned mix of the input entries with the
// same irrep, out_o = sum_i x_i W_io / sqrt(fan_in_o) with W ~ N(0, 1); optional bias on 0e
// outputs (zero-initialised). Outputs no input can reach are zero (plus bias).
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(Irreps irreps_in, Irreps irreps_out, bool bias = true);
  at::Tensor forward(const at::Tensor& x);
  const Irreps& irreps_in() const { return in_; }
  const Irreps& irreps_out() const { return out_; }

  at::Tensor weight;  // all blocks W_io [mul_i, mul_o], flattened one after the other
  at::Tensor bias;    // all 0e outputs, or undefined

 private:
  struct Block {
    int in, out;
    int64_t offset;
  };
  // All entries of one irrep mixed by one matrix product (few large ops instead of one per
  // pair of entries: the op count, not flops, bounds small graphs).
  struct Group {
    int64_t dim = 0, mul_in = 0, mul_out = 0;
    at::Tensor in_cols;       // columns of x, channel-major
    int64_t in_first = -1;    // >= 0: in_cols is the range [in_first, in_first + mul_in * dim)
    at::Tensor weight_index;  // [mul_in * mul_out] positions in `weight`
  };
  Irreps in_, out_;
  std::vector<Block> blocks_;
  std::vector<int64_t> bias_offset_;  // per output entry, -1 without bias
  std::vector<Group> groups_;
  at::Tensor out_index_;   // output column -> column of cat(group outputs, zeros)
  bool out_identity_ = false;  // out_index_ is 0, 1, 2, ...: no gather needed
  int64_t unreached_ = 0;  // output components no input reaches
  at::Tensor bias_cols_;   // output columns of the biases, in bias order
};
TORCH_MODULE(Linear);

// Gated nonlinearity (Weiler et al. 2018, e3nn Gate). Input: scalars + gates + gated
// (concatenated); output: act(scalars) + act_gates(gates) * gated, each gate multiplying one
// gated irrep. Scalars and gates must be l = 0; odd scalars need an odd activation (tanh or
// identity), which keeps them odd; an odd gate flips the parity of what it gates.
class GateImpl : public torch::nn::Module {
 public:
  GateImpl(Irreps scalars, Irreps gates, Irreps gated, Activation act_scalars = Activation::kSiLU,
           Activation act_gates = Activation::kSigmoid);
  at::Tensor forward(const at::Tensor& x);
  const Irreps& irreps_in() const { return in_; }
  const Irreps& irreps_out() const { return out_; }

 private:
  Irreps scalars_, gates_, gated_, in_, out_;
  Activation act_scalars_, act_gates_;
  at::Tensor gate_index_;  // for each gated component, the index of its gate
};
TORCH_MODULE(Gate);

// Per-sample normalisation of each irrep entry: 0e entries are centred over their channels;
// every entry is divided by sqrt(mean over channels and components of x^2 + eps). Learned
// per-channel scale (all entries) and bias (0e entries). Invariant factors keep it equivariant.
class EquivariantLayerNormImpl : public torch::nn::Module {
 public:
  explicit EquivariantLayerNormImpl(Irreps irreps, double eps = 1e-5, bool affine = true);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;  // [num entries' channels] = irreps.num_irreps()
  at::Tensor bias;    // [channels of 0e entries]

 private:
  Irreps irreps_;
  double eps_;
  bool affine_;
};
TORCH_MODULE(EquivariantLayerNorm);

// Smooth cutoff of DimeNet (Gasteiger et al. 2020): u(d) = 1 - (p+1)(p+2)/2 d^p + p(p+2) d^(p+1)
// - p(p+1)/2 d^(p+2) for d = r / cutoff < 1, 0 beyond; u, u' and u'' vanish at the cutoff.
at::Tensor polynomial_cutoff(const at::Tensor& r, double cutoff, int p = 6);

// Bessel radial basis e_n(r) = sqrt(2 / cutoff) sin(n pi r / cutoff) / r * u(r), n = 1..num_basis
// (the r -> 0 limit is used below 1e-9). The frequencies n pi / cutoff are learnable if trainable.
class BesselBasisImpl : public torch::nn::Module {
 public:
  BesselBasisImpl(int num_basis, double cutoff, int p = 6, bool trainable = false);
  // r [...] -> [..., num_basis]
  at::Tensor forward(const at::Tensor& r);
  at::Tensor frequencies;  // learnable n pi / cutoff, defined only when trainable

 private:
  int num_basis_;
  double cutoff_;
  int p_;
};
TORCH_MODULE(BesselBasis);

// Multi-layer perceptron on invariant edge features producing per-edge tensor-product weights:
// sizes = {in, hidden..., out}; weights N(0, 1) scaled by 1/sqrt(fan_in), zero biases, SiLU
// between layers (none after the last).
class RadialMLPImpl : public torch::nn::Module {
 public:
  explicit RadialMLPImpl(std::vector<int64_t> sizes, Activation act = Activation::kSiLU);
  at::Tensor forward(const at::Tensor& x);

 private:
  std::vector<at::Tensor> weights_, biases_;
  Activation act_;
};
TORCH_MODULE(RadialMLP);

}  // namespace hamlet::equivariant
