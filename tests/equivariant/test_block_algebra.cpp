// AO block <-> irreps: orthogonality, exact round trips, equivariance, basis layouts.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "equivariant/block_algebra.hpp"
#include "equivariant/testing.hpp"

namespace hamlet::equivariant {
namespace {

using testing::Rep;

double max_abs(const at::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

// Irreps of the AO functions of a list of shells: 1 x l with parity (-1)^l each.
Irreps shell_irreps(const std::vector<int>& ls) {
  std::vector<MulIrrep> entries;
  for (int l : ls) entries.push_back({1, Irrep(l, spherical_harmonic_parity(l))});
  return Irreps(std::move(entries));
}

TEST(BlockAlgebra, IrrepsOfShellPairs) {
  EXPECT_EQ(block_irreps(1, 1).str(), "1x0e+1x1e+1x2e");
  EXPECT_EQ(block_irreps(1, 2).str(), "1x1o+1x2o+1x3o");
  EXPECT_EQ(block_irreps(3, 3).dim(), 49);
  EXPECT_THROW(block_irreps(4, 5), Error);
}

TEST(BlockAlgebra, CouplingMatrixIsOrthogonal) {
  for (int l1 = 0; l1 <= 4; ++l1)
    for (int l2 = 0; l2 <= 4; ++l2) {
      at::Tensor Q = block_coupling_matrix(l1, l2, at::kDouble);
      at::Tensor eye = at::eye(Q.size(0), at::kDouble);
      EXPECT_LT(max_abs(at::matmul(Q.t(), Q) - eye), 1e-14) << l1 << " " << l2;
      EXPECT_LT(max_abs(at::matmul(Q, Q.t()) - eye), 1e-14) << l1 << " " << l2;
    }
}

TEST(BlockAlgebra, RoundTripIsExactAndBatched) {
  for (auto dtype : {at::kDouble, at::kFloat}) {
    const double tol = dtype == at::kDouble ? 1e-14 : 1e-6;
    for (int l1 = 0; l1 <= 4; ++l1)
      for (int l2 = 0; l2 <= 4; ++l2) {
        at::Tensor B = at::randn({7, 2 * l1 + 1, 2 * l2 + 1}, at::TensorOptions().dtype(dtype));
        at::Tensor c = block_to_irreps(B, l1, l2);
        EXPECT_EQ(c.size(1), block_irreps(l1, l2).dim());
        EXPECT_LT(max_abs(irreps_to_block(c, l1, l2) - B), tol * 10);
        // Orthogonal: norms are preserved.
        EXPECT_NEAR(c.norm().item<double>(), B.norm().item<double>(), tol * 100);
      }
  }
}

TEST(BlockAlgebra, ShellPairBlocksAreEquivariantUpToL8) {
  for (auto [dtype, tol] : {std::pair{at::kDouble, 1e-10}, {at::kFloat, 1e-4}})
    for (int l1 = 0; l1 <= 4; ++l1)
      for (int l2 = 0; l2 <= 4; ++l2) {
        Rep block = Rep::matrices(shell_irreps({l1}), shell_irreps({l2}));
        Irreps coupled = block_irreps(l1, l2);
        auto forward = [&](const std::vector<at::Tensor>& in) {
          return std::vector{block_to_irreps(in[0].unflatten(-1, {2 * l1 + 1, 2 * l2 + 1}), l1, l2)};
        };
        auto backward = [&](const std::vector<at::Tensor>& in) {
          return std::vector{irreps_to_block(in[0], l1, l2).flatten(-2, -1)};
        };
        EXPECT_LE(testing::equivariance_error(forward, {block}, {coupled}, dtype), tol)
            << l1 << " " << l2;
        EXPECT_LE(testing::equivariance_error(backward, {coupled}, {block}, dtype), tol)
            << l1 << " " << l2;
      }
}

TEST(BlockAlgebra, OffsiteAtomPairRoundTripAndEquivariance) {
  const std::vector<int> a{0, 0, 1, 1, 2}, b{0, 1, 2, 3};
  AtomPairLayout layout = offsite_layout(a, b);
  EXPECT_EQ(layout.nao1, 1 + 1 + 3 + 3 + 5);
  EXPECT_EQ(layout.nao2, 1 + 3 + 5 + 7);
  EXPECT_EQ(layout.irreps.dim(), layout.nao1 * layout.nao2);
  at::Tensor B = at::randn({3, layout.nao1, layout.nao2}, at::kDouble);
  EXPECT_LT(max_abs(irreps_to_atom_pair(atom_pair_to_irreps(B, layout), layout) - B), 1e-14);
  Rep blocks = Rep::matrices(shell_irreps(a), shell_irreps(b));
  auto f = [&](const std::vector<at::Tensor>& in) {
    return std::vector{
        atom_pair_to_irreps(in[0].unflatten(-1, {layout.nao1, layout.nao2}), layout)};
  };
  EXPECT_LE(testing::equivariance_error(f, {blocks}, {layout.irreps}, at::kDouble), 1e-10);
  EXPECT_LE(testing::equivariance_error(f, {blocks}, {layout.irreps}, at::kFloat), 1e-4);
}

TEST(BlockAlgebra, OnsiteLayoutKeepsTheSymmetricPart) {
  const std::vector<int> shells{0, 0, 1, 2, 3};
  AtomPairLayout layout = onsite_layout(shells);
  const int n = layout.nao1;
  EXPECT_EQ(layout.irreps.dim(), n * (n + 1) / 2);  // dimension of symmetric matrices
  at::Tensor A = at::randn({4, n, n}, at::kDouble);
  at::Tensor S = A + A.transpose(-1, -2);
  at::Tensor c = atom_pair_to_irreps(S, layout);
  EXPECT_LT(max_abs(irreps_to_atom_pair(c, layout) - S), 1e-13);
  at::Tensor from_random = irreps_to_atom_pair(at::randn_like(c), layout);
  EXPECT_LT(max_abs(from_random - from_random.transpose(-1, -2)), 1e-14);
  Rep blocks = Rep::matrices(shell_irreps(shells), shell_irreps(shells));
  auto to_matrix = [&](const std::vector<at::Tensor>& in) {
    return std::vector{irreps_to_atom_pair(in[0], layout).flatten(-2, -1)};
  };
  auto to_irreps = [&](const std::vector<at::Tensor>& in) {
    return std::vector{atom_pair_to_irreps(in[0].unflatten(-1, {n, n}), layout)};
  };
  for (auto [dtype, tol] : {std::pair{at::kDouble, 1e-10}, {at::kFloat, 1e-4}}) {
    EXPECT_LE(testing::equivariance_error(to_matrix, {layout.irreps}, {blocks}, dtype), tol);
    EXPECT_LE(testing::equivariance_error(to_irreps, {blocks}, {layout.irreps}, dtype), tol);
  }
}

// The plain-array conversions (used by make_graph and assemble_matrix) equal the tensor ones,
// for blocks inside a larger column-major matrix (strides 1 and ld) and in row-major order.
TEST(BlockAlgebra, PlainArrayConversionsEqualTensorOnes) {
  for (const AtomPairLayout& layout : {offsite_layout({0, 0, 1, 1, 2}, {0, 1, 2, 3}), onsite_layout({0, 0, 1, 2, 3})}) {
    const int n1 = layout.nao1, n2 = layout.nao2, ld = n1 + 3;
    at::Tensor B = at::randn({n1, n2}, at::kDouble);
    if (layout.onsite) B = B + B.t();
    const at::Tensor reference = atom_pair_to_irreps(B.unsqueeze(0), layout).squeeze(0).contiguous();
    // B at row 2, column 1 of a column-major ld x (n2 + 2) matrix.
    std::vector<double> matrix(static_cast<size_t>(ld) * (n2 + 2), 7.0);
    double* origin = matrix.data() + 2 + ld;
    for (int r = 0; r < n1; ++r)
      for (int c = 0; c < n2; ++c) origin[r + c * ld] = B[r][c].item<double>();
    std::vector<double> coupled(layout.irreps.dim());
    atom_pair_to_irreps(origin, 1, ld, layout, coupled.data());
    double worst = 0.0;
    for (int64_t k = 0; k < reference.numel(); ++k)
      worst = std::max(worst, std::abs(coupled[k] - reference[k].item<double>()));
    EXPECT_LT(worst, 1e-14) << (layout.onsite ? "on-site" : "off-site");

    const at::Tensor random = at::randn({layout.irreps.dim()}, at::kDouble);
    const at::Tensor block = irreps_to_atom_pair(random.unsqueeze(0), layout).squeeze(0);
    std::vector<double> row_major(static_cast<size_t>(n1) * n2, 7.0);
    irreps_to_atom_pair(random.data_ptr<double>(), layout, row_major.data(), n2, 1);
    worst = 0.0;
    for (int r = 0; r < n1; ++r)
      for (int c = 0; c < n2; ++c)
        worst = std::max(worst, std::abs(row_major[r * n2 + c] - block[r][c].item<double>()));
    EXPECT_LT(worst, 1e-14) << (layout.onsite ? "on-site" : "off-site");
    std::fill(matrix.begin(), matrix.end(), 7.0);
    irreps_to_atom_pair(random.data_ptr<double>(), layout, origin, 1, ld);
    EXPECT_EQ(matrix[0], 7.0);  // outside the block: untouched
    EXPECT_EQ(matrix.back(), 7.0);
  }
}

TEST(BlockAlgebra, GradientsThroughAtomPairs) {
  AtomPairLayout layout = onsite_layout({0, 1, 2});
  at::Tensor c = at::randn({2, layout.irreps.dim()}, at::kDouble).requires_grad_();
  auto f = [&](const std::vector<at::Tensor>& in) {
    return std::vector{atom_pair_to_irreps(irreps_to_atom_pair(in[0], layout).pow(2), layout)};
  };
  EXPECT_LT(testing::gradient_error(f, {c}), 1e-8);
}

TEST(BlockAlgebra, BasisLayoutsAndUnionIrreps) {
  // H: 2s1p, O: 3s2p1d (def2-SVP-like).
  BasisIrreps basis = basis_irreps({{1, {0, 0, 1}}, {8, {0, 0, 0, 1, 1, 2}}});
  ASSERT_EQ(basis.onsite.size(), 2u);
  ASSERT_EQ(basis.offsite.size(), 4u);
  const auto& oh = basis.offsite.at({8, 1});
  EXPECT_EQ(oh.nao1, 14);
  EXPECT_EQ(oh.nao2, 5);
  for (const auto* layouts : {&basis.onsite_union, &basis.offsite_union})
    EXPECT_EQ(*layouts, layouts->canonical());
  for (const auto& [key, layout] : basis.offsite) {
    auto idx = embedding_indices(layout.irreps, basis.offsite_union);
    ASSERT_EQ(static_cast<int>(idx.size()), layout.irreps.dim());
    std::set<int64_t> unique(idx.begin(), idx.end());
    EXPECT_EQ(unique.size(), idx.size());
    // Every component lands on a copy of the same irrep with the same m.
    at::Tensor v = at::randn({2, basis.offsite_union.dim()}, at::kDouble);
    at::Tensor part = v.index_select(1, at::tensor(idx, at::kLong));
    EXPECT_EQ(part.size(1), layout.irreps.dim());
  }
  // O-O off-site: 6 shells each, s-s 9 pairs give 9x0e; the union has at least that many.
  EXPECT_GE(basis.offsite_union.count(Irrep("0e")), 9 + 4);
  EXPECT_THROW(embedding_indices(Irreps("2x1o"), Irreps("1x1o")), Error);
}

TEST(BlockAlgebra, EmbeddingIsEquivariant) {
  Irreps part("1x1o+1x0e+1x1o"), whole("2x0e+3x1o+1x2e");
  auto idx = at::tensor(embedding_indices(part, whole), at::kLong);
  auto f = [&](const std::vector<at::Tensor>& in) { return std::vector{in[0].index_select(1, idx)}; };
  EXPECT_LE(testing::equivariance_error(f, {whole}, {part}, at::kDouble), 1e-12);
}

}  // namespace
}  // namespace hamlet::equivariant
