#include "atom/sap_fit.hpp"
#include "core/error.hpp"
#include "integrals/gaussian_charge.hpp"
#include "scf/kohn_sham.hpp"

namespace hamlet::scf {

Eigen::MatrixXd sap_potential_matrix_erf(const Molecule& mol, const BasisSet& basis) {
  std::vector<integrals::GaussianChargeSite> sites;
  for (const auto& a : mol.atoms) {
    const atom::SapErfFit& fit = atom::sap_erf_fit(a.Z);
    // The nucleus (point charge Z) and its screening charge c_k (electrons: charge -c_k, so an
    // electron feels +c_k erf/r) in one site: sum_k c_k = Z, so far sites cancel in the sum.
    integrals::GaussianChargeSite site{a.position, {}, static_cast<double>(a.Z)};
    for (int k = 0; k < fit.used_exponents(); ++k) site.charges.push_back(-fit.coefficients()[k]);
    sites.push_back(std::move(site));
  }
  const Eigen::MatrixXd V = integrals::gaussian_charge_attraction(basis, atom::sap_erf_exponents(), sites);
  return 0.5 * (V + V.transpose());
}

void check_sap_method(const std::string& sap_method) {
  if (sap_method != "erf" && sap_method != "grid")
    throw Error("unknown SAP method '" + sap_method + "' (erf, grid)");
}

Eigen::MatrixXd sap_potential_matrix(const std::string& sap_method, const Molecule& mol, const BasisSet& basis,
                                     const Eigen::MatrixXd& nuclear_attraction, int grid_level,
                                     const grid::MolecularGrid* grid) {
  check_sap_method(sap_method);
  if (sap_method == "erf") return sap_potential_matrix_erf(mol, basis);
  if (grid) return sap_potential_matrix(mol, basis, nuclear_attraction, *grid);
  grid::GridOptions options;
  options.level = grid_level;
  return sap_potential_matrix(mol, basis, nuclear_attraction, grid::build_molecular_grid(mol, options));
}

}  // namespace hamlet::scf
