// Linear, Gate, layer norm, radial basis and an end-to-end equivariant message.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "equivariant/layers.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/tensor_product.hpp"
#include "equivariant/testing.hpp"

namespace hamlet::equivariant {
namespace {

using testing::Rep;

double max_abs(const at::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

template <typename M>
testing::TensorFunction unary(M& module) {
  return [&module](const std::vector<at::Tensor>& in) { return std::vector{module->forward(in[0])}; };
}

TEST(Linear, MixesOnlyEqualIrrepsAndIsEquivariant) {
  Irreps in("3x0e+2x1o+1x1e+2x2e"), out("2x0e+3x1o+1x2e+1x3o");
  Linear lin(in, out);
  EXPECT_EQ(lin->weight.numel(), 3 * 2 + 2 * 3 + 2 * 1);
  EXPECT_EQ(lin->bias.numel(), 2);
  at::Tensor y = lin->forward(at::randn({4, in.dim()}));
  EXPECT_EQ(y.size(1), out.dim());
  EXPECT_EQ(max_abs(y.narrow(1, out.slice(3).start, 7)), 0.0);  // nothing reaches 3o
  EXPECT_LE(testing::equivariance_error(unary(lin), {in}, {out}, at::kFloat), 1e-4);
  lin->to(at::kDouble);
  EXPECT_LE(testing::equivariance_error(unary(lin), {in}, {out}, at::kDouble), 1e-10);
  at::Tensor x = at::randn({2, in.dim()}, at::kDouble).requires_grad_();
  EXPECT_LT(testing::gradient_error(unary(lin), {x}), 1e-8);
}

TEST(Gate, ChecksParityAndGatesEachIrrep) {
  EXPECT_THROW(Gate(Irreps("1x0o"), Irreps("1x0e"), Irreps("1x1o")), Error);  // silu on 0o
  EXPECT_THROW(Gate(Irreps("1x0e"), Irreps("2x0e"), Irreps("1x1o")), Error);  // 2 gates, 1 irrep
  EXPECT_THROW(Gate(Irreps("1x1o"), Irreps("1x0e"), Irreps("1x1o")), Error);  // l > 0 scalar
  Gate gate(Irreps("2x0e+1x0o"), Irreps("2x0e+1x0o"), Irreps("2x1o+1x2e"), Activation::kTanh,
            Activation::kTanh);
  EXPECT_EQ(gate->irreps_in().str(), "2x0e+1x0o+2x0e+1x0o+2x1o+1x2e");
  EXPECT_EQ(gate->irreps_out().str(), "2x0e+1x0o+2x1o+1x2o");  // the odd gate flips 2e -> 2o
  for (auto [dtype, tol] : {std::pair{at::kDouble, 1e-10}, {at::kFloat, 1e-4}})
    EXPECT_LE(testing::equivariance_error(unary(gate), {gate->irreps_in()}, {gate->irreps_out()},
                                          dtype),
              tol);
  at::Tensor xg = at::randn({2, gate->irreps_in().dim()}, at::kDouble).requires_grad_();
  EXPECT_LT(testing::gradient_error(unary(gate), {xg}), 1e-8);
  // The gated vector is scaled by its gate: a zero gate (tanh(0)) removes it.
  at::Tensor x = at::zeros({1, gate->irreps_in().dim()});
  x.narrow(1, 6, 6).fill_(1.0);
  x[0][3] = 0.5;  // first gate
  at::Tensor y = gate->forward(x);
  EXPECT_NEAR(y[0][3].item<double>(), std::tanh(0.5), 1e-6);
  EXPECT_NEAR(y[0][6].item<double>(), 0.0, 1e-12);  // second gate is tanh(0) = 0
}

TEST(EquivariantLayerNorm, NormalisesEntriesEquivariantly) {
  Irreps irreps("4x0e+2x0o+3x1o+2x2e");
  EquivariantLayerNorm norm(irreps);
  at::Tensor y = norm->forward(5 + 3 * at::randn({6, irreps.dim()}));
  at::Tensor scalars = y.narrow(1, 0, 4);
  EXPECT_LT(max_abs(scalars.mean(1)), 1e-5);
  EXPECT_LT(max_abs(scalars.pow(2).mean(1) - 1), 1e-3);
  EXPECT_LT(max_abs(y.narrow(1, 6, 9).pow(2).mean(1) - 1), 1e-3);
  EXPECT_LE(testing::equivariance_error(unary(norm), {irreps}, {irreps}, at::kFloat), 1e-4);
  norm->to(at::kDouble);
  EXPECT_LE(testing::equivariance_error(unary(norm), {irreps}, {irreps}, at::kDouble), 1e-10);
  at::Tensor x = at::randn({2, irreps.dim()}, at::kDouble).requires_grad_();
  EXPECT_LT(testing::gradient_error(unary(norm), {x}), 1e-7);
}

TEST(RadialBasis, BesselValuesAndSmoothCutoff) {
  BesselBasis basis(8, 5.0);
  basis->to(at::kDouble);
  at::Tensor r = at::tensor({0.0, 1.0, 4.999999, 5.0, 6.0}, at::kDouble).requires_grad_();
  at::Tensor e = basis->forward(r);
  ASSERT_EQ(e.size(1), 8);
  const double u1 = polynomial_cutoff(at::tensor({1.0}, at::kDouble), 5.0).item<double>();
  EXPECT_NEAR(e[1][2].item<double>(), std::sqrt(2.0 / 5) * std::sin(3 * M_PI / 5) * u1, 1e-12);
  EXPECT_NEAR(e[0][1].item<double>(), std::sqrt(2.0 / 5) * 2 * M_PI / 5, 1e-12);  // r -> 0 limit
  EXPECT_LT(max_abs(e[2]), 1e-12);  // value and slope vanish at the cutoff
  EXPECT_EQ(max_abs(e.narrow(0, 3, 2)), 0.0);
  e.sum().backward();
  EXPECT_TRUE(at::isfinite(r.grad()).all().item<bool>());
  EXPECT_LT(std::abs(r.grad()[2].item<double>()), 1e-9);
  at::Tensor rr = at::tensor({0.7, 2.3, 4.1}, at::kDouble).requires_grad_();
  EXPECT_LT(testing::gradient_error(unary(basis), {rr}), 1e-8);
  EXPECT_THROW(BesselBasis(0, 5.0), Error);
}

// Radial MLP -> per-edge weights -> tensor product with the edge harmonics -> gate -> linear
// -> norm: a whole message is O(3)-equivariant.
TEST(Pipeline, EdgeMessageIsEquivariant) {
  Irreps node("4x0e+2x1o+2x2e"), hidden("4x0e+4x0e+2x1o+2x2e");
  auto tp = fully_connected_tensor_product(node, Irreps::spherical_harmonics(2), hidden);
  BesselBasis basis(6, 4.0);
  RadialMLP mlp(std::vector<int64_t>{6, 16, tp->weight_numel()});
  Gate gate(Irreps("4x0e"), Irreps("4x0e"), Irreps("2x1o+2x2e"));
  Linear lin(gate->irreps_out(), node);
  EquivariantLayerNorm norm(node);
  auto f = [&](const std::vector<at::Tensor>& in) {
    at::Tensor w = mlp->forward(basis->forward(in[1].norm(2, -1)));
    at::Tensor m = tp->forward(in[0], spherical_harmonics(2, in[1]), w);
    return std::vector{norm->forward(lin->forward(gate->forward(m)))};
  };
  std::vector<Rep> inputs{node, Rep::cartesian_vectors()};
  EXPECT_LE(testing::equivariance_error(f, inputs, {node}, at::kFloat), 1e-4);
  basis->to(at::kDouble);
  mlp->to(at::kDouble);
  lin->to(at::kDouble);
  norm->to(at::kDouble);
  EXPECT_LE(testing::equivariance_error(f, inputs, {node}, at::kDouble), 1e-10);
}

}  // namespace
}  // namespace hamlet::equivariant
