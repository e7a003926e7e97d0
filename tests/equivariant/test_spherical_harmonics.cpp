// Torch harmonics: libint2 convention, identities, Wigner-D consistency, edge frames.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <libint2/solidharmonics.h>

#include <cmath>

#include "core/error.hpp"
#include "equivariant/so3.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/testing.hpp"

namespace hamlet::equivariant {
namespace {

using testing::random_rotation;

at::Tensor random_vectors(int64_t n, at::ScalarType dtype, uint64_t seed) {
  auto R = random_rotation(n, at::kDouble, seed);
  at::Tensor lengths = at::linspace(0.3, 2.5, n, at::kDouble).unsqueeze(-1);
  return (R.select(2, 0) * lengths).to(dtype);  // random directions, varied lengths
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// Requirement of ARCHITECTURE.md: our harmonics times r^l are libint2's standard real solid
// harmonics up to a positive factor per l. libint2's pure function of a shell is
// sum_c coeff(l, m, c) x^a y^b z^c (its cartesian components share one normalisation).
TEST(SphericalHarmonics, SameFunctionsAsLibint2SolidHarmonics) {
  const int lmax = kMaxL;
  at::Tensor v = random_vectors(40, at::kDouble, 3);
  at::Tensor r = v.norm(2, -1, true);
  at::Tensor ours = spherical_harmonics(lmax, v, true);
  at::Tensor solid = spherical_harmonics(lmax, v, false);
  auto acc = v.accessor<double, 2>();
  for (int l = 0; l <= lmax; ++l) {
    at::Tensor theirs = at::zeros({v.size(0), 2 * l + 1}, at::kDouble);
    for (int64_t i = 0; i < v.size(0); ++i)
      for (int m = -l; m <= l; ++m) {
        double sum = 0;
        for (auto [a, b, c] : cartesian_exponents(l))
          sum += libint2::solidharmonics::SolidHarmonicsCoefficients<double>::coeff(l, m, a, b, c) *
                 std::pow(acc[i][0], a) * std::pow(acc[i][1], b) * std::pow(acc[i][2], c);
        theirs[i][m + l] = sum;
      }
    at::Tensor ours_l = ours.narrow(1, l * l, 2 * l + 1) * r.pow(l);
    double factor = (theirs * ours_l).sum().item<double>() / (ours_l * ours_l).sum().item<double>();
    EXPECT_GT(factor, 0) << "l=" << l;
    EXPECT_LT(max_abs(theirs - factor * ours_l), 1e-11 * max_abs(theirs)) << "l=" << l;
    // normalize=false gives the same solid harmonics directly.
    EXPECT_LT(max_abs(solid.narrow(1, l * l, 2 * l + 1) - ours_l), 1e-12 * max_abs(ours_l));
  }
}

TEST(SphericalHarmonics, ComponentIntegralAndNormNormalisations) {
  at::Tensor v = random_vectors(10, at::kDouble, 5);
  for (auto [norm, expect] : {std::pair{ShNorm::kComponent, 0}, {ShNorm::kIntegral, 1},
                              {ShNorm::kNorm, 2}}) {
    at::Tensor y = spherical_harmonics(6, v, true, norm);
    for (int l = 0; l <= 6; ++l) {
      at::Tensor sum = y.narrow(1, l * l, 2 * l + 1).pow(2).sum(-1);
      double want = expect == 0 ? 2 * l + 1 : expect == 1 ? (2 * l + 1) / (4 * M_PI) : 1.0;
      EXPECT_LT(max_abs(sum - want), 1e-12 * want);
    }
  }
}

TEST(SphericalHarmonics, AdditionTheoremAndOrthonormality) {
  EXPECT_LT(testing::spherical_harmonics_identity_error(kMaxL, at::kDouble), 1e-12);
  EXPECT_LT(testing::spherical_harmonics_identity_error(kMaxL, at::kFloat), 1e-4);
}

TEST(SphericalHarmonics, EquivariantUnderRotationsAndInversion) {
  // Cartesian vectors in, irreps 0e + 1o + 2e + ... out: Y(g r) = D(g) Y(r) for g in O(3).
  for (bool normalize : {true, false}) {
    auto f = [&](const std::vector<at::Tensor>& in) {
      return std::vector<at::Tensor>{spherical_harmonics(kMaxL, in[0], normalize)};
    };
    Irreps out = Irreps::spherical_harmonics(kMaxL);
    EXPECT_LE(testing::equivariance_error(f, {testing::Rep::cartesian_vectors()}, {out}, at::kDouble),
              1e-10);
    EXPECT_LE(testing::equivariance_error(f, {testing::Rep::cartesian_vectors()}, {out}, at::kFloat),
              1e-4);
  }
}

TEST(SphericalHarmonics, GradientsMatchFiniteDifferences) {
  at::Tensor v = random_vectors(3, at::kDouble, 8).requires_grad_();
  auto f = [](const std::vector<at::Tensor>& in) {
    return std::vector<at::Tensor>{spherical_harmonics(kMaxL, in[0], true)};
  };
  EXPECT_LT(testing::gradient_error(f, {v}), 1e-7);
}

TEST(SphericalHarmonics, RejectsBadInput) {
  EXPECT_THROW(spherical_harmonics(kMaxL + 1, at::ones({2, 3})), Error);
  EXPECT_THROW(spherical_harmonics(2, at::ones({2, 4})), Error);
}

TEST(WignerD, RotatesHarmonicsAndIsAHomomorphism) {
  for (auto dtype : {at::kDouble, at::kFloat}) {
    const double tol = dtype == at::kDouble ? 1e-12 : 2e-5;
    at::Tensor R1 = random_rotation(4, dtype, 21), R2 = random_rotation(4, dtype, 22);
    at::Tensor v = random_vectors(4, dtype, 23);
    auto D1 = wigner_D(kMaxL, R1), D2 = wigner_D(kMaxL, R2);
    auto D12 = wigner_D(kMaxL, at::matmul(R1, R2));
    at::Tensor y = spherical_harmonics(kMaxL, v);
    at::Tensor y_rot = spherical_harmonics(kMaxL, at::matmul(R1, v.unsqueeze(-1)).squeeze(-1));
    for (int l = 0; l <= kMaxL; ++l) {
      at::Tensor yl = y.narrow(1, l * l, 2 * l + 1).unsqueeze(-1);
      EXPECT_LT(max_abs(at::matmul(D1[l], yl).squeeze(-1) - y_rot.narrow(1, l * l, 2 * l + 1)),
                tol * (2 * l + 1))
          << "l=" << l;
      EXPECT_LT(max_abs(at::matmul(D1[l], D2[l]) - D12[l]), tol * (2 * l + 1)) << "l=" << l;
      at::Tensor eye = at::eye(2 * l + 1, at::TensorOptions().dtype(dtype));
      EXPECT_LT(max_abs(at::matmul(D1[l], D1[l].transpose(-1, -2)) - eye), tol * (2 * l + 1));
    }
  }
}

TEST(WignerD, RealWigner3jIsInvariant) {
  at::Tensor R = random_rotation(1, at::kDouble, 31)[0];
  auto D = wigner_D(kMaxL, R);
  for (int l1 = 0; l1 <= kMaxL; ++l1)
    for (int l2 = 0; l2 <= kMaxL; ++l2)
      for (int l3 = std::abs(l1 - l2); l3 <= std::min(l1 + l2, kMaxL); ++l3) {
        const auto& w = wigner_3j(l1, l2, l3);
        at::Tensor W = at::tensor(w, at::kDouble).view({2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1});
        // Contract one index at a time: D3 (D2 (D1 W)).
        at::Tensor rotated = at::tensordot(D[l1], W, {1}, {0});            // a j k
        rotated = at::tensordot(D[l2], rotated, {1}, {1}).transpose(0, 1);  // a b k
        rotated = at::matmul(rotated, D[l3].t());                            // a b c
        EXPECT_LT(max_abs(rotated - W), 1e-12) << l1 << " " << l2 << " " << l3;
      }
  EXPECT_LT(testing::clebsch_gordan_orthonormality_error(kMaxL), 1e-13);
}

TEST(WignerD, IrrepsRepresentationIncludesParity) {
  Irreps irreps("2x0e+1x0o+1x1o+1x1e+1x2e");
  at::Tensor R1 = random_rotation(1, at::kDouble, 41)[0], R2 = random_rotation(1, at::kDouble, 42)[0];
  for (bool inv1 : {false, true})
    for (bool inv2 : {false, true}) {
      at::Tensor prod = at::matmul(irreps_D(irreps, R1, inv1), irreps_D(irreps, R2, inv2));
      at::Tensor direct = irreps_D(irreps, at::matmul(R1, R2), inv1 != inv2);
      EXPECT_LT(max_abs(prod - direct), 1e-12);
    }
  at::Tensor minus = irreps_D(irreps, at::eye(3, at::kDouble), true).diagonal();
  // Layout: 0e 0e | 0o | 1o (3) | 1e (3) | 2e (5).
  EXPECT_NEAR(minus[0].item<double>(), 1.0, 1e-14);
  EXPECT_NEAR(minus[2].item<double>(), -1.0, 1e-14);
  EXPECT_NEAR(minus[3].item<double>(), -1.0, 1e-14);
  EXPECT_NEAR(minus[6].item<double>(), 1.0, 1e-14);
}

TEST(EdgeFrame, TakesEachDirectionToZ) {
  at::Tensor v = at::cat({random_vectors(50, at::kDouble, 51),
                          at::tensor({0.0, 0.0, 1.0, 0.0, 0.0, -2.0, 1e-9, 0.0, -1.0, 1.0, 2.0, 0.0},
                                     at::kDouble)
                              .view({4, 3})});
  at::Tensor R = edge_frame_rotation(v);
  at::Tensor u = v / v.norm(2, -1, true);
  at::Tensor z = at::tensor({0.0, 0.0, 1.0}, at::kDouble).expand_as(u);
  EXPECT_LT(max_abs(at::matmul(R, u.unsqueeze(-1)).squeeze(-1) - z), 1e-14);
  EXPECT_LT(max_abs(at::matmul(R, R.transpose(-1, -2)) - at::eye(3, at::kDouble)), 1e-14);
  EXPECT_LT(max_abs(at::linalg_det(R) - 1.0), 1e-14);
}

TEST(EdgeFrame, FastWignerDMatchesTheGeneralOne) {
  at::Tensor v = at::cat({random_vectors(30, at::kDouble, 61),
                          at::tensor({0.0, 0.0, 2.0, 0.0, 0.0, -1.0, 1.0, -1.0, 0.0}, at::kDouble)
                              .view({3, 3})});
  auto fast = edge_frame_wigner_D(kMaxL, v);
  auto general = wigner_D(kMaxL, edge_frame_rotation(v));
  for (int l = 0; l <= kMaxL; ++l) EXPECT_LT(max_abs(fast[l] - general[l]), 1e-12) << "l=" << l;
  auto fast32 = edge_frame_wigner_D(4, v.to(at::kFloat));
  for (int l = 0; l <= 4; ++l) EXPECT_LT(max_abs(fast32[l].to(at::kDouble) - general[l]), 1e-5);
}

TEST(EdgeFrame, GradientIsFiniteEverywhere) {
  at::Tensor v = at::tensor({0.0, 0.0, -1.0, 0.3, -0.2, 0.9, 0.1, 0.2, -0.5}, at::kDouble)
                     .view({3, 3})
                     .requires_grad_();
  edge_frame_rotation(v).pow(2).sum().backward();
  EXPECT_TRUE(at::isfinite(v.grad()).all().item<bool>());
  v.mutable_grad().reset();
  for (const auto& D : edge_frame_wigner_D(4, v)) D.pow(3).sum().backward({}, true);
  EXPECT_TRUE(at::isfinite(v.grad()).all().item<bool>());
}

}  // namespace
}  // namespace hamlet::equivariant
