#pragma once
// One-electron integral matrices in hamlet AO order (libint2), threaded over shell pairs.
#include <Eigen/Core>
#include <array>
#include <utility>
#include <vector>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"

namespace hamlet::integrals {

struct PointCharge {
  double charge;
  Eigen::Vector3d position;  // Bohr
};

Eigen::MatrixXd overlap(const BasisSet& basis);
Eigen::MatrixXd kinetic(const BasisSet& basis);
// Attraction to point charges: sum_C -q_C <mu| 1/|r-R_C| |nu>.
Eigen::MatrixXd nuclear_attraction(const BasisSet& basis, const std::vector<PointCharge>& charges);
std::vector<PointCharge> nuclei(const Molecule& mol);
// Electronic dipole integrals <mu| (r - origin)_k |nu>, k = x, y, z.
std::array<Eigen::MatrixXd, 3> dipole(const BasisSet& basis, const Eigen::Vector3d& origin);
// Second moments <mu| (r-O)_i (r-O)_j |nu> for ij = xx, xy, xz, yy, yz, zz.
std::array<Eigen::MatrixXd, 6> second_moment(const BasisSet& basis, const Eigen::Vector3d& origin);
// Overlap between two different basis sets (rows: bra, columns: ket).
Eigen::MatrixXd overlap(const BasisSet& bra, const BasisSet& ket);

}  // namespace hamlet::integrals
