// The charge-response correction of the SCF step (scf/charge_response.hpp): its predicted
// population change is what the corrected Roothaan step does (to first order), it conserves
// charge and lowers the Coulomb energy of the step's charge change, it is zero at
// self-consistency, unrestricted equals restricted for a closed shell, and an SCF with it ends
// at the same energy as one without.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "basis/basis_library.hpp"
#include "integrals/one_body.hpp"
#include "scf/charge_response.hpp"
#include "scf/driver.hpp"
#include "support/molecules.hpp"

using namespace hamlet;

namespace {

// Formamide: polar, with charge transfer between C, N, O and H.
const char* kFormamide =
    "C 0.000 0.419 0.000\nO 1.181 0.672 0.000\nN -0.431 -0.876 0.000\n"
    "H -0.733 1.240 0.000\nH -1.412 -1.107 0.000\nH 0.240 -1.628 0.000";

struct Converged {
  Molecule molecule;
  BasisSet basis;
  Eigen::MatrixXd S, X, F, D;  // X: S^-1/2; F, D: converged RHF Fock and per-spin density
  int nocc = 0;
};

const Converged& formamide_rhf() {
  static const Converged c = [] {
    Converged out;
    out.molecule = test::molecule_from_xyz_lines(kFormamide);
    scf::ScfSettings s;
    s.convergence.commutator_tolerance = 1e-9;
    const auto run = scf::run_scf(out.molecule, s);
    EXPECT_TRUE(run.result.converged);
    out.basis = run.basis;
    out.S = run.S;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(out.S);
    out.X = es.eigenvectors() * es.eigenvalues().cwiseInverse().cwiseSqrt().asDiagonal() *
            es.eigenvectors().transpose();
    out.F = run.result.fock[0];
    out.D = run.result.density[0];
    out.nocc = run.result.nalpha;
    return out;
  }();
  return c;
}

// The density of the Roothaan step: lowest nocc orbitals of F.
Eigen::MatrixXd roothaan_density(const Eigen::MatrixXd& F, const Eigen::MatrixXd& X, int nocc) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(X.transpose() * F * X);
  const Eigen::MatrixXd C = X * es.eigenvectors().leftCols(nocc);
  return C * C.transpose();
}

Eigen::MatrixXd symmetric_perturbation(int n, unsigned seed) {
  std::srand(seed);
  const Eigen::MatrixXd R = Eigen::MatrixXd::Random(n, n);
  return 0.5 * (R + R.transpose());
}

}  // namespace

TEST(ChargeResponse, PredictsTheCorrectedStepAndScreensIt) {
  const auto& c = formamide_rhf();
  const scf::ChargeResponseCorrection correction(c.molecule, c.basis, c.S);
  // A Fock matrix 1e-4 Eh off the converged one, the density still the converged one: the
  // situation of a late SCF iteration.
  const Eigen::MatrixXd F = c.F + 1e-4 * symmetric_perturbation(static_cast<int>(c.F.rows()), 7);
  const Eigen::VectorXd n_start = 2.0 * correction.populations(c.D);
  const Eigen::VectorXd dn_plain = 2.0 * correction.populations(roothaan_density(F, c.X, c.nocc)) - n_start;

  std::vector<Eigen::MatrixXd> Fx = {F};
  const Eigen::VectorXd dn_model = correction.apply(Fx, {c.D}, c.X, {c.nocc, c.nocc}, 2.0);
  const Eigen::VectorXd dn_step = 2.0 * correction.populations(roothaan_density(Fx[0], c.X, c.nocc)) - n_start;

  // First order: the error is second order in a 1e-4 perturbation (seen: 1e-5 relative).
  ASSERT_GT(dn_plain.norm(), 1e-6);
  EXPECT_LT((dn_step - dn_model).norm(), 1e-3 * dn_model.norm());
  // Electrons move between atoms, none appear.
  EXPECT_NEAR(dn_model.sum(), 0.0, 1e-10);
  EXPECT_NEAR(dn_plain.sum(), 0.0, 1e-10);
  // Screening: the Coulomb energy dn^T gamma dn of the charge moved falls (guaranteed: in the
  // gamma^1/2 metric the screening is (1 - M)^-1 with M negative semidefinite).
  const Eigen::MatrixXd& gamma = correction.gamma();
  EXPECT_LT(dn_model.dot(gamma * dn_model), 0.9 * dn_plain.dot(gamma * dn_plain));
}

TEST(ChargeResponse, NothingChangesAtSelfConsistency) {
  const auto& c = formamide_rhf();
  const scf::ChargeResponseCorrection correction(c.molecule, c.basis, c.S);
  std::vector<Eigen::MatrixXd> Fx = {c.F};
  const Eigen::VectorXd dn = correction.apply(Fx, {c.D}, c.X, {c.nocc, c.nocc}, 2.0);
  // The converged density is the Roothaan step of the converged F to the SCF's tolerance.
  EXPECT_LT(dn.cwiseAbs().maxCoeff(), 1e-8);  // seen: 9e-10
  EXPECT_LT((Fx[0] - c.F).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(ChargeResponse, UnrestrictedEqualsRestrictedForClosedShell) {
  const auto& c = formamide_rhf();
  const scf::ChargeResponseCorrection correction(c.molecule, c.basis, c.S);
  const Eigen::MatrixXd F = c.F + 1e-3 * symmetric_perturbation(static_cast<int>(c.F.rows()), 11);
  std::vector<Eigen::MatrixXd> restricted = {F}, unrestricted = {F, F};
  const Eigen::VectorXd dn_r = correction.apply(restricted, {c.D}, c.X, {c.nocc, c.nocc}, 2.0);
  const Eigen::VectorXd dn_u = correction.apply(unrestricted, {c.D, c.D}, c.X, {c.nocc, c.nocc}, 1.0);
  EXPECT_LT((dn_r - dn_u).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((restricted[0] - unrestricted[0]).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((restricted[0] - unrestricted[1]).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_GT((restricted[0] - F).cwiseAbs().maxCoeff(), 1e-6);  // and it did something
}

// The correction only shapes the steps: the same converged energy (B3LYP with the default start
// grid: every part of the loop), by a different path.
TEST(ChargeResponse, ScfEndsAtTheSameEnergy) {
  const Molecule formamide = test::molecule_from_xyz_lines(kFormamide);
  scf::ScfSettings on;
  on.method = "b3lyp";
  on.density_fitting = true;
  on.grid_level = 1;
  on.guess = "sad";
  on.convergence.commutator_tolerance = 1e-8;
  on.convergence.energy_tolerance = 1e-10;
  scf::ScfSettings off = on;
  off.convergence.charge_response_below = 0.0;
  const auto a = scf::run_scf(formamide, on).result, b = scf::run_scf(formamide, off).result;
  ASSERT_TRUE(a.converged);
  ASSERT_TRUE(b.converged);
  EXPECT_NEAR(a.energy, b.energy, 1e-9);
  double largest_difference = 0.0;
  for (size_t i = 0; i < std::min(a.history.size(), b.history.size()); ++i)
    largest_difference = std::max(largest_difference, std::abs(a.history[i].energy - b.history[i].energy));
  EXPECT_GT(largest_difference, 1e-8);
}
