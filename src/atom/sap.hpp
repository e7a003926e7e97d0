#pragma once
// Superposition-of-atomic-potentials (SAP) atomic potentials, after S. Lehtola, JCTC 15, 1593
// (2019): the effective potential V(r) = V_nuc + V_H + V_x of a spherical, spin-restricted
// exchange-only LDA atom, written through the screened charge Z_eff(r) = -r V(r). Z_eff(0) = Z
// and Z_eff decays to 0 outside the neutral atom.
#include "atom/atom.hpp"

namespace hamlet::atom {

class SapPotential {
 public:
  // Solves the exchange-only LDA atom (options as for solve_atom) and tabulates Z_eff(r) as a
  // natural cubic spline in ln r. Throws hamlet::Error for Z outside 1..kMaxAtomZ.
  explicit SapPotential(int Z, const AtomOptions& options = {});

  int Z() const { return Z_; }
  // Screened nuclear charge at r >= 0 (Bohr): Z at r = 0, 0 beyond cutoff_radius().
  double zeff(double r) const;
  // V(r) = -Z_eff(r)/r in Hartree; -infinity at r = 0. Near the nucleus it is evaluated as
  // -Z/r + (V_H + V_x)(0) so that no precision is lost to the Coulomb singularity.
  double potential(double r) const;
  // V_H + V_x at the nucleus: the finite part of the potential as r -> 0 (Hartree).
  double screening_at_nucleus() const { return screening_at_nucleus_; }
  double cutoff_radius() const { return r_max_; }

 private:
  int Z_ = 0;
  double r_min_ = 0.0, r_max_ = 0.0;  // spline range; below r_min Z_eff = Z - r (V_H + V_x)(0)
  double log_r_min_ = 0.0, step_ = 0.0;
  double screening_at_nucleus_ = 0.0;
  std::vector<double> values_, second_derivatives_;  // Z_eff and d2 Z_eff / d(ln r)^2 at knots
};

// SAP potential of element Z, built once per Z and shared between threads; the reference stays
// valid for the life of the program. Throws hamlet::Error for Z outside 1..kMaxAtomZ.
const SapPotential& sap_potential(int Z);

}  // namespace hamlet::atom
