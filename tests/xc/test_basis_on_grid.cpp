#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "basis/basis_library.hpp"
#include "xc/basis_on_grid.hpp"
#include "xc_test_systems.hpp"

namespace {
using namespace hamlet;
using xc::BasisValues;

std::vector<int> all_shells(const BasisSet& basis) {
  std::vector<int> s(basis.shells.size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int>(i);
  return s;
}

// Random points 0.3..3 Bohr from the oxygen nucleus, where every function is smooth.
Eigen::MatrixX3d points_near(const Eigen::Vector3d& center, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> r(0.3, 3.0);
  Eigen::MatrixX3d p(n, 3);
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector3d d = Eigen::Vector3d(g(rng), g(rng), g(rng)).normalized();
    p.row(i) = (center + r(rng) * d).transpose();
  }
  return p;
}

TEST(BasisOnGrid, GradientsMatchFiniteDifferences) {
  const Molecule mol = xc_test::water();
  const BasisSet basis = load_basis(mol, "def2-tzvp");  // s, p, d and f functions
  ASSERT_GE(basis.max_l, 3);
  const Eigen::MatrixX3d p = points_near(mol.atoms[0].position, 40, 3);
  BasisValues v;
  xc::evaluate_basis(basis, all_shells(basis), p, true, v);
  const double h = 1e-5;
  for (int k = 0; k < 3; ++k) {
    Eigen::MatrixX3d plus = p, minus = p;
    plus.col(k).array() += h;
    minus.col(k).array() -= h;
    BasisValues vp, vm;
    xc::evaluate_basis(basis, all_shells(basis), plus, false, vp);
    xc::evaluate_basis(basis, all_shells(basis), minus, false, vm);
    const Eigen::MatrixXd fd = (vp.value - vm.value) / (2 * h);
    const Eigen::MatrixXd& analytic = k == 0 ? v.dx : k == 1 ? v.dy : v.dz;
    // central differences: error ~ h^2 f''' / 6, below 1e-7 for these exponents and radii
    EXPECT_LT((fd - analytic).cwiseAbs().maxCoeff(), 1e-7) << "direction " << k;
  }
}

TEST(BasisOnGrid, DFunctionsAreTheStandardRealSolidHarmonics) {
  // hamlet / libint2 order m = -2..2: sqrt(3) xy, sqrt(3) yz, z^2 - (x^2+y^2)/2, sqrt(3) xz,
  // sqrt(3)/2 (x^2 - y^2), all times the same radial factor (equal norms on the sphere).
  const Molecule mol = xc_test::water();
  const BasisSet basis = load_basis(mol, "def2-svp");
  int d_shell = -1;
  for (size_t s = 0; s < basis.shells.size(); ++s)
    if (basis.shells[s].l == 2 && basis.shells[s].exponents.size() == 1) d_shell = static_cast<int>(s);
  ASSERT_GE(d_shell, 0);
  const Shell& sh = basis.shells[d_shell];
  const Eigen::MatrixX3d p = points_near(sh.center, 20, 5);
  BasisValues v;
  xc::evaluate_basis(basis, {d_shell}, p, false, v);
  const double s3 = std::sqrt(3.0);
  for (int i = 0; i < p.rows(); ++i) {
    const Eigen::Vector3d d = p.row(i).transpose() - sh.center;
    const double x = d.x(), y = d.y(), z = d.z();
    const double radial = sh.coefficients[0] * std::exp(-sh.exponents[0] * d.squaredNorm());
    const double poly[5] = {s3 * x * y, s3 * y * z, z * z - 0.5 * (x * x + y * y), s3 * x * z,
                            0.5 * s3 * (x * x - y * y)};
    for (int m = 0; m < 5; ++m) EXPECT_NEAR(v.value(i, m), poly[m] * radial, 1e-13) << "m index " << m;
  }
}

TEST(BasisOnGrid, PFunctionsAreOrderedYZX) {
  const Molecule mol = xc_test::water();
  const BasisSet basis = load_basis(mol, "def2-svp");
  int p_shell = -1;
  for (size_t s = 0; s < basis.shells.size() && p_shell < 0; ++s)
    if (basis.shells[s].l == 1) p_shell = static_cast<int>(s);
  ASSERT_GE(p_shell, 0);
  const Shell& sh = basis.shells[p_shell];
  Eigen::MatrixX3d p(1, 3);
  p.row(0) = (sh.center + Eigen::Vector3d(0.0, 0.0, 0.5)).transpose();  // on the z axis
  BasisValues v;
  xc::evaluate_basis(basis, {p_shell}, p, false, v);
  EXPECT_EQ(v.value(0, 0), 0.0);  // p_y
  EXPECT_GT(std::abs(v.value(0, 1)), 1e-3);  // p_z
  EXPECT_EQ(v.value(0, 2), 0.0);  // p_x
}

TEST(BasisOnGrid, ShellExtentBoundsEveryFunction) {
  const Molecule mol = xc_test::water();
  const BasisSet basis = load_basis(mol, "def2-tzvp");
  const double tol = 1e-10;
  std::mt19937 rng(11);
  std::normal_distribution<double> g(0.0, 1.0);
  for (size_t s = 0; s < basis.shells.size(); ++s) {
    const Shell& sh = basis.shells[s];
    const double R = xc::shell_extent(sh, tol);
    EXPECT_GT(R, 0.0);
    // Slightly beyond the extent every pure function of the shell is below the tolerance
    // (up to its angular factor, at most sqrt(2l+1) for these normalisations).
    Eigen::MatrixX3d p(50, 3);
    for (int i = 0; i < 50; ++i)
      p.row(i) = (sh.center + 1.001 * R * Eigen::Vector3d(g(rng), g(rng), g(rng)).normalized()).transpose();
    BasisValues v;
    xc::evaluate_basis(basis, {static_cast<int>(s)}, p, false, v);
    EXPECT_LT(v.value.cwiseAbs().maxCoeff(), std::sqrt(2.0 * sh.l + 1) * tol) << "shell " << s;
    // ... and not far inside it: the bound is tight for the s functions.
    if (sh.l == 0) {
      p.row(0) = (sh.center + 0.9 * R * Eigen::Vector3d::UnitX()).transpose();
      xc::evaluate_basis(basis, {static_cast<int>(s)}, p.topRows(1), false, v);
      EXPECT_GT(std::abs(v.value(0, 0)), 0.1 * tol) << "shell " << s;
    }
  }
}

}  // namespace
