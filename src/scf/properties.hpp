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
// Mulliken atomic charges Z_A - sum_{mu on A} (D S)_{mu mu}.
Eigen::VectorXd mulliken_charges(const Molecule& mol, const BasisSet& basis,
                                 const Eigen::MatrixXd& total_density, const Eigen::MatrixXd& S);

}  // namespace hamlet::scf
