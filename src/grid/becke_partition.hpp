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

  // Per-thread scratch of `weights`, so that threads share nothing.
  struct Scratch {
    Eigen::ArrayXXd dist, s_A;  // [points, atoms]: |r - R_B| and s(nu_AB)
    Eigen::ArrayXd cell_A, cell_B, nu, s, negligible, denominator;
  };
  // w_A at each row of `points` (n x 3), into `w` (resized to n). Screened: a cell B is
  // skipped at a point where its bound P_B <= s(nu_BA) = 1 - s(nu_AB) is below 1e-17 P_A
  // (~natoms step functions per point away from cell boundaries, instead of natoms^2);
  // vectorised over the points, which one sphere of a grid shares.
  void weights(int A, const Eigen::Ref<const Eigen::MatrixX3d>& points, Eigen::ArrayXd& w, Scratch& scratch) const;
  // All w_A(r), A = 0..natoms-1, one point at a time without screening: the reference for tests.
  Eigen::VectorXd all_weights(const Eigen::Vector3d& r) const;

 private:
  double step(double nu) const;
  // s(nu) elementwise: the same function as step(), vectorised.
  void step(const Eigen::ArrayXd& nu, Eigen::ArrayXd& s) const;
  // nu_AB at every point from the distance columns of `dist`.
  void nu(int A, int B, const Eigen::ArrayXXd& dist, Eigen::ArrayXd& out) const;

  NuclearScheme scheme_;
  int natoms_ = 0;
  std::vector<Eigen::Vector3d> positions_;
  Eigen::MatrixXd inv_distance_;  // 1 / |R_A - R_B|
  Eigen::MatrixXd size_adjust_;   // a_AB (antisymmetric)
};

}  // namespace hamlet::grid
