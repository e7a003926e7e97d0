#pragma once
// SO(2) convolution (eSCN, Passaro & Zitnick 2023; as in QHNetV2 and HELM): the tensor product
// of node features with the spherical harmonics of the edge direction, done in the edge frame.
// Rotating the features so the edge points along +z makes Y(edge) vanish except at m = 0, and
// the product reduces to a linear map that only mixes components with the same |m|:
//   even pairs (p_in p_out = (-1)^(l_in + l_out)):  y(+m) = W x(+m),  y(-m) = W x(-m)
//   odd pairs (the other parity):                   y(+m) = -W x(-m), y(-m) = W x(+m)  (m > 0)
// which commutes with rotations about z and with the reflections that fix z, hence the whole
// map is O(3)-equivariant. Cost per edge is O(L^3) instead of O(L^6) for Clebsch–Gordan paths.
//
// Weights per edge are laid out path after path, for each output entry o, each input entry i
// and m = 0..min(l_i, l_o, mmax) (m = 0 only for even pairs), each a row-major [mul_i, mul_o].
// Each output (o, |m|) is normalised by 1/sqrt(sum of mul_i over the paths into it).
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "equivariant/irreps.hpp"
#include "equivariant/tensor_product_kernels.hpp"

namespace hamlet::equivariant {

struct So2ConvolutionOptions {
  int mmax = -1;      // largest |m| that is mixed (eSCN truncation); -1 keeps all
  bool fused = true;  // fused CPU kernels (see TensorProductOptions::fused)
};

class So2ConvolutionImpl : public torch::nn::Module {
 public:
  So2ConvolutionImpl(Irreps irreps_in, Irreps irreps_out, So2ConvolutionOptions options = {});

  // x [E, dim_in] (source-node features gathered per edge), edge_vectors [E, 3] Cartesian,
  // weights [E, weight_numel] (e.g. from a radial MLP). Returns [E, dim_out].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_vectors, const at::Tensor& weights);

  int64_t weight_numel() const;
  const Irreps& irreps_in() const { return in_; }
  const Irreps& irreps_out() const { return out_; }

 private:
  Irreps in_, out_;
  So2ConvolutionOptions options_;
  int lmax_ = 0;
  c10::intrusive_ptr<detail::TpPlan> rotate_in_, mix_, rotate_back_;
};
TORCH_MODULE(So2Convolution);

// Applies per-row Wigner-D matrices to features: x [E, irreps.dim()], D[l] [E, 2l+1, 2l+1] for
// l = 0..irreps.lmax(); transpose = true applies D^T (the inverse rotation). Differentiable in
// x and D.
at::Tensor rotate_irreps(const Irreps& irreps, const at::Tensor& x, const std::vector<at::Tensor>& D,
                         bool transpose = false);

}  // namespace hamlet::equivariant
