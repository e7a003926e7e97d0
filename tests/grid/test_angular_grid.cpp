#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "grid/angular_grid.hpp"

namespace {
using hamlet::grid::AngularGrid;

// Real orthonormal spherical harmonics Y_lm, l <= lmax, in columns (l^2 + l + m), from the
// standard fully normalised associated-Legendre recursion (independent of the grid code).
Eigen::MatrixXd real_harmonics(const AngularGrid& g, int lmax) {
  const int n = g.size();
  Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(n, (lmax + 1) * (lmax + 1));
  for (int k = 0; k < n; ++k) {
    const double x = g.directions(0, k), y = g.directions(1, k), t = g.directions(2, k);
    const double s = std::sqrt(std::max(0.0, 1.0 - t * t));
    const double phi = std::atan2(y, x);
    // P[l][m] fully normalised (including 1/sqrt(4 pi)).
    std::vector<std::vector<double>> P(lmax + 1, std::vector<double>(lmax + 1, 0.0));
    P[0][0] = std::sqrt(1.0 / (4.0 * M_PI));
    for (int m = 1; m <= lmax; ++m) P[m][m] = -std::sqrt((2.0 * m + 1) / (2.0 * m)) * s * P[m - 1][m - 1];
    for (int m = 0; m < lmax; ++m) P[m + 1][m] = std::sqrt(2.0 * m + 3) * t * P[m][m];
    for (int m = 0; m <= lmax; ++m)
      for (int l = m + 2; l <= lmax; ++l) {
        const double a = std::sqrt((4.0 * l * l - 1) / (double(l) * l - double(m) * m));
        const double b = std::sqrt((double(l - 1) * (l - 1) - double(m) * m) / (4.0 * (l - 1) * (l - 1) - 1));
        P[l][m] = a * (t * P[l - 1][m] - b * P[l - 2][m]);
      }
    for (int l = 0; l <= lmax; ++l)
      for (int m = -l; m <= l; ++m) {
        const int am = std::abs(m);
        const double ang = m > 0 ? M_SQRT2 * std::cos(m * phi) : m < 0 ? M_SQRT2 * std::sin(am * phi) : 1.0;
        Y(k, l * l + l + m) = P[l][am] * ang;
      }
  }
  return Y;
}

double max_gram_error(const AngularGrid& g, int lmax, int max_degree, bool beyond) {
  const Eigen::MatrixXd Y = real_harmonics(g, lmax);
  const Eigen::MatrixXd G = Y.transpose() * g.weights.asDiagonal() * Y;
  double err = 0.0;
  for (int l1 = 0; l1 <= lmax; ++l1)
    for (int l2 = 0; l2 <= lmax; ++l2) {
      const bool inside = l1 + l2 <= max_degree;
      if (inside == beyond) continue;
      for (int m1 = -l1; m1 <= l1; ++m1)
        for (int m2 = -l2; m2 <= l2; ++m2) {
          const int i = l1 * l1 + l1 + m1, j = l2 * l2 + l2 + m2;
          err = std::max(err, std::abs(G(i, j) - (i == j ? 1.0 : 0.0)));
        }
    }
  return err;
}

TEST(GaussLegendre, ExactToDegree2nMinus1AndNotBeyond) {
  for (int n : {1, 2, 5, 15, 21, 30}) {
    std::vector<double> x, w;
    hamlet::grid::gauss_legendre(n, x, w);
    for (int k = 0; k <= 2 * n; ++k) {
      double sum = 0.0;
      for (int i = 0; i < n; ++i) sum += w[i] * std::pow(x[i], k);
      const double exact = k % 2 ? 0.0 : 2.0 / (k + 1);  // integral_{-1}^{1} x^k dx
      if (k <= 2 * n - 1) {
        EXPECT_NEAR(sum, exact, 1e-14) << "n=" << n << " k=" << k;
      } else if (n <= 5) {  // for large n the x^{2n} error drops below round-off
        EXPECT_GT(std::abs(sum - exact), 1e-6) << "n=" << n << " should not integrate x^" << k;
      }
    }
  }
}

TEST(AngularGrid, ProductRulePointCountsWeightsAndSymmetry) {
  for (int degree : {7, 15, 29, 41}) {
    const AngularGrid g = hamlet::grid::product_angular_grid(degree);
    EXPECT_EQ(g.size(), (degree + 1) * (degree + 1) / 2);
    EXPECT_NEAR(g.weights.sum(), 4.0 * M_PI, 1e-13);
    EXPECT_GT(g.weights.minCoeff(), 0.0);
    EXPECT_NEAR((g.directions.colwise().norm().array() - 1.0).abs().maxCoeff(), 0.0, 1e-15);
    // Reflection x -> -x maps the point set onto itself (needed for orientation invariance).
    for (int k = 0; k < g.size(); ++k) {
      Eigen::Vector3d p = g.directions.col(k);
      p.x() = -p.x();
      EXPECT_LT((g.directions.colwise() - p).colwise().norm().minCoeff(), 1e-13);
    }
  }
  EXPECT_EQ(hamlet::grid::product_angular_grid(28).degree, 29);  // even degrees round up
}

TEST(AngularGrid, ProductRuleIntegratesHarmonicProductsExactlyUpToItsDegree) {
  for (int degree : {5, 15, 29, 41}) {
    const AngularGrid g = hamlet::grid::product_angular_grid(degree);
    const int lmax = degree + 1;
    // <Y_lm|Y_l'm'> = delta for l + l' <= degree ...
    EXPECT_LT(max_gram_error(g, lmax, degree, false), 1e-13) << "degree " << degree;
    // ... and the rule is not exact one degree higher (the claim is sharp).
    EXPECT_GT(max_gram_error(g, lmax, degree, true), 1e-6) << "degree " << degree;
  }
}

TEST(AngularGrid, OctahedralRulesAreExactUpToTheirDegree) {
  const std::vector<int> degrees = hamlet::grid::octahedral_degrees();
  ASSERT_FALSE(degrees.empty());
  for (int degree : {7, 11, 17, 23, 29, 35, 41})
    EXPECT_NE(std::find(degrees.begin(), degrees.end(), degree), degrees.end()) << degree;
  for (int degree : degrees) {
    const AngularGrid g = hamlet::grid::octahedral_angular_grid(degree);
    EXPECT_NEAR(g.weights.sum(), 4.0 * M_PI, 1e-13);
    EXPECT_GT(g.weights.minCoeff(), 0.0);
    EXPECT_NEAR((g.directions.colwise().norm().array() - 1.0).abs().maxCoeff(), 0.0, 1e-15);
    EXPECT_LT(max_gram_error(g, degree + 1, degree, false), 1e-13) << "degree " << degree;
    // Odd products integrate to zero by inversion symmetry, so the first failure is at
    // degree + 1.
    EXPECT_GT(max_gram_error(g, degree + 1, degree, true), 1e-6) << "degree " << degree;
    // Invariance under the octahedral group: permuting and negating coordinates maps the
    // points, with their weights, onto themselves.
    for (int k = 0; k < g.size(); ++k) {
      const Eigen::Vector3d p = g.directions.col(k);
      for (const Eigen::Vector3d& q : {Eigen::Vector3d(p.y(), p.x(), p.z()), Eigen::Vector3d(p.z(), p.y(), -p.x())}) {
        Eigen::Index j;
        EXPECT_LT((g.directions.colwise() - q).colwise().norm().minCoeff(&j), 1e-14);
        EXPECT_NEAR(g.weights[j], g.weights[k], 1e-16);
      }
    }
  }
}

TEST(AngularGrid, OctahedralRulesReproduceLebedevPublishedWeights) {
  // Weight of the six (1,0,0) points, normalised to sum 1, from Lebedev's tables
  // (Lebedev, Zh. Vychisl. Mat. Mat. Fiz. 16, 293 (1976); Lebedev & Laikov, Dokl. Math. 59,
  // 477 (1999)): the rules derived by hamlet are the same rules.
  const std::vector<std::pair<int, double>> published = {{7, 1.0 / 21.0},
                                                         {11, 4.0 / 315.0},
                                                         {17, 0.3828270494937162e-2},
                                                         {23, 0.1782340447244611e-2},
                                                         {29, 0.8545911725128148e-3},
                                                         {35, 0.5265897968224436e-3},
                                                         {41, 0.3095121295306187e-3}};
  for (const auto& [degree, w] : published) {
    const AngularGrid g = hamlet::grid::octahedral_angular_grid(degree);
    Eigen::Index k;
    (g.directions.colwise() - Eigen::Vector3d::UnitX()).colwise().norm().minCoeff(&k);
    EXPECT_NEAR(g.weights[k] / (4.0 * M_PI), w, 1e-16) << "degree " << degree;
  }
  EXPECT_EQ(hamlet::grid::octahedral_angular_grid(29).size(), 302);
  EXPECT_EQ(hamlet::grid::octahedral_angular_grid(41).size(), 590);
  EXPECT_EQ(hamlet::grid::octahedral_angular_grid(17).size(), 110);
  EXPECT_THROW(hamlet::grid::octahedral_angular_grid(13), hamlet::Error);
}

TEST(AngularGrid, SchemeSelection) {
  using hamlet::grid::AngularScheme;
  EXPECT_EQ(hamlet::grid::angular_grid(29, AngularScheme::Lebedev).size(), 302);
  EXPECT_EQ(hamlet::grid::angular_grid(28, AngularScheme::Lebedev).size(), 302);  // rounds up
  EXPECT_EQ(hamlet::grid::angular_grid(29, AngularScheme::Product).size(), 450);
  EXPECT_EQ(hamlet::grid::angular_grid(41, AngularScheme::Lebedev).size(), 590);
  EXPECT_EQ(hamlet::grid::angular_grid(201, AngularScheme::Lebedev).size(), 202 * 202 / 2);
  const AngularGrid& a = hamlet::grid::cached_angular_grid(29, AngularScheme::Lebedev);
  EXPECT_EQ(&a, &hamlet::grid::cached_angular_grid(29, AngularScheme::Lebedev));
  EXPECT_EQ(hamlet::grid::parse_angular_scheme("Lebedev"), AngularScheme::Lebedev);
  EXPECT_THROW(hamlet::grid::parse_angular_scheme("gauss"), hamlet::Error);
}

}  // namespace
