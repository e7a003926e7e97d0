#pragma once
// Electrostatic potential of spherical Gaussian charge distributions in the AO basis: a charge
// q spread as the normalised s Gaussian (alpha/pi)^{3/2} exp(-alpha r^2) has the potential
// q erf(sqrt(alpha) r) / r. Used for the SAP guess (atom/sap_fit.hpp), whose screening charge of
// every atom is such a sum over one shared exponent list.
#include <Eigen/Core>
#include <vector>

#include "basis/basis_set.hpp"

namespace hamlet::integrals {

struct GaussianChargeSite {
  Eigen::Vector3d position;     // Bohr
  std::vector<double> charges;  // q_k for exponents[k]; shorter than exponents: the rest are 0
  // A point charge at the same position (a nucleus): with it a neutral site's far field
  // cancels inside the sum, and no separate nuclear-attraction pass is needed.
  double point_charge = 0.0;
};

// sum over sites of -point_charge <mu| 1 / |r - R| |nu> and, over k, of -q_k <mu| erf(sqrt(alpha_k)
// |r - R|) / |r - R| |nu>: an electron's energy in the field of the charges, the sign convention
// of nuclear_attraction. `exponents` (alpha_k, Bohr^-2) must be positive and ascending.
// Integrals to ~1e-13 relative (McMurchie–Davidson with the sum over k taken inside the Hermite
// recursion), threaded over shell pairs.
Eigen::MatrixXd gaussian_charge_attraction(const BasisSet& basis, const std::vector<double>& exponents,
                                           const std::vector<GaussianChargeSite>& sites);

// The same matrix from libint2 three-centre Coulomb integrals (P|mu nu), one contracted s shell
// per site, and libint2's nuclear attraction for the point charges: an independent check for
// tests, roughly (number of exponents) times the cost of a nuclear-attraction matrix.
Eigen::MatrixXd gaussian_charge_attraction_libint(const BasisSet& basis,
                                                  const std::vector<double>& exponents,
                                                  const std::vector<GaussianChargeSite>& sites);

}  // namespace hamlet::integrals
