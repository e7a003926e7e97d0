// Exact tables: solid harmonics against libint2, Clebsch–Gordan identities.
#include <gtest/gtest.h>
#include <libint2/solidharmonics.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "equivariant/so3.hpp"

namespace hamlet::equivariant {
namespace {

double eval_solid_harmonic(int l, int m, double x, double y, double z) {
  const auto& coef = solid_harmonic_coefficients(l);
  auto exps = cartesian_exponents(l);
  double sum = 0;
  for (size_t c = 0; c < exps.size(); ++c)
    sum += coef[c * (2 * l + 1) + m + l] * std::pow(x, exps[c][0]) * std::pow(y, exps[c][1]) *
           std::pow(z, exps[c][2]);
  return sum;
}

// libint2's pure function of a shell, as a polynomial: the cartesian components of a libint2
// shell share one normalisation, so the pure function is sum_c coeff(l,m,c) x^a y^b z^c.
double eval_libint2(int l, int m, double x, double y, double z) {
  double sum = 0;
  for (auto [a, b, c] : cartesian_exponents(l))
    sum += libint2::solidharmonics::SolidHarmonicsCoefficients<double>::coeff(l, m, a, b, c) *
           std::pow(x, a) * std::pow(y, b) * std::pow(z, c);
  return sum;
}

TEST(SolidHarmonics, LowDegreesAreTheTextbookPolynomials) {
  const double x = 0.3, y = -0.7, z = 1.1;
  EXPECT_NEAR(eval_solid_harmonic(1, -1, x, y, z), y, 1e-15);
  EXPECT_NEAR(eval_solid_harmonic(1, 0, x, y, z), z, 1e-15);
  EXPECT_NEAR(eval_solid_harmonic(1, 1, x, y, z), x, 1e-15);
  EXPECT_NEAR(eval_solid_harmonic(2, -2, x, y, z), std::sqrt(3.0) * x * y, 1e-14);
  EXPECT_NEAR(eval_solid_harmonic(2, 0, x, y, z), z * z - 0.5 * (x * x + y * y), 1e-14);
  EXPECT_NEAR(eval_solid_harmonic(2, 2, x, y, z), std::sqrt(3.0) / 2 * (x * x - y * y), 1e-14);
}

TEST(SolidHarmonics, RacahNormalisationSumsToRadiusPower) {
  std::mt19937 rng(7);
  std::normal_distribution<double> g;
  for (int l = 0; l <= kMaxL; ++l)
    for (int trial = 0; trial < 5; ++trial) {
      double x = g(rng), y = g(rng), z = g(rng);
      double sum = 0;
      for (int m = -l; m <= l; ++m) sum += std::pow(eval_solid_harmonic(l, m, x, y, z), 2);
      EXPECT_NEAR(sum / std::pow(x * x + y * y + z * z, l), 1.0, 1e-12) << "l=" << l;
    }
}

// The convention requirement: same functions as libint2's standard real solid harmonics up to a
// positive factor per l.
TEST(SolidHarmonics, MatchLibint2UpToPositiveFactorPerDegree) {
  std::mt19937 rng(11);
  std::normal_distribution<double> g;
  for (int l = 0; l <= kMaxL; ++l) {
    double ratio = 0;
    for (int trial = 0; trial < 6; ++trial) {
      double x = g(rng), y = g(rng), z = g(rng);
      for (int m = -l; m <= l; ++m) {
        double ours = eval_solid_harmonic(l, m, x, y, z);
        double theirs = eval_libint2(l, m, x, y, z);
        if (ratio == 0) ratio = theirs / ours;
        EXPECT_NEAR(theirs, ratio * ours, 1e-11 * std::pow(x * x + y * y + z * z, 0.5 * l))
            << "l=" << l << " m=" << m;
      }
    }
    EXPECT_GT(ratio, 0) << "l=" << l;
  }
}

TEST(ClebschGordan, ComplexKnownValues) {
  EXPECT_NEAR(static_cast<double>(clebsch_gordan_complex(1, 1, 1, -1, 0, 0)), 1 / std::sqrt(3.0),
              1e-15);
  EXPECT_NEAR(static_cast<double>(clebsch_gordan_complex(1, 1, 1, 0, 2, 1)), 1 / std::sqrt(2.0),
              1e-15);
  EXPECT_NEAR(static_cast<double>(clebsch_gordan_complex(2, 0, 2, 0, 2, 0)), -std::sqrt(2.0 / 7),
              1e-15);
  EXPECT_EQ(clebsch_gordan_complex(1, 1, 1, 1, 1, 1), 0.0L);
}

TEST(ClebschGordan, RealThreeJIsOrthonormalAndComplete) {
  for (int l1 = 0; l1 <= 4; ++l1)
    for (int l2 = 0; l2 <= 4; ++l2) {
      const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1;
      std::vector<double> completeness(n1 * n2 * n1 * n2, 0.0);
      for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
        const int n3 = 2 * L + 1;
        const auto& w = wigner_3j(l1, l2, L);
        for (int M = 0; M < n3; ++M)
          for (int M2 = 0; M2 < n3; ++M2) {
            double dot = 0;
            for (int ab = 0; ab < n1 * n2; ++ab) dot += w[ab * n3 + M] * w[ab * n3 + M2];
            EXPECT_NEAR(dot * n3, M == M2 ? 1.0 : 0.0, 1e-14);
          }
        for (int ab = 0; ab < n1 * n2; ++ab)
          for (int cd = 0; cd < n1 * n2; ++cd)
            for (int M = 0; M < n3; ++M)
              completeness[ab * n1 * n2 + cd] += n3 * w[ab * n3 + M] * w[cd * n3 + M];
      }
      for (int ab = 0; ab < n1 * n2; ++ab)
        for (int cd = 0; cd < n1 * n2; ++cd)
          EXPECT_NEAR(completeness[ab * n1 * n2 + cd], ab == cd ? 1.0 : 0.0, 1e-14);
    }
}

TEST(ClebschGordan, RealVectorProductsAreDotAndCross) {
  // p = (y, z, x): 1x1 -> 0 is the dot product, 1x1 -> 1 the cross product.
  const auto& dot = wigner_3j(1, 1, 0);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(dot[a * 3 + b], a == b ? 1 / std::sqrt(3.0) : 0, 1e-15);
  const auto& cross = wigner_3j(1, 1, 1);
  // (y,z,x) indices: e_y x e_z = e_x -> W[0][1][2] = +-1/sqrt(6), antisymmetric.
  EXPECT_NEAR(std::abs(cross[0 * 9 + 1 * 3 + 2]), 1 / std::sqrt(6.0), 1e-15);
  EXPECT_NEAR(cross[0 * 9 + 1 * 3 + 2], -cross[1 * 9 + 0 * 3 + 2], 1e-15);
  EXPECT_NEAR(cross[0 * 9 + 1 * 3 + 2], cross[1 * 9 + 2 * 3 + 0], 1e-15);
}

TEST(ClebschGordan, RejectsOutOfRange) {
  EXPECT_THROW(wigner_3j(1, 1, 3), Error);
  EXPECT_THROW(wigner_3j(9, 1, 8), Error);
  EXPECT_THROW(wigner_3j(-1, 1, 1), Error);
}

}  // namespace
}  // namespace hamlet::equivariant
