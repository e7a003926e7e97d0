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
