#include "atom/sap_fit.hpp"
#include "integrals/gaussian_charge.hpp"
#include "scf/kohn_sham.hpp"

namespace hamlet::scf {

Eigen::MatrixXd sap_potential_matrix_erf(const Molecule& mol, const BasisSet& basis,
                                         const Eigen::MatrixXd& nuclear_attraction) {
  std::vector<integrals::GaussianChargeSite> sites;
  for (const auto& a : mol.atoms) {
    const atom::SapErfFit& fit = atom::sap_erf_fit(a.Z);
    // The screening charge c_k is electrons: charge -c_k, so an electron feels +c_k erf/r.
    integrals::GaussianChargeSite site{a.position, {}};
    for (int k = 0; k < fit.used_exponents(); ++k) site.charges.push_back(-fit.coefficients()[k]);
    sites.push_back(std::move(site));
  }
  Eigen::MatrixXd V = nuclear_attraction +
                      integrals::gaussian_charge_attraction(basis, atom::sap_erf_exponents(), sites);
  return 0.5 * (V + V.transpose());
}

}  // namespace hamlet::scf
