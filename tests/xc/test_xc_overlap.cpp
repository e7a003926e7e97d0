// Grid values of the basis functions against libint2's analytic integrals: the numerical
// overlap reproduces S, which checks normalisation, angular convention (order and signs of
// the real solid harmonics up to f) and the grid together.
#include <gtest/gtest.h>

#include "basis/basis_library.hpp"
#include "integrals/one_body.hpp"
#include "xc/xc_integrator.hpp"
#include "xc_test_systems.hpp"

namespace {
using namespace hamlet;

grid::MolecularGrid level_grid(const Molecule& mol, int level) {
  grid::GridOptions opt;
  opt.level = level;
  return grid::build_molecular_grid(mol, opt);
}

TEST(XcOverlap, NumericalOverlapMatchesLibint) {
  const Molecule mol = xc_test::water();
  const xc::Functional svwn = xc::Functional::from_name("svwn");
  // Observed max |S_grid - S| (def2-SVP / def2-TZVP): level 0 4.4e-4 / 9.6e-4, level 3
  // 2.1e-8 / 4.0e-8, level 4 1.9e-10 / 7.0e-10.
  for (const char* name : {"def2-svp", "def2-tzvp"}) {
    const BasisSet basis = load_basis(mol, name);
    const Eigen::MatrixXd S = integrals::overlap(basis);
    const xc::XcIntegrator fine(mol, basis, level_grid(mol, 3), svwn);
    EXPECT_LT((fine.numerical_overlap() - S).cwiseAbs().maxCoeff(), 1e-6) << name;
    const xc::XcIntegrator finest(mol, basis, level_grid(mol, 4), svwn);
    EXPECT_LT((finest.numerical_overlap() - S).cwiseAbs().maxCoeff(), 5e-9) << name;
    const xc::XcIntegrator coarse(mol, basis, level_grid(mol, 0), svwn);
    EXPECT_LT((coarse.numerical_overlap() - S).cwiseAbs().maxCoeff(), 2e-3) << name;
  }
}

TEST(XcOverlap, ElectronCountOfAnOrthonormalOccupationOnTheDefaultGrid) {
  const Molecule mol = xc_test::water();
  const BasisSet basis = load_basis(mol, "def2-svp");
  const Eigen::MatrixXd S = integrals::overlap(basis);
  const Eigen::MatrixXd C = xc_test::random_orbitals(S, 5, 21);
  const xc::XcIntegrator xc(mol, basis, level_grid(mol, grid::kDefaultGridLevel),
                            xc::Functional::from_name("b3lyp"));
  const xc::XcResult r = xc.compute_restricted(2.0 * C * C.transpose());
  // Observed error 2.0e-7 (level 0: 2.1e-4, level 3: 1.8e-8).
  EXPECT_NEAR(r.electrons, 10.0, 1e-6);
}

}  // namespace
