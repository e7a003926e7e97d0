#pragma once
// Charge-response correction of the SCF step. The Roothaan step (diagonalise the extrapolated
// Fock matrix, occupy the lowest orbitals) ignores that moving charge changes the Coulomb
// potential, so near convergence it overshoots along charge-transfer directions between atoms
// (charge sloshing) and DIIS has to undo it. This correction models the Fock matrix's answer
// to a change of atomic (Löwdin) populations by a damped Coulomb interaction between atoms
// (Klopman–Ohno form, as in DFTB's gamma), solves the step's population change
// self-consistently in that model, and adds its potential to the extrapolated Fock matrix
// before the diagonalisation. It only shapes the steps: the SCF's fixed point, and so its
// result, is unchanged.
#include <Eigen/Core>
#include <array>
#include <vector>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"

namespace hamlet::scf {

class ChargeResponseCorrection {
 public:
  ChargeResponseCorrection(const Molecule& molecule, const BasisSet& basis, const Eigen::MatrixXd& S);

  // Fx: each spin's extrapolated Fock matrix, changed in place; Dx: the per-spin densities it
  // was extrapolated from (the same combination); X: orthogonaliser (X^T S X = 1);
  // spin_weight: electrons per occupied orbital of each channel (2 restricted, 1 unrestricted).
  // Returns the model's population change of the corrected step (electrons per atom, summed
  // over spins); zero when Fx and Dx are already self-consistent.
  Eigen::VectorXd apply(std::vector<Eigen::MatrixXd>& Fx, const std::vector<Eigen::MatrixXd>& Dx, const Eigen::MatrixXd& X,
             const std::array<int, 2>& nocc, double spin_weight) const;

  // Löwdin electron count of each atom in a per-spin density (times spin_weight by the caller).
  Eigen::VectorXd populations(const Eigen::MatrixXd& D) const;
  const Eigen::MatrixXd& gamma() const { return gamma_; }

 private:
  Eigen::VectorXd atom_sums(const Eigen::VectorXd& per_ao) const;  // per-AO values summed per atom

  Eigen::MatrixXd sqrt_S_;  // S^1/2: Löwdin populations are diagonals of S^1/2 D S^1/2
  Eigen::MatrixXd gamma_;   // atom x atom, Eh per electron
  std::vector<int> ao_begin_;
};

}  // namespace hamlet::scf
