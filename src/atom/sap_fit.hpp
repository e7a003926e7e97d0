#pragma once
// The SAP screening charge as a sum of error functions, after Lehtola, Visscher and Engel,
// J. Chem. Phys. 152, 144105 (2020): Q(r) = Z - Z_eff(r) ~ sum_k c_k erf(sqrt(alpha_k) r), so the
// screening potential Q(r)/r is the Coulomb potential of normalised s-Gaussian charges c_k with
// exponents alpha_k, whose matrix elements are analytic (integrals/gaussian_charge.hpp). One
// even-tempered exponent list is shared by all elements; each element uses a prefix of it.
#include <vector>

#include "atom/sap.hpp"

namespace hamlet::atom {

// The shared exponents alpha_k in Bohr^-2, ascending (most diffuse first).
const std::vector<double>& sap_erf_exponents();

class SapErfFit {
 public:
  // Least-squares fit of sap's screening charge, constrained to sum_k c_k = Q(infinity) (the
  // number of electrons), so the fitted potential has the exact long-range tail.
  explicit SapErfFit(const SapPotential& sap);

  int Z() const { return Z_; }
  // c_k for sap_erf_exponents()[k] (electrons); exponents too tight for the element have c_k = 0.
  const std::vector<double>& coefficients() const { return coefficients_; }
  // Number of leading exponents used (c_k = 0 for k >= used_exponents()).
  int used_exponents() const { return used_; }
  // Q_fit(r) = sum_k c_k erf(sqrt(alpha_k) r).
  double screening_charge(double r) const;
  // Q_fit(r) / r in Hartree (finite at r = 0: sum_k c_k 2 sqrt(alpha_k / pi)).
  double screening_potential(double r) const;

 private:
  int Z_ = 0;
  int used_ = 0;
  std::vector<double> coefficients_;
};

// The fit of sap_potential(Z), computed once per Z and shared between threads; the reference
// stays valid for the life of the program. Throws hamlet::Error for Z outside 1..kMaxAtomZ.
const SapErfFit& sap_erf_fit(int Z);

}  // namespace hamlet::atom
