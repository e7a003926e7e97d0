// Tensor products: validation, fused kernel vs torch ops, equivariance, gradients.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <cstdint>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include "core/error.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/tensor_memory.hpp"
#include "equivariant/tensor_product.hpp"
#include "equivariant/testing.hpp"

namespace hamlet::equivariant {
namespace {

using testing::Rep;

double max_abs(const at::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

Irreps scalars(int64_t n) { return Irreps(std::to_string(n) + "x0e"); }

TEST(TensorProduct, ValidatesInstructions) {
  Irreps a("2x0e+2x1o"), b("1x0e+1x1o"), out("2x0e+2x1o+2x1e");
  EXPECT_NO_THROW(TensorProduct(a, b, out, fully_connected_instructions(a, b, out)));
  // 1o x 1o -> 1o breaks parity.
  try {
    TensorProduct(a, b, out, std::vector<Instruction>{{1, 1, 1, TpMode::kUVW, 1.0}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("parity"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TensorProduct(a, b, Irreps("1x2e"), std::vector<Instruction>{{0, 0, 0, TpMode::kUVW, 1.0}}), Error);
  EXPECT_THROW(TensorProduct(a, b, out, std::vector<Instruction>{{0, 2, 0, TpMode::kUVW, 1.0}}), Error);
  EXPECT_THROW(TensorProduct(a, b, Irreps("3x0e"), std::vector<Instruction>{{0, 0, 0, TpMode::kUVU, 1.0}}), Error);
  // fully connected instructions only contain allowed paths: 0e x 0e, 1o x 1o -> 0e, ...
  auto ins = fully_connected_instructions(a, b, out);
  EXPECT_EQ(ins.size(), 5u);  // 0e0e->0e, 0e1o->1o, 1o0e->1o, 1o1o->0e, 1o1o->1e
}

TEST(TensorProduct, WeightLayoutAndCount) {
  Irreps a("32x0e+32x1o+32x2e"), sh = Irreps::spherical_harmonics(2);
  auto tp = fully_connected_tensor_product(a, sh, a);
  EXPECT_EQ(tp->instructions().size(), 11u);
  EXPECT_EQ(tp->weight_numel(), 11 * 32 * 32);
  auto cw = channelwise_instructions(Irreps("4x0e+4x1o"), sh, Irreps("0e+1o+2e"));
  TensorProduct tp2(Irreps("4x0e+4x1o"), sh, cw.irreps_out, cw.instructions);
  EXPECT_EQ(tp2->weight_numel(), int64_t(cw.instructions.size()) * 4);
}

struct Case {
  Irreps in1, in2, out;
  bool channelwise;
};

std::vector<Case> cases() {
  auto cw = channelwise_instructions(Irreps("3x0e+2x1o+2x2e+1x3o"), Irreps::spherical_harmonics(3));
  return {
      {Irreps("3x0e+2x1o+1x1e+2x2e+1x3o"), Irreps("2x0e+1x1o+1x2e+1x3o"),
       Irreps("2x0e+3x1o+2x1e+2x2e+1x3o+1x4e"), false},
      {Irreps("2x0e+2x1o+2x2e+2x3o+2x4e"), Irreps::spherical_harmonics(4),
       Irreps("2x0e+2x1o+2x2e+2x3o+2x4e"), false},
      {Irreps("3x0e+2x1o+2x2e+1x3o"), Irreps::spherical_harmonics(3), cw.irreps_out, true},
  };
}

TensorProduct make(const Case& c, bool internal = false, bool fused = true) {
  TensorProductOptions opts;
  opts.internal_weights = internal;
  opts.fused = fused;
  if (!c.channelwise) return fully_connected_tensor_product(c.in1, c.in2, c.out, opts);
  auto spec = channelwise_instructions(c.in1, c.in2);
  return TensorProduct(c.in1, c.in2, spec.irreps_out, spec.instructions, opts);
}

TEST(TensorProduct, FusedKernelMatchesTorchOps) {
  auto all = cases();
  // Multiplicities that fill whole register blocks and leave remainders (float: 16 channels
  // per block, double: 8), mul2 > 1, and up to 9 active output components; 13 rows leave a
  // partial block of the edge-parallel forward (channel-wise, one channel of input 2).
  all.push_back({Irreps("10x0e+9x1o+3x2e+2x4e"), Irreps("2x0e+1x1o+2x2e+1x3o"),
                 Irreps("17x0e+9x1o+8x2e+3x3o+16x4e"), false});
  // channel-wise paths with two channels in input 2
  all.push_back({Irreps("3x0e+2x1o+2x2e"), Irreps("2x0e+2x1o"), Irreps(), true});
  for (const auto& c : all) {
    auto tp = make(c);
    auto opts = at::TensorOptions().dtype(at::kDouble);
    at::Tensor x1 = at::randn({13, c.in1.dim()}, opts).requires_grad_();
    at::Tensor x2 = at::randn({13, tp->irreps_in2().dim()}, opts).requires_grad_();
    at::Tensor w = at::randn({13, tp->weight_numel()}, opts).requires_grad_();
    at::Tensor fused = tp->forward(x1, x2, w), ref = tp->forward_reference(x1, x2, w);
    EXPECT_LT(max_abs(fused - ref), 1e-12 * std::max(1.0, max_abs(ref)));
    at::Tensor g = at::randn_like(ref);
    auto gf = torch::autograd::grad({fused}, {x1, x2, w}, {g});
    auto gr = torch::autograd::grad({ref}, {x1, x2, w}, {g});
    for (int i = 0; i < 3; ++i) EXPECT_LT(max_abs(gf[i] - gr[i]), 1e-12) << "input " << i;
  }
}

TEST(TensorProduct, FusedKernelMatchesTorchOpsInFloat32AndManyChannels) {
  Irreps a("32x0e+32x1o+32x2e");
  auto tp = fully_connected_tensor_product(a, Irreps::spherical_harmonics(2), a);
  at::Tensor x1 = at::randn({50, a.dim()}), x2 = at::randn({50, 9});
  at::Tensor w = at::randn({50, tp->weight_numel()});
  at::Tensor fused = tp->forward(x1, x2, w), ref = tp->forward_reference(x1, x2, w);
  EXPECT_LT(max_abs(fused - ref), 1e-5 * max_abs(ref));
  // Channel-wise with the harmonics of 53 edges (the edge-parallel forward: 8 lanes in float,
  // a partial last block).
  Irreps node("32x0e+16x1o+16x1e+8x2e+8x2o+4x3o+4x3e+4x4e");
  auto spec = channelwise_instructions(node, Irreps::spherical_harmonics(4), node);
  TensorProduct cw(node, Irreps::spherical_harmonics(4), spec.irreps_out, spec.instructions);
  at::Tensor y1 = at::randn({53, node.dim()}), y2 = at::randn({53, 25}), wc = at::randn({53, cw->weight_numel()});
  at::Tensor lanes = cw->forward(y1, y2, wc), by_ops = cw->forward_reference(y1, y2, wc);
  EXPECT_LT(max_abs(lanes - by_ops), 1e-5 * max_abs(by_ops));
}

TEST(TensorProduct, EquivariantWithPerEdgeWeights) {
  for (const auto& c : cases()) {
    auto tp = make(c);
    Irreps w = scalars(tp->weight_numel());
    auto f = [&](const std::vector<at::Tensor>& in) {
      return std::vector{tp->forward(in[0], in[1], in[2])};
    };
    EXPECT_LE(testing::equivariance_error(f, {c.in1, c.in2, w}, {c.out}, at::kDouble), 1e-10)
        << c.in1.str();
    EXPECT_LE(testing::equivariance_error(f, {c.in1, c.in2, w}, {c.out}, at::kFloat), 1e-4)
        << c.in1.str();
  }
}

TEST(TensorProduct, EquivariantAtBenchmarkSizes) {
  for (int lmax : {2, 4}) {
    Irreps node(lmax == 2 ? "32x0e+32x1o+32x2e" : "16x0e+16x1o+16x2e+16x3o+16x4e");
    auto tp = fully_connected_tensor_product(node, Irreps::spherical_harmonics(lmax), node);
    auto f = [&](const std::vector<at::Tensor>& in) {
      return std::vector{tp->forward(in[0], spherical_harmonics(lmax, in[1]), in[2])};
    };
    std::vector<Rep> inputs{node, Rep::cartesian_vectors(), scalars(tp->weight_numel())};
    EXPECT_LE(testing::equivariance_error(f, inputs, {node}, at::kDouble), 1e-10) << lmax;
    EXPECT_LE(testing::equivariance_error(f, inputs, {node}, at::kFloat), 1e-4) << lmax;
  }
}

// Shared (internal) weights take their own kernel for channel-wise paths (weights applied to
// input 2 first); it must equal the per-edge route with those weights repeated on every row.
TEST(TensorProduct, SharedWeightsEqualThoseWeightsGivenPerRow) {
  const auto c = cases()[2];
  ASSERT_TRUE(c.channelwise);
  auto shared = make(c, true), per_row = make(c, false);
  shared->to(at::kDouble);
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor x1 = at::randn({17, c.in1.dim()}, opts).requires_grad_();
  at::Tensor x2 = at::randn({17, shared->irreps_in2().dim()}, opts).requires_grad_();
  at::Tensor w = shared->weight.detach().clone().requires_grad_();
  at::Tensor a = shared->forward(x1, x2), b = per_row->forward(x1, x2, w.unsqueeze(0).expand({17, w.size(0)}));
  EXPECT_LT(max_abs(a - b), 1e-12 * std::max(1.0, max_abs(b)));
  at::Tensor g = at::randn_like(a);
  auto ga = torch::autograd::grad({a}, {x1, x2, shared->weight}, {g});
  auto gb = torch::autograd::grad({b}, {x1, x2, w}, {g});
  for (int i = 0; i < 3; ++i) EXPECT_LT(max_abs(ga[i] - gb[i]), 1e-11) << "input " << i;
}

// The fused kernel for shared channel-wise weights (the model's atom-pair heads: both inputs
// with several channels and both parities) against the torch-op route, values and all three
// gradients; 150 rows span several of the kernel's fixed weight-gradient chunks (64 rows).
TEST(TensorProduct, SharedChannelwiseKernelMatchesTorchOps) {
  const Irreps pair("6x0e+4x1o+3x1e+2x2e+2x3o");
  auto spec = channelwise_instructions(pair, pair, Irreps("0e+1o+1e+2e+2o+3o+3e+4e"));
  TensorProductOptions opts;
  opts.internal_weights = true;
  for (auto dtype : {at::kDouble, at::kFloat}) {
    TensorProduct tp(pair, pair, spec.irreps_out, spec.instructions, opts);
    tp->to(dtype);
    const double tol = dtype == at::kDouble ? 1e-12 : 2e-5;
    at::Tensor x1 = at::randn({150, pair.dim()}, dtype).requires_grad_();
    at::Tensor x2 = at::randn({150, pair.dim()}, dtype).requires_grad_();
    at::Tensor fused = tp->forward(x1, x2), ref = tp->forward_reference(x1, x2);
    EXPECT_LT(max_abs(fused - ref), tol * max_abs(ref));
    at::Tensor g = at::randn_like(ref);
    auto gf = torch::autograd::grad({fused}, {x1, x2, tp->weight}, {g});
    auto gr = torch::autograd::grad({ref}, {x1, x2, tp->weight}, {g});
    for (int i = 0; i < 3; ++i) EXPECT_LT(max_abs(gf[i] - gr[i]), tol * max_abs(gr[i])) << "input " << i;
  }
}

// The weight gradient of shared weights is a sum over rows: the same bits for any thread count.
TEST(TensorProduct, SharedWeightGradientIndependentOfThreads) {
  const auto c = cases()[2];
  auto tp = make(c, true);
  at::Tensor x1 = at::randn({300, c.in1.dim()});
  at::Tensor x2 = at::randn({300, tp->irreps_in2().dim()});
  auto weight_gradient = [&](int threads) {
    at::set_num_threads(threads);
    auto g = torch::autograd::grad({tp->forward(x1, x2).pow(2).sum()}, {tp->weight});
    return g[0];
  };
  const int threads = at::get_num_threads();
  at::Tensor one = weight_gradient(1), two = weight_gradient(2);
  at::set_num_threads(threads);
  EXPECT_TRUE(at::equal(one, two));
}

TEST(TensorProduct, EquivariantWithEdgeHarmonicsAndInternalWeights) {
  const auto c = cases()[1];
  auto tp = make(c, true);
  tp->to(at::kDouble);
  // Second input built from Cartesian edge vectors inside the function.
  auto f = [&](const std::vector<at::Tensor>& in) {
    return std::vector{tp->forward(in[0], spherical_harmonics(4, in[1]))};
  };
  EXPECT_LE(testing::equivariance_error(f, {c.in1, Rep::cartesian_vectors()}, {c.out}, at::kDouble),
            1e-10);
  EXPECT_EQ(tp->parameters().size(), 1u);
  EXPECT_EQ(tp->weight.numel(), tp->weight_numel());
}

TEST(TensorProduct, NumericalGradientsFloat64) {
  for (const auto& c : cases()) {
    auto tp = make(c);
    auto opts = at::TensorOptions().dtype(at::kDouble);
    at::Tensor x1 = at::randn({2, c.in1.dim()}, opts).requires_grad_();
    at::Tensor x2 = at::randn({2, c.in2.dim()}, opts).requires_grad_();
    at::Tensor w = at::randn({2, tp->weight_numel()}, opts).requires_grad_();
    auto f = [&](const std::vector<at::Tensor>& in) {
      return std::vector{tp->forward(in[0], in[1], in[2])};
    };
    EXPECT_LT(testing::gradient_error(f, {x1, x2, w}), 1e-7) << c.in1.str();
  }
}

TEST(TensorProduct, SkipsGradientsNobodyNeeds) {
  const auto c = cases()[0];
  auto tp = make(c);
  at::Tensor x1 = at::randn({5, c.in1.dim()}, at::kDouble).requires_grad_();
  at::Tensor x2 = at::randn({5, c.in2.dim()}, at::kDouble);
  at::Tensor w = at::randn({5, tp->weight_numel()}, at::kDouble);
  tp->forward(x1, x2, w).pow(2).sum().backward();
  at::Tensor g_fused = x1.grad().clone();
  x1.mutable_grad().reset();
  tp->forward_reference(x1, x2, w).pow(2).sum().backward();
  EXPECT_LT(max_abs(g_fused - x1.grad()), 1e-12);
  EXPECT_FALSE(w.grad().defined());
}

TEST(TensorProduct, SecondDerivativesMatchTorchOps) {
  const auto c = cases()[0];
  auto tp = make(c);
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor x1 = at::randn({4, c.in1.dim()}, opts).requires_grad_();
  at::Tensor x2 = at::randn({4, c.in2.dim()}, opts).requires_grad_();
  at::Tensor w = at::randn({4, tp->weight_numel()}, opts);
  auto second = [&](bool fused) {
    at::Tensor y = fused ? tp->forward(x1, x2, w) : tp->forward_reference(x1, x2, w);
    auto g = torch::autograd::grad({y.pow(2).sum()}, {x1}, {}, true, true);
    return torch::autograd::grad({g[0].pow(2).sum()}, {x2})[0];
  };
  EXPECT_LT(max_abs(second(true) - second(false)), 1e-10);
}

TEST(TensorProduct, SecondDerivativesWithSharedWeightsMatchTorchOps) {
  const auto c = cases()[2];
  auto tp = make(c, true);
  tp->to(at::kDouble);
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor x1 = at::randn({4, c.in1.dim()}, opts).requires_grad_();
  at::Tensor x2 = at::randn({4, tp->irreps_in2().dim()}, opts).requires_grad_();
  auto second = [&](bool fused) {
    at::Tensor y = fused ? tp->forward(x1, x2) : tp->forward_reference(x1, x2);
    auto g = torch::autograd::grad({y.pow(2).sum()}, {x1}, {}, true, true);
    return torch::autograd::grad({g[0].pow(2).sum()}, {x2, tp->weight});
  };
  auto a = second(true), b = second(false);
  for (int i = 0; i < 2; ++i) EXPECT_LT(max_abs(a[i] - b[i]), 1e-10 * std::max(1.0, max_abs(b[i]))) << i;
}

TEST(TensorProduct, ComponentNormalisedOutputs) {
  Irreps a("8x0e+8x1o+8x2e");
  auto tp = fully_connected_tensor_product(a, Irreps::spherical_harmonics(2), a);
  at::Tensor x1 = at::randn({4000, a.dim()});
  at::Tensor x2 = spherical_harmonics(2, at::randn({4000, 3}));
  at::Tensor w = at::randn({4000, tp->weight_numel()});
  at::Tensor y = tp->forward(x1, x2, w);
  double var = y.pow(2).mean().item<double>();
  EXPECT_GT(var, 0.8);
  EXPECT_LT(var, 1.25);
}

TEST(TensorProduct, RejectsWrongShapes) {
  const auto c = cases()[0];
  auto tp = make(c);
  at::Tensor x1 = at::randn({3, c.in1.dim()}), x2 = at::randn({3, c.in2.dim()});
  EXPECT_THROW(tp->forward(x1, x2), Error);
  EXPECT_THROW(tp->forward(x1, x2, at::randn({3, tp->weight_numel() + 1})), Error);
  EXPECT_THROW(tp->forward(x1, at::randn({4, c.in2.dim()}), at::randn({3, tp->weight_numel()})),
               Error);
}

// The huge-page allocator (hamlet-ml's): large tensors 2 MB-aligned, small ones as libtorch
// aligns them, and a tensor product gives bit for bit what it gave on libtorch's allocator.
TEST(TensorMemory, HugePageAllocatorKeepsResults) {
  Irreps a("32x0e+32x1o+32x2e");
  auto tp = fully_connected_tensor_product(a, Irreps::spherical_harmonics(2), a);
  at::manual_seed(3);
  at::Tensor x1 = at::randn({400, a.dim()}), x2 = at::randn({400, 9});
  at::Tensor w = at::randn({400, tp->weight_numel()});  // 400 x 11264 floats: 18 MB
  const at::Tensor before = tp->forward(x1, x2, w);
  use_huge_page_tensor_memory();
  const at::Tensor large = at::empty({int64_t{3} << 20}), small = at::empty({100});  // 12 MB, 400 B
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data_ptr()) % (std::uintptr_t{2} << 20), 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small.data_ptr()) % 64, 0u);
  const at::Tensor after = tp->forward(x1.clone(), x2.clone(), w.clone());
  EXPECT_TRUE(at::equal(before, after));
}

}  // namespace
}  // namespace hamlet::equivariant
