#pragma once
// Internal: the converged finite-element solution behind an AtomResult, so that densities and
// potentials can be evaluated at any radius (used to tabulate SAP potentials).
#include <Eigen/Dense>
#include <memory>
#include <vector>

#include "atom/atom.hpp"
#include "atom/radial_fem.hpp"

namespace hamlet::atom::detail {

struct RadialSolution {
  AtomResult result;
  std::shared_ptr<const RadialFem> basis;  // expands both u_i(r) and U(r)
  std::vector<Eigen::VectorXd> orbital_coefficients;  // u(r) = r R(r), order of result.orbitals
  Eigen::VectorXd hartree_coefficients;               // U(r) = r V_H(r)
  double electrons = 0.0;

  // Spherical density n(r) in electrons/Bohr^3 (r >= 0; zero beyond r_max).
  double density_at(double r) const;
  // r V_H(r): 0 at the nucleus, the electron count beyond r_max.
  double hartree_times_r_at(double r) const;
};

RadialSolution solve_radial(int Z, Functional functional, const AtomOptions& options);

}  // namespace hamlet::atom::detail
