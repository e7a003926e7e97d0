#pragma once
// Fuzzy-cell partition of space among atoms: the molecular integral is the sum of atomic
// integrals, each weighted by w_A(r) with sum_A w_A(r) = 1 at every point r.
//   Becke, JCP 88, 2547 (1988): cell functions P_A = prod_{B != A} s(nu_AB), w_A = P_A / sum_B P_B,
//     s = (1 - f(f(f(nu)))) / 2 with f(x) = x (3 - x^2) / 2, nu = mu + a_AB (1 - mu^2),
//     mu = (|r - R_A| - |r - R_B|) / |R_A - R_B|.
//   Atomic-size adjustment a_AB = (1 - chi^2) / (4 chi), clipped to [-1/2, 1/2], with
//     chi = R_A / R_B (Becke) or sqrt(R_A / R_B) (Treutler & Ahlrichs, JCP 102, 346 (1995)),
//     R = Bragg-Slater radii. Treutler is Psi4's default DFT_NUCLEAR_SCHEME.
//   Stratmann, Scuseria & Frisch, CPL 257, 213 (1996): polynomial step with a = 0.64, no size
//     adjustment; exactly 1 or 0 away from cell boundaries.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "chem/molecule.hpp"
#include "grid/radial_grid.hpp"

namespace hamlet::grid {

enum class NuclearScheme { Becke, Treutler, Stratmann };

NuclearScheme parse_nuclear_scheme(const std::string& name);  // "becke", "treutler", "stratmann"
std::string to_string(NuclearScheme scheme);

class AtomicPartition {
 public:
  // `radii`: the per-element radii R in chi (see radial_grid.hpp; Bragg-Slater by default).
  AtomicPartition(const Molecule& mol, NuclearScheme scheme,
                  RadialScale radii = RadialScale::BraggSlater);

  // w_A(r). `scratch` is caller-provided (resized here) so that threads share nothing.
  double weight(const Eigen::Vector3d& r, int A, std::vector<double>& scratch) const;
  // All w_A(r), A = 0..natoms-1 (no screening; for tests and diagnostics).
  Eigen::VectorXd all_weights(const Eigen::Vector3d& r) const;

 private:
  double step(double nu) const;
  double cell_function(int A, const double* dist, double stop_below) const;

  NuclearScheme scheme_;
  int natoms_ = 0;
  std::vector<Eigen::Vector3d> positions_;
  Eigen::MatrixXd inv_distance_;  // 1 / |R_A - R_B|
  Eigen::MatrixXd size_adjust_;   // a_AB (antisymmetric)
};

}  // namespace hamlet::grid
