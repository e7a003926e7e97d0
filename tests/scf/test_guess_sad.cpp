// The SAD initial guess: atomic densities (closed-shell atom = its RHF density; open-shell atom
// spherical with Z electrons), the assembled block-diagonal factored density, and SCFs started
// from it reaching the Psi4 1.3.2 energies (tests/support/psi4_reference.hpp).
#include <gtest/gtest.h>

#include "basis/basis_library.hpp"
#include "integrals/one_body.hpp"
#include "scf/driver.hpp"
#include "scf/guess_sad.hpp"
#include "support/molecules.hpp"
#include "support/psi4_reference.hpp"

using namespace hamlet;

namespace {
const test::ReferenceMolecule& reference(const std::string& name) {
  for (const auto& m : test::psi4_reference_molecules())
    if (m.name == name) return m;
  throw std::runtime_error(name);
}
}  // namespace

// For a closed-shell atom the spherically averaged fractional-occupation RHF is plain RHF:
// the SAD block must equal the density of hamlet's own converged RHF (checked against Psi4
// elsewhere) to the convergence level.
TEST(SadGuess, ClosedShellAtomIsItsRhfDensity) {
  const Molecule ne = test::molecule_from_xyz_lines("Ne 0 0 0");
  const BasisSet basis = make_basis(ne, basis_library("def2-svp"));
  const auto sad = scf::atomic_density(ne, basis, 0);
  scf::ScfSettings s;
  s.guess = "core";
  s.convergence.commutator_tolerance = 1e-10;
  const auto run = scf::run_scf(ne, s);
  ASSERT_TRUE(run.result.converged);
  EXPECT_LT((sad.density - run.result.total_density()).cwiseAbs().maxCoeff(), 1e-6);
}

// Carbon (2p^2): 6 electrons, and every p-p block of the density is a multiple of the identity
// (spherical: the two p electrons spread evenly over the three p orbitals).
TEST(SadGuess, OpenShellAtomIsSphericalWithZElectrons) {
  const Molecule c = test::molecule_from_xyz_lines("C 0.3 -0.2 0.1");
  const BasisSet basis = make_basis(c, basis_library("def2-svp"));
  const auto sad = scf::atomic_density(c, basis, 0);
  const Eigen::MatrixXd S = integrals::overlap(basis);
  EXPECT_NEAR(sad.density.cwiseProduct(S).sum(), 6.0, 1e-10);
  EXPECT_LT((sad.factor * sad.factor.transpose() - sad.density).cwiseAbs().maxCoeff(), 1e-12);
  int p_blocks = 0;
  for (size_t i = 0; i < basis.shells.size(); ++i)
    for (size_t j = 0; j < basis.shells.size(); ++j) {
      if (basis.shells[i].l != 1 || basis.shells[j].l != 1) continue;
      const Eigen::Matrix3d block = sad.density.block<3, 3>(basis.shell_offset[i], basis.shell_offset[j]);
      const double mean = block.trace() / 3.0;
      EXPECT_LT((block - mean * Eigen::Matrix3d::Identity()).cwiseAbs().maxCoeff(), 1e-8);
      ++p_blocks;
    }
  EXPECT_EQ(p_blocks, 4);  // def2-SVP carbon: two p shells
}

TEST(SadGuess, MoleculeDensityIsBlockDiagonalWithAllElectrons) {
  const Molecule mol = test::molecule_from_xyz_lines(reference("ethanol").xyz);
  const BasisSet basis = make_basis(mol, basis_library("def2-svp"));
  const auto sad = scf::sad_density(mol, basis);
  const Eigen::MatrixXd S = integrals::overlap(basis);
  EXPECT_NEAR(sad.density.cwiseProduct(S).sum(), 26.0, 1e-9);
  EXPECT_LT((sad.factor * sad.factor.transpose() - sad.density).cwiseAbs().maxCoeff(), 1e-12);
  for (int a = 0; a < mol.natoms(); ++a)
    for (int b = 0; b < mol.natoms(); ++b) {
      if (a == b) continue;
      const int ra = basis.atom_ao_begin[a], na = basis.atom_ao_begin[a + 1] - ra;
      const int rb = basis.atom_ao_begin[b], nb = basis.atom_ao_begin[b + 1] - rb;
      EXPECT_EQ(sad.density.block(ra, rb, na, nb).cwiseAbs().maxCoeff(), 0.0);
    }
}

// SCFs from the SAD guess converge to Psi4's energies: water HF with exact integrals (1e-8 Eh,
// as in test_hf_psi4), water DF-B3LYP at the default grid (level 2 = Psi4's 75 x 302; 1e-6 Eh,
// the matched-grid bound of test_b3lyp_psi4), ethanol DF-HF (1e-6 Eh, the DF bound);
// and a cation (charge +1, doublet: the SAD density is scaled to 5 alpha / 4 beta electrons).
TEST(SadGuess, ScfFromSadReachesPsi4Energies) {
  const auto& water = reference("water");
  const Molecule w = test::molecule_from_xyz_lines(water.xyz);
  scf::ScfSettings s;
  s.guess = "sad";
  auto run = scf::run_scf(w, s);
  ASSERT_TRUE(run.result.converged);
  EXPECT_NEAR(run.result.energy, water.hf_exact.energy, 1e-8);

  s.method = "b3lyp";
  s.density_fitting = true;
  run = scf::run_scf(w, s);
  ASSERT_TRUE(run.result.converged);
  EXPECT_NEAR(run.result.energy, water.b3lyp_df.energy, 1e-6);

  const auto& ethanol = reference("ethanol");
  s.method = "hf";
  run = scf::run_scf(test::molecule_from_xyz_lines(ethanol.xyz), s);
  ASSERT_TRUE(run.result.converged);
  EXPECT_NEAR(run.result.energy, ethanol.hf_df.energy, 1e-6);

  s.density_fitting = false;
  run = scf::run_scf(test::molecule_from_xyz_lines(water.xyz, 1, 2), s);
  ASSERT_TRUE(run.result.converged);
  EXPECT_EQ(run.result.nalpha, 5);
  EXPECT_EQ(run.result.nbeta, 4);
}
