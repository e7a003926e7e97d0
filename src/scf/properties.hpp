#pragma once
// One-electron properties of a converged SCF.
#include <Eigen/Core>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"

namespace hamlet::scf {

// Total (nuclear + electronic) dipole moment in e*a0 about `origin` (origin-independent for
// neutral molecules). `total_density` is D_alpha + D_beta.
Eigen::Vector3d dipole_moment(const Molecule& mol, const BasisSet& basis,
                              const Eigen::MatrixXd& total_density,
                              const Eigen::Vector3d& origin = Eigen::Vector3d::Zero());
// Cartesian second moment of the total charge, Q_ij = sum_A Z_A x_i x_j - int rho x_i x_j with
// x = r - origin, in e*a0^2 (not traceless; what Psi4's oeprop QUADRUPOLE reports, in D*A).
// Origin-dependent unless charge and dipole vanish.
Eigen::Matrix3d quadrupole_moment(const Molecule& mol, const BasisSet& basis,
                                  const Eigen::MatrixXd& total_density,
                                  const Eigen::Vector3d& origin = Eigen::Vector3d::Zero());
// Buckingham's traceless form Theta = (3 Q - tr(Q) 1) / 2.
Eigen::Matrix3d traceless_quadrupole(const Eigen::Matrix3d& Q);
// Mulliken atomic charges Z_A - sum_{mu on A} (D S)_{mu mu}.
Eigen::VectorXd mulliken_charges(const Molecule& mol, const BasisSet& basis,
                                 const Eigen::MatrixXd& total_density, const Eigen::MatrixXd& S);

}  // namespace hamlet::scf
