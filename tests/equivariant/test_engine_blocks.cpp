// The block algebra on real AO blocks from the SCF engine: for a molecule rotated by R (and
// inverted), the converged Fock matrix of the new geometry equals D(R) F D(R)^T block by block,
// with D the Wigner-D matrices of the harmonics (wigner_D), and the coupled irreps of every atom
// pair transform with irreps_D. The floor is SCF convergence (commutator 1e-10), not the algebra:
// tolerance 1e-8 Eh on matrix elements.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "equivariant/block_algebra.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/testing.hpp"
#include "basis/basis_library.hpp"
#include "scf/driver.hpp"
#include "support/ao_rotation.hpp"
#include "support/molecules.hpp"
#include "support/scf_check.hpp"

using namespace hamlet;
namespace eq = hamlet::equivariant;

namespace {

torch::Tensor to_torch(const Eigen::MatrixXd& m) {
  auto t = torch::empty({m.rows(), m.cols()}, torch::kFloat64);
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) t[i][j] = m(i, j);
  return t;
}

Eigen::MatrixXd converged_fock(const Molecule& mol, const std::string& method) {
  scf::ScfSettings s;
  s.method = method;
  s.grid_level = 1;
  s.convergence.energy_tolerance = 1e-12;
  s.convergence.commutator_tolerance = 1e-10;
  auto run = scf::run_scf(mol, s);
  EXPECT_TRUE(run.result.converged);
  return run.result.fock[0];
}

std::vector<int> shell_ls(const BasisSet& basis, int atom) {
  std::vector<int> ls;
  for (int s = basis.atom_shell_begin[atom]; s < basis.atom_shell_begin[atom + 1]; ++s)
    ls.push_back(basis.shells[s].l);
  return ls;
}

void check_molecule(const std::string& name, const std::string& method, bool inversion) {
  const Molecule mol = test::molecule_from_xyz_lines(test::reference_molecule(name).xyz);
  const torch::Tensor R = eq::testing::random_rotation(1, torch::kFloat64, 11)[0];
  Eigen::Matrix3d Re;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) Re(i, j) = R[i][j].item<double>();
  const Eigen::Matrix3d op = inversion ? Eigen::Matrix3d(-Re) : Re;
  const Molecule moved = test::transformed(mol, op, Eigen::Vector3d(0.3, -0.2, 0.5));

  const BasisSet basis = load_basis(mol, "def2-svp");
  const Eigen::MatrixXd F = converged_fock(mol, method);
  const Eigen::MatrixXd F_moved = converged_fock(moved, method);
  const Eigen::MatrixXd D = test::ao_representation(basis, R, inversion);

  // Whole matrix, i.e. every shell-pair block at once.
  EXPECT_LT((D * F * D.transpose() - F_moved).cwiseAbs().maxCoeff(), 1e-8) << name;

  // Atom pair by atom pair through the coupled irreps.
  double worst = 0.0;
  for (int a = 0; a < mol.natoms(); ++a)
    for (int b = 0; b < mol.natoms(); ++b) {
      const auto layout = a == b ? eq::onsite_layout(shell_ls(basis, a))
                                 : eq::offsite_layout(shell_ls(basis, a), shell_ls(basis, b));
      const int oa = basis.atom_ao_begin[a], ob = basis.atom_ao_begin[b];
      const auto block = [&](const Eigen::MatrixXd& M) {
        return to_torch(M.block(oa, ob, layout.nao1, layout.nao2)).unsqueeze(0);
      };
      const auto coupled = eq::atom_pair_to_irreps(block(F), layout)[0];
      const auto coupled_moved = eq::atom_pair_to_irreps(block(F_moved), layout)[0];
      const auto rep = eq::irreps_D(layout.irreps, R, inversion);
      worst = std::max(worst, (torch::mv(rep, coupled) - coupled_moved).abs().max().item<double>());
    }
  EXPECT_LT(worst, 1e-8) << name;
}

}  // namespace

TEST(EngineBlocks, RotatedWaterHfFockIsDFDt) { check_molecule("water", "hf", false); }
TEST(EngineBlocks, RotatedInvertedAmmoniaHfFockIsDFDt) { check_molecule("ammonia", "hf", true); }
// The DFT grid follows the molecule (standard orientation), so Kohn-Sham matrices are equivariant
// too, at the level of the SCF convergence.
TEST(EngineBlocks, RotatedFormaldehydeB3lypFockIsDFDt) { check_molecule("formaldehyde", "b3lyp", false); }
