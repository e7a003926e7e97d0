#include "scf/coulomb_response.hpp"

#include <algorithm>
#include <cmath>

#include "core/blas.hpp"
#include "core/error.hpp"
#include "scf/scf.hpp"

namespace hamlet::scf {
namespace {

// Excitation energies below this (Eh) count as this (as in the charge response): a degenerate
// HOMO/LUMO pair would otherwise divide by zero.
constexpr double kSmallestExcitation = 1e-3;

}  // namespace

void CoulombResponseCorrection::build(const std::vector<Eigen::MatrixXd>& Fx, const Eigen::MatrixXd& X,
                                      const std::array<int, 2>& nocc, double spin_weight) {
  // chi0 in the auxiliary space is -2 sw sum_s W_s^T W_s, W_s holding B^Q_ia / sqrt(e_a - e_i)
  // in column Q; the matrix 1 + 2 sw sum_s W_s^T W_s is symmetric with eigenvalues >= 1.
  const Eigen::Index naux = coulomb_.naux();
  Eigen::MatrixXd M = Eigen::MatrixXd::Identity(naux, naux);
  for (size_t s = 0; s < Fx.size(); ++s) {
    const Orbitals o = diagonalize(Fx[s], X);
    const int nocc_s = nocc[s], nvirt = static_cast<int>(o.coefficients.cols()) - nocc_s;
    if (nocc_s == 0 || nvirt == 0) continue;
    // In blocks of virtual orbitals.
    const Eigen::Index per_virtual = static_cast<Eigen::Index>(nocc_s) * naux * static_cast<Eigen::Index>(sizeof(double));
    const int block = static_cast<int>(std::clamp<Eigen::Index>(block_bytes_ / per_virtual, 1, nvirt));
    for (int a0 = 0; a0 < nvirt; a0 += block) {
      const int nb = std::min(block, nvirt - a0);
      Eigen::MatrixXd W = coulomb_.transform(o.coefficients.leftCols(nocc_s), o.coefficients.middleCols(nocc_s + a0, nb));
      for (int a = 0; a < nb; ++a)
        for (int i = 0; i < nocc_s; ++i) {
          const double excitation = std::max(o.energies(nocc_s + a0 + a) - o.energies(i), kSmallestExcitation);
          W.row(i + static_cast<Eigen::Index>(nocc_s) * a) /= std::sqrt(excitation);
        }
      blas::syrk_lower_transposed(2.0 * spin_weight, W, 1.0, M);
    }
  }
  screening_.emplace(M.selfadjointView<Eigen::Lower>());
  if (screening_->info() != Eigen::Success) throw Error("SCF: the Coulomb-response model is not positive definite");
  ++builds_;
}

Eigen::VectorXd CoulombResponseCorrection::apply(std::vector<Eigen::MatrixXd>& Fx, const std::vector<Eigen::MatrixXd>& Dx,
                                                 const Eigen::MatrixXd& X, const std::array<int, 2>& nocc,
                                                 double spin_weight) {
  if (!screening_) build(Fx, X, nocc, spin_weight);
  // The plain Roothaan step's density change, summed over spins, in the auxiliary space.
  const int n = static_cast<int>(Fx[0].rows());
  Eigen::MatrixXd step_change = Eigen::MatrixXd::Zero(n, n);
  for (size_t s = 0; s < Fx.size(); ++s) {
    const Eigen::MatrixXd occupied = diagonalize(Fx[s], X).coefficients.leftCols(nocc[s]);
    step_change += spin_weight * (occupied * occupied.transpose() - Dx[s]);
  }
  // Screened: (1 - chi0 J) u = u0 shrinks u0.
  const Eigen::VectorXd u = screening_->solve(coulomb_.project(step_change));
  const Eigen::MatrixXd V = coulomb_.expand(u);
  for (auto& F : Fx) F += V;
  return u;
}

}  // namespace hamlet::scf
