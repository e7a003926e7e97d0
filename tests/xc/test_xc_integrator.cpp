#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "basis/basis_library.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "xc/xc_integrator.hpp"
#include "xc_test_systems.hpp"

namespace {
using namespace hamlet;
using xc::Functional;
using xc::XcIntegrator;

const double kCx = 0.75 * std::cbrt(3.0 / M_PI);  // Dirac exchange constant

grid::MolecularGrid level_grid(const Molecule& mol, int level) {
  grid::GridOptions opt;
  opt.level = level;
  return grid::build_molecular_grid(mol, opt);
}

// A closed-shell-like total density with 10 electrons (metric: the grid overlap).
struct WaterCase {
  Molecule mol = xc_test::water();
  BasisSet basis = load_basis(mol, "def2-svp");
  grid::MolecularGrid grid = level_grid(mol, 0);
};

Eigen::MatrixXd occupied_density(const XcIntegrator& xc, int nocc, unsigned seed) {
  const Eigen::MatrixXd C = xc_test::random_orbitals(xc.numerical_overlap(), nocc, seed);
  return C * C.transpose();
}

TEST(XcIntegrator, SlaterExchangeOfAGaussianDensityIsAnalytic) {
  // One normalised s Gaussian chi = (2a/pi)^{3/4} exp(-a r^2) holding n electrons:
  // integral rho^{4/3} = n^{4/3} (2a/pi)^2 (3 pi / (8a))^{3/2}, E_x = -C_x times that, and
  // V = dE/dD = (4/3) E / n.
  const double a = 1.3;
  Molecule h;
  h.atoms = {{1, Eigen::Vector3d(0.2, -0.1, 0.3)}};
  BasisSet basis;
  Shell s;
  s.l = 0;
  s.exponents = {a};
  s.coefficients = {std::pow(2.0 * a / M_PI, 0.75)};
  s.center = h.atoms[0].position;
  s.atom = 0;
  basis.shells = {s};
  basis.shell_offset = {0};
  basis.nbf = 1;
  basis.atom_shell_begin = {0, 1};
  basis.atom_ao_begin = {0, 1};
  xc::XcOptions unscreened;  // the quadrature is under test, not the screening
  unscreened.significance_tolerance = 0.0;
  const XcIntegrator xc(h, basis, level_grid(h, 3), Functional::from_name("lda_x"), unscreened);
  const double moment = std::pow(2.0 * a / M_PI, 2) * std::pow(3.0 * M_PI / (8.0 * a), 1.5);
  for (double n : {2.0, 1.0}) {
    const xc::XcResult r = xc.compute_restricted(Eigen::MatrixXd::Constant(1, 1, n));
    const double exact = -kCx * std::pow(n, 4.0 / 3.0) * moment;
    EXPECT_NEAR(r.energy, exact, 1e-10);
    EXPECT_NEAR(r.V(0, 0), 4.0 / 3.0 * exact / n, 1e-10);
    EXPECT_NEAR(r.electrons, n, 1e-10);
  }
  // One fully spin-polarised electron: E_x = -2^{1/3} C_x integral rho^{4/3}.
  const xc::XcUnrestrictedResult u =
      xc.compute_unrestricted(Eigen::MatrixXd::Ones(1, 1), Eigen::MatrixXd::Zero(1, 1));
  EXPECT_NEAR(u.energy, -std::cbrt(2.0) * kCx * moment, 1e-10);
  EXPECT_NEAR(u.electrons_alpha, 1.0, 1e-10);
  EXPECT_NEAR(u.electrons_beta, 0.0, 1e-14);
}

class XcFunctionals : public ::testing::TestWithParam<const char*> {};

TEST_P(XcFunctionals, PotentialIsTheDerivativeOfTheEnergy) {
  const WaterCase w;
  const XcIntegrator xc(w.mol, w.basis, w.grid, Functional::from_name(GetParam()));
  const Eigen::MatrixXd D = 2.0 * occupied_density(xc, 5, 1);
  const Eigen::MatrixXd dD = xc_test::random_symmetric(w.basis.nbf, 0.01, 2);
  const xc::XcResult r = xc.compute_restricted(D);
  EXPECT_NEAR(r.electrons, 10.0, 1e-9);  // tr(D S_grid) by construction
  const double h = 1e-4;
  const double fd = (xc.compute_restricted(D + h * dD).energy - xc.compute_restricted(D - h * dD).energy) / (2 * h);
  const double analytic = (r.V.array() * dD.array()).sum();
  EXPECT_NEAR(fd, analytic, 1e-7 * std::abs(analytic) + 1e-10) << GetParam();
  EXPECT_LT((r.V - r.V.transpose()).cwiseAbs().maxCoeff(), 1e-14);

  // Open shell: 5 alpha, 4 beta electrons; derivative with respect to each spin density.
  const Eigen::MatrixXd Da = occupied_density(xc, 5, 3), Db = occupied_density(xc, 4, 4);
  const xc::XcUnrestrictedResult u = xc.compute_unrestricted(Da, Db);
  EXPECT_NEAR(u.electrons_alpha, 5.0, 1e-9);
  EXPECT_NEAR(u.electrons_beta, 4.0, 1e-9);
  const double fda = (xc.compute_unrestricted(Da + h * dD, Db).energy -
                      xc.compute_unrestricted(Da - h * dD, Db).energy) / (2 * h);
  const double fdb = (xc.compute_unrestricted(Da, Db + h * dD).energy -
                      xc.compute_unrestricted(Da, Db - h * dD).energy) / (2 * h);
  const double ana_a = (u.Va.array() * dD.array()).sum(), ana_b = (u.Vb.array() * dD.array()).sum();
  EXPECT_NEAR(fda, ana_a, 1e-7 * std::abs(ana_a) + 1e-10) << GetParam();
  EXPECT_NEAR(fdb, ana_b, 1e-7 * std::abs(ana_b) + 1e-10) << GetParam();
}

TEST_P(XcFunctionals, UnrestrictedWithEqualSpinsEqualsRestricted) {
  const WaterCase w;
  const XcIntegrator xc(w.mol, w.basis, w.grid, Functional::from_name(GetParam()));
  const Eigen::MatrixXd D = 2.0 * occupied_density(xc, 5, 7);
  const xc::XcResult r = xc.compute_restricted(D);
  const xc::XcUnrestrictedResult u = xc.compute_unrestricted(0.5 * D, 0.5 * D);
  EXPECT_NEAR(u.energy, r.energy, 1e-10 * std::abs(r.energy));
  EXPECT_LT((u.Va - r.V).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT((u.Vb - r.V).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_NEAR(u.electrons_alpha + u.electrons_beta, r.electrons, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Named, XcFunctionals,
                         ::testing::Values("svwn", "pbe", "blyp", "b3lyp", "pbe0"));

TEST(XcIntegrator, ThreadCountDoesNotChangeResults) {
  const WaterCase w;
  const XcIntegrator xc(w.mol, w.basis, w.grid, Functional::from_name("b3lyp"));
  const Eigen::MatrixXd D = 2.0 * occupied_density(xc, 5, 9);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const xc::XcResult one = xc.compute_restricted(D);
  omp_set_num_threads(2);
  const xc::XcResult two = xc.compute_restricted(D);
  omp_set_num_threads(saved);
  EXPECT_EQ(one.energy, two.energy);  // per-batch sums are added in batch order
  EXPECT_LT((one.V - two.V).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(XcIntegrator, ScreeningKeepsFewerFunctionsThanTheBasisAndChangesNothing) {
  // Planar ethylene: batches lying in the molecular plane see p functions
  // that vanish there while their gradients do not, a case the screening must keep.
  Molecule ethylene;
  const double s = units::kAngstromToBohr;
  ethylene.atoms = {{6, Eigen::Vector3d(0.0, 0.0, 0.6695) * s},  {6, Eigen::Vector3d(0.0, 0.0, -0.6695) * s},
                    {1, Eigen::Vector3d(0.0, 0.9289, 1.2321) * s}, {1, Eigen::Vector3d(0.0, -0.9289, 1.2321) * s},
                    {1, Eigen::Vector3d(0.0, 0.9289, -1.2321) * s}, {1, Eigen::Vector3d(0.0, -0.9289, -1.2321) * s}};
  const BasisSet basis = load_basis(ethylene, "def2-svp");
  grid::GridOptions opt;
  opt.level = 1;
  opt.max_batch_points = 8;  // small batches: many lie entirely in the plane
  const grid::MolecularGrid g = grid::build_molecular_grid(ethylene, opt);
  xc::XcOptions loose;
  loose.basis_tolerance = 1e-30;  // effectively no screening
  loose.significance_tolerance = 0.0;
  const Functional b3lyp = Functional::from_name("b3lyp");
  const XcIntegrator screened(ethylene, basis, g, b3lyp);
  const XcIntegrator all(ethylene, basis, g, b3lyp, loose);
  EXPECT_LT(screened.mean_functions_per_batch(), all.mean_functions_per_batch());
  const Eigen::MatrixXd D = 2.0 * occupied_density(all, 8, 13);
  const xc::XcResult a = screened.compute_restricted(D), b = all.compute_restricted(D);
  // Default significance tolerance 1e-11 with 8-point batches (the worst case): observed
  // |dE| 2.4e-10 Eh, max |dV| 4.5e-10 Eh (1e-12: both < 1e-10); dropping the in-plane p
  // functions would cost ~1e-3.
  EXPECT_NEAR(a.energy, b.energy, 1e-9);
  EXPECT_LT((a.V - b.V).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(XcIntegrator, FirstAndLaterPassesGiveTheSameResults) {
  // The first pass evaluates every reaching shell and selects the significant functions; later
  // passes evaluate only those. Each function's values depend only on its shell and the
  // points, so both agree exactly.
  const WaterCase w;
  const Functional pbe = Functional::from_name("pbe");
  const XcIntegrator xc(w.mol, w.basis, w.grid, pbe);
  const XcIntegrator reference(w.mol, w.basis, w.grid, pbe);
  const Eigen::MatrixXd D = 2.0 * occupied_density(reference, 5, 21);
  const xc::XcResult expected = reference.compute_restricted(D);
  for (int pass = 0; pass < 2; ++pass) {
    const xc::XcResult r = xc.compute_restricted(D);
    EXPECT_EQ(r.energy, expected.energy) << pass;
    EXPECT_EQ((r.V - expected.V).cwiseAbs().maxCoeff(), 0.0) << pass;
    const xc::XcUnrestrictedResult u = xc.compute_unrestricted(0.5 * D, 0.5 * D);
    EXPECT_NEAR(u.energy, expected.energy, 1e-12) << pass;
  }
}

TEST(XcIntegrator, LowRankDensityShortcutMatchesTheFullProduct) {
  // 5 occupied orbitals in 24 functions: D is used as U diag(lambda) U^T. A 1e-12 full-rank
  // perturbation forces the plain chi D product; results must agree to that level.
  const WaterCase w;
  const XcIntegrator xc(w.mol, w.basis, w.grid, Functional::from_name("pbe"));
  const Eigen::MatrixXd D = 2.0 * occupied_density(xc, 5, 17);
  const Eigen::MatrixXd full_rank = D + xc_test::random_symmetric(w.basis.nbf, 1e-12, 18) +
                                    1e-12 * Eigen::MatrixXd::Identity(w.basis.nbf, w.basis.nbf);
  const xc::XcResult a = xc.compute_restricted(D), b = xc.compute_restricted(full_rank);
  EXPECT_NEAR(a.energy, b.energy, 1e-10);
  EXPECT_LT((a.V - b.V).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_NEAR(a.electrons, b.electrons, 1e-10);
}

TEST(XcIntegrator, RejectsMismatchedInputs) {
  const WaterCase w;
  EXPECT_THROW(XcIntegrator(w.mol, w.basis, w.grid, Functional::from_name("hf")), Error);
  Molecule moved = w.mol;
  moved.atoms[1].position.x() += 0.1;
  EXPECT_THROW(XcIntegrator(moved, w.basis, w.grid, Functional::from_name("pbe")), Error);
  const XcIntegrator xc(w.mol, w.basis, w.grid, Functional::from_name("pbe"));
  EXPECT_THROW(xc.compute_restricted(Eigen::MatrixXd::Zero(3, 3)), Error);
}

}  // namespace
