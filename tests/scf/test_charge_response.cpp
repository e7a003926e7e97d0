// The response corrections of the SCF step, atomic charges (scf/charge_response.hpp) and
// fitted Coulomb (scf/coulomb_response.hpp): the change each predicts is what the corrected
// Roothaan step does (to first order), screened (the Coulomb energy of the step's change falls),
// zero at self-consistency, the same restricted and unrestricted for a closed shell, and an SCF
// with either ends at the same energy as one without.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <memory>

#include "basis/basis_library.hpp"
#include "integrals/jk.hpp"
#include "integrals/one_body.hpp"
#include "scf/charge_response.hpp"
#include "scf/coulomb_response.hpp"
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

Converged converged_formamide(bool density_fitting) {
  Converged out;
  out.molecule = test::molecule_from_xyz_lines(kFormamide);
  scf::ScfSettings s;
  s.density_fitting = density_fitting;
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
}

const Converged& formamide_rhf() {
  static const Converged c = converged_formamide(false);
  return c;
}

// Density-fitted RHF with its fitted Coulomb factors.
struct ConvergedFitted {
  Converged scf;
  std::unique_ptr<integrals::JKBuilder> jk;
  const integrals::FittedCoulomb& fitted() const { return *jk->fitted_coulomb(); }
};

const ConvergedFitted& formamide_df_rhf() {
  static const ConvergedFitted c = [] {
    ConvergedFitted out{converged_formamide(true), nullptr};
    out.jk = integrals::make_df_jk(out.scf.basis, load_basis(out.scf.molecule, default_jkfit_basis("def2-svp")));
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
  scf::ScfSettings atomic = on;  // the atomic-charge model despite density fitting
  atomic.convergence.fitted_coulomb_response = false;
  const auto a = scf::run_scf(formamide, on).result, b = scf::run_scf(formamide, off).result;
  const auto c = scf::run_scf(formamide, atomic).result;
  ASSERT_TRUE(a.converged);
  ASSERT_TRUE(b.converged);
  ASSERT_TRUE(c.converged);
  EXPECT_NEAR(a.energy, b.energy, 1e-9);
  EXPECT_NEAR(c.energy, b.energy, 1e-9);
  const auto largest_difference = [](const scf::ScfResult& x, const scf::ScfResult& y) {
    double d = 0.0;
    for (size_t i = 0; i < std::min(x.history.size(), y.history.size()); ++i)
      d = std::max(d, std::abs(x.history[i].energy - y.history[i].energy));
    return d;
  };
  EXPECT_GT(largest_difference(a, b), 1e-8);
  EXPECT_GT(largest_difference(a, c), 1e-8);
}

TEST(CoulombResponse, PredictsTheCorrectedStepAndScreensIt) {
  const auto& c = formamide_df_rhf();
  const auto& r = c.scf;
  scf::CoulombResponseCorrection correction(c.fitted());
  const Eigen::MatrixXd F = r.F + 1e-4 * symmetric_perturbation(static_cast<int>(r.F.rows()), 7);
  const Eigen::VectorXd u_plain = c.fitted().project(2.0 * (roothaan_density(F, r.X, r.nocc) - r.D));

  std::vector<Eigen::MatrixXd> Fx = {F};
  const Eigen::VectorXd u_model = correction.apply(Fx, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  const Eigen::VectorXd u_step = c.fitted().project(2.0 * (roothaan_density(Fx[0], r.X, r.nocc) - r.D));
  // The added potential is the fitted Coulomb potential of the predicted change.
  EXPECT_LT((Fx[0] - F - c.fitted().expand(u_model)).cwiseAbs().maxCoeff(), 1e-14);
  // First order: the error is second order in a 1e-4 perturbation.
  ASSERT_GT(u_plain.norm(), 1e-6);
  EXPECT_LT((u_step - u_model).norm(), 1e-3 * u_model.norm());
  EXPECT_EQ(correction.builds(), 1);
  // Screening: |u|^2 is the Coulomb energy of the fitted change in the orthonormalised
  // auxiliary basis, and the model's is smaller than the plain step's (guaranteed: the
  // screening is (1 - chi0 J)^-1 with chi0 J negative semidefinite there).
  EXPECT_LT(u_model.squaredNorm(), 0.9 * u_plain.squaredNorm());
}

// Built once, from the first call's orbitals, and kept: a later step with other orbitals is
// shaped by the same model, so its first-order prediction is no longer exact but still screens.
TEST(CoulombResponse, KeepsTheFirstModel) {
  const auto& c = formamide_df_rhf();
  const auto& r = c.scf;
  scf::CoulombResponseCorrection correction(c.fitted());
  std::vector<Eigen::MatrixXd> first = {r.F + 3e-3 * symmetric_perturbation(static_cast<int>(r.F.rows()), 3)};
  correction.apply(first, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  const Eigen::MatrixXd F = r.F + 1e-4 * symmetric_perturbation(static_cast<int>(r.F.rows()), 7);
  std::vector<Eigen::MatrixXd> Fx = {F};
  const Eigen::VectorXd u_kept = correction.apply(Fx, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  EXPECT_EQ(correction.builds(), 1);
  scf::CoulombResponseCorrection fresh(c.fitted());
  std::vector<Eigen::MatrixXd> Fy = {F};
  const Eigen::VectorXd u_fresh = fresh.apply(Fy, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  const Eigen::VectorXd u_plain = c.fitted().project(2.0 * (roothaan_density(F, r.X, r.nocc) - r.D));
  // A different model, from orbitals 3e-3 Eh away (seen: 4.2e-3 relative), screening as much
  // (seen: |u|^2 0.47 of the plain step's).
  EXPECT_GT((u_kept - u_fresh).norm(), 1e-3 * u_fresh.norm());
  EXPECT_LT((u_kept - u_fresh).norm(), 0.05 * u_fresh.norm());
  EXPECT_LT(u_kept.squaredNorm(), 0.9 * u_plain.squaredNorm());
}

// Building the model in blocks of virtual orbitals (one at a time here) changes only rounding.
TEST(CoulombResponse, BlocksOfVirtualsGiveTheSameModel) {
  const auto& c = formamide_df_rhf();
  const auto& r = c.scf;
  scf::CoulombResponseCorrection whole(c.fitted()), blocked(c.fitted(), 1);
  const Eigen::MatrixXd F = r.F + 1e-4 * symmetric_perturbation(static_cast<int>(r.F.rows()), 5);
  std::vector<Eigen::MatrixXd> Fw = {F}, Fb = {F};
  const Eigen::VectorXd u_whole = whole.apply(Fw, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  const Eigen::VectorXd u_blocked = blocked.apply(Fb, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  ASSERT_GT(u_whole.norm(), 1e-8);
  EXPECT_LT((u_whole - u_blocked).norm(), 1e-10 * u_whole.norm());
}

TEST(CoulombResponse, NothingChangesAtSelfConsistency) {
  const auto& c = formamide_df_rhf();
  const auto& r = c.scf;
  scf::CoulombResponseCorrection correction(c.fitted());
  std::vector<Eigen::MatrixXd> Fx = {r.F};
  const Eigen::VectorXd u = correction.apply(Fx, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  EXPECT_LT(u.cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_LT((Fx[0] - r.F).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(CoulombResponse, UnrestrictedEqualsRestrictedForClosedShell) {
  const auto& c = formamide_df_rhf();
  const auto& r = c.scf;
  scf::CoulombResponseCorrection for_restricted(c.fitted()), for_unrestricted(c.fitted());
  const Eigen::MatrixXd F = r.F + 1e-3 * symmetric_perturbation(static_cast<int>(r.F.rows()), 11);
  std::vector<Eigen::MatrixXd> restricted = {F}, unrestricted = {F, F};
  const Eigen::VectorXd u_r = for_restricted.apply(restricted, {r.D}, r.X, {r.nocc, r.nocc}, 2.0);
  const Eigen::VectorXd u_u = for_unrestricted.apply(unrestricted, {r.D, r.D}, r.X, {r.nocc, r.nocc}, 1.0);
  // The same model summed in a different order: rounding.
  EXPECT_LT((u_r - u_u).norm(), 1e-10 * u_r.norm());
  EXPECT_LT((restricted[0] - unrestricted[0]).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((unrestricted[0] - unrestricted[1]).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_GT((restricted[0] - F).cwiseAbs().maxCoeff(), 1e-6);
}
