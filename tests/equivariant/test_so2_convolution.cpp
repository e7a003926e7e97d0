// SO(2) convolution: equivariance (rotations and inversion), gradients, frame rotations.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include "core/error.hpp"
#include "equivariant/so2_convolution.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/testing.hpp"

namespace hamlet::equivariant {
namespace {

using testing::Rep;

double max_abs(const at::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

TEST(RotateIrreps, AppliesWignerDAndItsTranspose) {
  Irreps irreps("2x0e+3x1o+2x2e+1x4e");
  at::Tensor R = testing::random_rotation(6, at::kDouble, 3);
  auto D = wigner_D(4, R);
  at::Tensor x = at::randn({6, irreps.dim()}, at::kDouble);
  at::Tensor expected = at::matmul(irreps_D(irreps, R), x.unsqueeze(-1)).squeeze(-1);
  EXPECT_LT(max_abs(rotate_irreps(irreps, x, D) - expected), 1e-13);
  EXPECT_LT(max_abs(rotate_irreps(irreps, rotate_irreps(irreps, x, D), D, true) - x), 1e-13);
}

struct Case {
  Irreps in, out;
  int mmax;
};

std::vector<Case> cases() {
  return {{Irreps("3x0e+2x1o+2x2e"), Irreps("2x0e+2x1o+1x2e"), -1},
          // pseudo-scalars and axial vectors exercise the odd (+m <-> -m) blocks
          {Irreps("2x0e+1x0o+2x1o+1x1e+1x2e+1x3o"), Irreps("1x0o+2x0e+1x1e+1x1o+1x2o+1x2e+1x4e"), -1},
          {Irreps("2x0e+2x1o+2x2e+2x3o+2x4e"), Irreps("2x0e+2x1o+2x2e+2x3o+2x4e"), 2},
          {Irreps("1x0e+1x1o+1x2e+1x3o+1x4e+1x5o+1x6e"), Irreps("1x0e+1x1o+1x2e+1x6e"), -1}};
}

TEST(So2Convolution, WeightCount) {
  So2Convolution conv(Irreps("16x0e+16x1o+16x2e+16x3o+16x4e"), Irreps("16x0e+16x1o+16x2e+16x3o+16x4e"));
  EXPECT_EQ(conv->weight_numel(), 55 * 256);  // sum over l_in, l_out <= 4 of min(l_in, l_out)+1
  So2Convolution truncated(Irreps("16x0e+16x1o+16x2e+16x3o+16x4e"), Irreps("16x0e+16x1o+16x2e+16x3o+16x4e"),
                           So2ConvolutionOptions{2, true});
  EXPECT_LT(truncated->weight_numel(), conv->weight_numel());
}

TEST(So2Convolution, EquivariantUnderRotationsAndInversion) {
  for (const auto& c : cases())
    for (bool fused : {true, false}) {
      So2Convolution conv(c.in, c.out, So2ConvolutionOptions{c.mmax, fused});
      Irreps w(std::to_string(conv->weight_numel()) + "x0e");
      auto f = [&](const std::vector<at::Tensor>& in) {
        return std::vector{conv->forward(in[0], in[1], in[2])};
      };
      std::vector<Rep> inputs{c.in, Rep::cartesian_vectors(), w};
      EXPECT_LE(testing::equivariance_error(f, inputs, {c.out}, at::kDouble), 1e-10) << c.in.str();
      EXPECT_LE(testing::equivariance_error(f, inputs, {c.out}, at::kFloat), 1e-4) << c.in.str();
    }
}

TEST(So2Convolution, EquivariantAtBenchmarkSize) {
  Irreps node("16x0e+16x1o+16x2e+16x3o+16x4e");
  So2Convolution conv(node, node);
  Irreps w(std::to_string(conv->weight_numel()) + "x0e");
  auto f = [&](const std::vector<at::Tensor>& in) {
    return std::vector{conv->forward(in[0], in[1], in[2])};
  };
  std::vector<Rep> inputs{node, Rep::cartesian_vectors(), w};
  EXPECT_LE(testing::equivariance_error(f, inputs, {node}, at::kDouble), 1e-10);
  EXPECT_LE(testing::equivariance_error(f, inputs, {node}, at::kFloat), 1e-4);
}

TEST(So2Convolution, EdgesAlongMinusZAndTheEquator) {
  // The frame switches branch at the equator; outputs must not notice.
  const auto c = cases()[1];
  So2Convolution conv(c.in, c.out);
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor v = at::tensor({0.0, 0.0, -1.0, 0.6, 0.8, 0.0, 0.6, 0.8, 1e-13, 0.6, 0.8, -1e-13}, opts)
                     .view({4, 3});
  at::Tensor x = at::randn({1, c.in.dim()}, opts).expand({4, -1});
  at::Tensor w = at::randn({1, conv->weight_numel()}, opts).expand({4, -1});
  at::Tensor y = conv->forward(x, v, w);
  EXPECT_LT(max_abs(y[2] - y[1]), 1e-10);
  EXPECT_LT(max_abs(y[3] - y[1]), 1e-10);
  EXPECT_TRUE(at::isfinite(y).all().item<bool>());
}

TEST(So2Convolution, FusedMatchesTorchOpsIncludingEdgeGradients) {
  const auto c = cases()[1];
  So2Convolution fused(c.in, c.out), plain(c.in, c.out, So2ConvolutionOptions{-1, false});
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor x = at::randn({9, c.in.dim()}, opts).requires_grad_();
  at::Tensor v = at::randn({9, 3}, opts).requires_grad_();
  at::Tensor w = at::randn({9, fused->weight_numel()}, opts).requires_grad_();
  at::Tensor a = fused->forward(x, v, w), b = plain->forward(x, v, w);
  EXPECT_LT(max_abs(a - b), 1e-12);
  at::Tensor g = at::randn_like(a);
  auto ga = torch::autograd::grad({a}, {x, v, w}, {g}), gb = torch::autograd::grad({b}, {x, v, w}, {g});
  for (int i = 0; i < 3; ++i) EXPECT_LT(max_abs(ga[i] - gb[i]), 1e-10) << i;
}

TEST(So2Convolution, NumericalGradientsFloat64) {
  const auto c = cases()[1];
  So2Convolution conv(c.in, c.out);
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor x = at::randn({2, c.in.dim()}, opts).requires_grad_();
  at::Tensor v = at::randn({2, 3}, opts).requires_grad_();
  at::Tensor w = at::randn({2, conv->weight_numel()}, opts).requires_grad_();
  auto f = [&](const std::vector<at::Tensor>& in) {
    return std::vector{conv->forward(in[0], in[1], in[2])};
  };
  EXPECT_LT(testing::gradient_error(f, {x, v, w}), 1e-7);
}

TEST(So2Convolution, RejectsWrongShapes) {
  So2Convolution conv(Irreps("2x0e+1x1o"), Irreps("1x1o"));
  at::Tensor x = at::randn({3, 5}), v = at::randn({3, 3});
  EXPECT_THROW(conv->forward(x, v, at::randn({3, conv->weight_numel() + 1})), Error);
  EXPECT_THROW(conv->forward(x, at::randn({3, 2}), at::randn({3, conv->weight_numel()})), Error);
}

}  // namespace
}  // namespace hamlet::equivariant
