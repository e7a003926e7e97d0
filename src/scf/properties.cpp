#include "scf/properties.hpp"

#include "integrals/one_body.hpp"

namespace hamlet::scf {

Eigen::Vector3d dipole_moment(const Molecule& mol, const BasisSet& basis,
                              const Eigen::MatrixXd& total_density, const Eigen::Vector3d& origin) {
  auto ints = integrals::dipole(basis, origin);
  Eigen::Vector3d mu = Eigen::Vector3d::Zero();
  for (const auto& a : mol.atoms) mu += a.Z * (a.position - origin);
  for (int k = 0; k < 3; ++k) mu(k) -= total_density.cwiseProduct(ints[k]).sum();
  return mu;
}

Eigen::Matrix3d quadrupole_moment(const Molecule& mol, const BasisSet& basis,
                                  const Eigen::MatrixXd& total_density, const Eigen::Vector3d& origin) {
  const auto ints = integrals::second_moment(basis, origin);  // xx, xy, xz, yy, yz, zz
  constexpr int kRow[6] = {0, 0, 0, 1, 1, 2}, kCol[6] = {0, 1, 2, 1, 2, 2};
  Eigen::Matrix3d Q = Eigen::Matrix3d::Zero();
  for (const auto& a : mol.atoms) {
    const Eigen::Vector3d x = a.position - origin;
    Q += a.Z * x * x.transpose();
  }
  for (int k = 0; k < 6; ++k) {
    const double electronic = total_density.cwiseProduct(ints[k]).sum();
    Q(kRow[k], kCol[k]) -= electronic;
    if (kRow[k] != kCol[k]) Q(kCol[k], kRow[k]) -= electronic;
  }
  return Q;
}

Eigen::Matrix3d traceless_quadrupole(const Eigen::Matrix3d& Q) {
  return 0.5 * (3.0 * Q - Q.trace() * Eigen::Matrix3d::Identity());
}

Eigen::VectorXd mulliken_charges(const Molecule& mol, const BasisSet& basis,
                                 const Eigen::MatrixXd& total_density, const Eigen::MatrixXd& S) {
  Eigen::VectorXd ds = (total_density * S).diagonal();
  Eigen::VectorXd q(mol.natoms());
  for (int a = 0; a < mol.natoms(); ++a)
    q(a) = mol.atoms[a].Z -
           ds.segment(basis.atom_ao_begin[a], basis.atom_ao_begin[a + 1] - basis.atom_ao_begin[a]).sum();
  return q;
}

}  // namespace hamlet::scf
