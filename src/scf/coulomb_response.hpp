#pragma once
// Coulomb-response correction of the SCF step with density fitting: the charge-response
// correction (scf/charge_response.hpp) with the atoms' monopoles replaced by the auxiliary
// basis, so that every change of the density's shape the fit can describe (dipoles, charge
// moving along a bond, polarisation of a lone pair) is screened, not only charge moving
// between atoms. The step's density change dD is solved self-consistently in the model
//   dD = dD0 + chi0 J[dD]
// (dD0: the plain Roothaan step's change, chi0: first-order response of the orbitals of the
// extrapolated Fock matrix, J: the fitted Coulomb operator), in the auxiliary space, where
// (1 - chi0 J) becomes symmetric positive definite; the potential J[dD] is added to the
// extrapolated Fock matrix before diagonalisation. Building and factorising the model costs ~5
// DF-JK builds (QM9, def2-SVP: 0.2-0.3 s), so it is built once, from the orbitals of the first
// step it shapes, and kept: rebuilding it whenever the commutator fell 100-fold saved no
// iteration on two QM9 molecules. Applying it costs a diagonalisation and two products with the
// 3-index factors. Exchange and correlation are left out of the model; near convergence they
// now set the rate (6-20x per iteration on QM9, README). Like the charge response, it only
// shapes the steps, not the SCF's fixed point.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <array>
#include <optional>
#include <vector>

#include "integrals/jk.hpp"

namespace hamlet::scf {

class CoulombResponseCorrection {
 public:
  // block_bytes: the largest block of MO-transformed factors held at once while building the
  // model (they may be as large as half the 3-index factors).
  static constexpr Eigen::Index kDefaultBlockBytes = Eigen::Index{256} << 20;
  explicit CoulombResponseCorrection(const integrals::FittedCoulomb& coulomb,
                                     Eigen::Index block_bytes = kDefaultBlockBytes)
      : coulomb_(coulomb), block_bytes_(block_bytes) {}

  // Same arguments as ChargeResponseCorrection::apply; the first call builds the model chi0 J
  // from the orbitals of Fx. Returns the fitted coefficients u of the model's total
  // (spin-summed) density change of the corrected step: J[dD] = expand(u).
  Eigen::VectorXd apply(std::vector<Eigen::MatrixXd>& Fx, const std::vector<Eigen::MatrixXd>& Dx,
                        const Eigen::MatrixXd& X, const std::array<int, 2>& nocc, double spin_weight);

  int builds() const { return builds_; }  // models built so far (tests)

 private:
  // Factorised 1 - chi0 J in the orthonormalised auxiliary space, from the orbitals of Fx.
  void build(const std::vector<Eigen::MatrixXd>& Fx, const Eigen::MatrixXd& X, const std::array<int, 2>& nocc,
             double spin_weight);

  const integrals::FittedCoulomb& coulomb_;
  Eigen::Index block_bytes_;
  std::optional<Eigen::LLT<Eigen::MatrixXd>> screening_;
  int builds_ = 0;
};

}  // namespace hamlet::scf
