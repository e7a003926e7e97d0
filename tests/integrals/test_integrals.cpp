#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>

#include "basis/ao_order.hpp"
#include "basis/basis_library.hpp"
#include "integrals/jk.hpp"
#include "integrals/one_body.hpp"
#include "io/npy.hpp"
#include "support/molecules.hpp"
#include "support/psi4_reference.hpp"

using namespace hamlet;

namespace {
Molecule reference_molecule(const std::string& name) {
  for (const auto& m : test::psi4_reference_molecules())
    if (m.name == name) return test::molecule_from_xyz_lines(m.xyz);
  throw std::runtime_error("no reference molecule " + name);
}

}  // namespace

// Psi4 1.3.2 overlap matrices (tests/data/psi4), after permuting to Psi4 AO order. This checks
// normalisation, AO order and the signs of the real solid harmonics at once. Tolerance 1e-8:
// Psi4 converts Angstrom with CODATA 2014 (0.52917721067), hamlet with CODATA 2018, which moves
// overlaps by up to ~4e-10.
TEST(OneBody, OverlapEqualsPsi4) {
  for (std::string name : {"water", "methane"}) {
    auto mol = reference_molecule(name);
    auto basis = load_basis(mol, "def2-svp");
    Eigen::MatrixXd ref = io::read_npy(std::string(HAMLET_TEST_DATA) + "/psi4/" + name + "_overlap_psi4order.npy");
    Eigen::MatrixXd S = to_ao_order(integrals::overlap(basis), basis, AoOrder::psi4);
    EXPECT_LT((S - ref).cwiseAbs().maxCoeff(), 1e-8) << name;
  }
}

TEST(OneBody, BasicIdentities) {
  auto mol = reference_molecule("formaldehyde");
  auto basis = load_basis(mol, "def2-svp");
  auto S = integrals::overlap(basis);
  EXPECT_LT((S.diagonal().array() - 1.0).abs().maxCoeff(), 1e-12);  // unit-normalised AOs
  EXPECT_LT((S - S.transpose()).cwiseAbs().maxCoeff(), 1e-15);
  // Dipole integrals shift with the origin: <r - O'> = <r - O> - (O' - O) S.
  Eigen::Vector3d o1(0.1, -0.2, 0.3), o2(1.0, 0.5, -0.7);
  auto d1 = integrals::dipole(basis, o1), d2 = integrals::dipole(basis, o2);
  for (int k = 0; k < 3; ++k) EXPECT_LT((d2[k] - (d1[k] - (o2 - o1)(k) * S)).cwiseAbs().maxCoeff(), 1e-12);
  // Kinetic energy matrix is positive definite.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(integrals::kinetic(basis));
  EXPECT_GT(es.eigenvalues().minCoeff(), 0.0);
  // Overlap between two basis sets equals the diagonal block of the combined one.
  EXPECT_LT((integrals::overlap(basis, basis) - S).cwiseAbs().maxCoeff(), 1e-14);
}

// The screened, symmetry-folded J/K builder against the plain 4-index contraction.
TEST(TwoBody, ExactJKMatchesNaiveContraction) {
  auto mol = reference_molecule("water");
  auto basis = load_basis(mol, "def2-svp");
  const int n = basis.nbf;
  Eigen::MatrixXd eri = integrals::eri_tensor_reference(basis);
  auto jk = integrals::make_exact_jk(basis);
  std::vector<integrals::FactoredDensity> dens(2);
  for (int d = 0; d < 2; ++d) {
    std::srand(11 + d);
    dens[d].factor = Eigen::MatrixXd::Random(n, 5) * 0.3;
    dens[d].density = dens[d].factor * dens[d].factor.transpose();
  }
  std::vector<Eigen::MatrixXd> J, K;
  jk->compute(dens, true, J, K);
  for (int d = 0; d < 2; ++d) {
    const auto& D = dens[d].density;
    Eigen::MatrixXd Jref(n, n), Kref(n, n);
    for (int m = 0; m < n; ++m)
      for (int v = 0; v < n; ++v) {
        double j = 0, k = 0;
        for (int l = 0; l < n; ++l)
          for (int s = 0; s < n; ++s) {
            j += eri(m * n + v, l * n + s) * D(l, s);
            k += eri(m * n + l, v * n + s) * D(l, s);
          }
        Jref(m, v) = j;
        Kref(m, v) = k;
      }
    EXPECT_LT((J[d] - Jref).cwiseAbs().maxCoeff(), 1e-11);
    EXPECT_LT((K[d] - Kref).cwiseAbs().maxCoeff(), 1e-11);
  }
}

// Density fitting approximates J and K. For this random (unphysical) density the relative errors
// seen are ~1e-4 (J) and ~3e-3 (K); the energies of real SCF densities are checked against Psi4's
// DF in tests/scf.
TEST(TwoBody, DensityFittingCloseToExact) {
  auto mol = reference_molecule("ammonia");
  auto basis = load_basis(mol, "def2-svp");
  auto aux = load_basis(mol, default_jkfit_basis("def2-svp"));
  EXPECT_GT(aux.nbf, 3 * basis.nbf);
  std::vector<integrals::FactoredDensity> dens(1);
  std::srand(5);
  dens[0].factor = Eigen::MatrixXd::Random(basis.nbf, 5) * 0.3;
  dens[0].density = dens[0].factor * dens[0].factor.transpose();
  std::vector<Eigen::MatrixXd> J1, K1, J2, K2;
  integrals::make_exact_jk(basis)->compute(dens, true, J1, K1);
  integrals::make_df_jk(basis, aux)->compute(dens, true, J2, K2);
  EXPECT_LT((J1[0] - J2[0]).norm() / J1[0].norm(), 1e-3);
  EXPECT_LT((K1[0] - K2[0]).norm() / K1[0].norm(), 1e-2);
  // Both are symmetric.
  EXPECT_LT((K2[0] - K2[0].transpose()).cwiseAbs().maxCoeff(), 1e-12);
}

// The fitted Coulomb factors of the DF builder (integrals/jk.hpp, FittedCoulomb) are those of
// its J and K: J[D] = expand(project(D)), K[C C^T] = sum_Q (C^T B^Q)^T (C^T B^Q) from
// transform, and transform(Cl, Cr)^T transform(Cl, Cr) is the fitted (ij|kl) of MO pairs.
// Exact integrals have none. Tolerances: rounding (1e-12 relative).
TEST(TwoBody, FittedCoulombFactorsReproduceDensityFittedJK) {
  auto mol = reference_molecule("ammonia");
  auto basis = load_basis(mol, "def2-svp");
  auto aux = load_basis(mol, default_jkfit_basis("def2-svp"));
  EXPECT_EQ(integrals::make_exact_jk(basis)->fitted_coulomb(), nullptr);
  auto df = integrals::make_df_jk(basis, aux);
  const integrals::FittedCoulomb* fitted = df->fitted_coulomb();
  ASSERT_NE(fitted, nullptr);
  EXPECT_EQ(fitted->naux(), aux.nbf);
  std::vector<integrals::FactoredDensity> dens(1);
  std::srand(9);
  dens[0].factor = Eigen::MatrixXd::Random(basis.nbf, 4) * 0.3;
  dens[0].density = dens[0].factor * dens[0].factor.transpose();
  std::vector<Eigen::MatrixXd> J, K;
  df->compute(dens, true, J, K);
  const Eigen::MatrixXd J_factors = fitted->expand(fitted->project(dens[0].density));
  EXPECT_LT((J_factors - J[0]).cwiseAbs().maxCoeff(), 1e-12 * J[0].cwiseAbs().maxCoeff());
  // Exchange from the transformed factors: K_mn = sum_Q,i (C^T B^Q)_im (C^T B^Q)_in, with
  // Cr = identity giving (C^T B^Q) itself.
  const Eigen::MatrixXd CB = fitted->transform(dens[0].factor, Eigen::MatrixXd::Identity(basis.nbf, basis.nbf));
  ASSERT_EQ(CB.rows(), 4 * basis.nbf);
  Eigen::MatrixXd K_factors = Eigen::MatrixXd::Zero(basis.nbf, basis.nbf);
  for (Eigen::Index q = 0; q < CB.cols(); ++q) {
    const Eigen::Map<const Eigen::MatrixXd> Y(CB.col(q).data(), 4, basis.nbf);
    K_factors += Y.transpose() * Y;
  }
  EXPECT_LT((K_factors - K[0]).cwiseAbs().maxCoeff(), 1e-12 * K[0].cwiseAbs().maxCoeff());
  // Orientation of transform: element (i + l j) is Cl_i^T B^Q Cr_j, checked through J of a
  // rank-one density c c^T: project(c c^T) = transform(c, c).
  const Eigen::MatrixXd c = dens[0].factor.col(1);
  const Eigen::MatrixXd cc = fitted->transform(c, c);
  EXPECT_LT((cc.row(0).transpose() - fitted->project(c * c.transpose())).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::MatrixXd two = fitted->transform(dens[0].factor.leftCols(2), dens[0].factor.rightCols(3));
  const Eigen::MatrixXd ci = dens[0].factor.col(1), cj = dens[0].factor.col(2);  // (i=1, j=1) -> row 1 + 2*1
  const Eigen::VectorXd sym = fitted->project(0.5 * (ci * cj.transpose() + cj * ci.transpose()));
  EXPECT_LT((two.row(3).transpose() - sym).cwiseAbs().maxCoeff(), 1e-12);
}
