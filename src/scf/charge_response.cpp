#include "scf/charge_response.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "scf/scf.hpp"

namespace hamlet::scf {
namespace {

// On-site interaction of the model, Eh per electron: one value for every element. DFTB's
// Hubbard U of H, C, N, O (0.42, 0.36, 0.43, 0.50 Eh) in its place changed the mean SCF
// iterations on five QM9 molecules by less than 0.4 (bench_guess_quality); halving it cost ~1.
constexpr double kOnsiteHardness = 0.4;
// Excitation energies below this (Eh) count as this in the response: a degenerate HOMO/LUMO
// pair would otherwise divide by zero. The model stays stable for any value (see apply).
constexpr double kSmallestExcitation = 1e-3;

}  // namespace

ChargeResponseCorrection::ChargeResponseCorrection(const Molecule& molecule, const BasisSet& basis,
                                                   const Eigen::MatrixXd& S)
    : ao_begin_(basis.atom_ao_begin) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  sqrt_S_ = es.eigenvectors() * es.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal() *
            es.eigenvectors().transpose();
  const int n = molecule.natoms();
  gamma_.resize(n, n);
  const double width = 1.0 / kOnsiteHardness;  // Klopman–Ohno: 1/sqrt(R^2 + (2/(U_A+U_B))^2)
  for (int A = 0; A < n; ++A)
    for (int B = 0; B < n; ++B) {
      const double r = (molecule.atoms[A].position - molecule.atoms[B].position).norm();
      gamma_(A, B) = 1.0 / std::sqrt(r * r + width * width);
    }
}

Eigen::VectorXd ChargeResponseCorrection::atom_sums(const Eigen::VectorXd& per_ao) const {
  const int n = static_cast<int>(gamma_.rows());
  Eigen::VectorXd q(n);
  for (int A = 0; A < n; ++A) q(A) = per_ao.segment(ao_begin_[A], ao_begin_[A + 1] - ao_begin_[A]).sum();
  return q;
}

Eigen::VectorXd ChargeResponseCorrection::populations(const Eigen::MatrixXd& D) const {
  // Only the diagonal of S^1/2 D S^1/2 is needed: (S^1/2 D S^1/2)_mm = sum_n (S^1/2 D)_mn S^1/2_nm,
  // and S^1/2 is symmetric, so one product and an elementwise one suffice.
  const Eigen::MatrixXd half = sqrt_S_ * D;
  return atom_sums(half.cwiseProduct(sqrt_S_).rowwise().sum());
}

Eigen::VectorXd ChargeResponseCorrection::apply(std::vector<Eigen::MatrixXd>& Fx, const std::vector<Eigen::MatrixXd>& Dx,
                                     const Eigen::MatrixXd& X, const std::array<int, 2>& nocc,
                                     double spin_weight) const {
  const int natoms = static_cast<int>(gamma_.rows());
  // Population change of the plain Roothaan step, dn0, and the non-interacting response chi0
  // (dn = chi0 phi for atomic potential shifts phi), both summed over spins: first-order
  // perturbation theory in the orbitals of Fx, in the Löwdin basis, where an atom's potential
  // shift is diagonal.
  Eigen::VectorXd dn0 = Eigen::VectorXd::Zero(natoms);
  Eigen::MatrixXd chi0 = Eigen::MatrixXd::Zero(natoms, natoms);
  for (size_t s = 0; s < Fx.size(); ++s) {
    const Orbitals o = diagonalize(Fx[s], X);
    const Eigen::VectorXd& e = o.energies;
    const Eigen::MatrixXd& C = o.coefficients;
    const int nocc_s = nocc[s], nvirt = static_cast<int>(C.cols()) - nocc_s;
    const Eigen::MatrixXd L = sqrt_S_ * C;  // orbitals in the Löwdin basis
    // The step's new populations are the row sums of the squared occupied Löwdin orbitals.
    const Eigen::VectorXd new_per_ao = L.leftCols(nocc_s).cwiseAbs2().rowwise().sum();
    dn0 += spin_weight * (atom_sums(new_per_ao) - populations(Dx[s]));
    if (nocc_s == 0 || nvirt == 0) continue;
    // Row A of W: the transition charges q^A_ia = sum_{mu in A} L_mu,i L_mu,a over sqrt(e_a - e_i),
    // so that chi0 = -2 spin_weight W W^T.
    Eigen::MatrixXd weight(nocc_s, nvirt);
    for (int a = 0; a < nvirt; ++a)
      for (int i = 0; i < nocc_s; ++i)
        weight(i, a) = 1.0 / std::sqrt(std::max(e(nocc_s + a) - e(i), kSmallestExcitation));
    Eigen::MatrixXd W(natoms, static_cast<Eigen::Index>(nocc_s) * nvirt);
    for (int A = 0; A < natoms; ++A) {
      const int first = ao_begin_[A], size = ao_begin_[A + 1] - first;
      const Eigen::MatrixXd q = L.block(first, 0, size, nocc_s).transpose() * L.block(first, nocc_s, size, nvirt);
      W.row(A) = Eigen::Map<const Eigen::RowVectorXd>(q.cwiseProduct(weight).eval().data(), q.size());
    }
    chi0.noalias() -= 2.0 * spin_weight * W * W.transpose();
  }
  // Screened change: dn = dn0 + chi0 gamma dn. chi0 is negative semidefinite and gamma positive
  // definite, so (1 - chi0 gamma) has eigenvalues >= 1: the solve is always well posed and
  // shrinks dn0.
  const Eigen::MatrixXd screening = Eigen::MatrixXd::Identity(natoms, natoms) - chi0 * gamma_;
  const Eigen::VectorXd dn = screening.partialPivLu().solve(dn0);
  const Eigen::VectorXd phi = gamma_ * dn;
  Eigen::VectorXd shift(sqrt_S_.rows());
  for (int A = 0; A < natoms; ++A)
    shift.segment(ao_begin_[A], ao_begin_[A + 1] - ao_begin_[A]).setConstant(phi(A));
  const Eigen::MatrixXd V = sqrt_S_ * shift.asDiagonal() * sqrt_S_;
  for (auto& F : Fx) F += V;
  return dn;
}

}  // namespace hamlet::scf
