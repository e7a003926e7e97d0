#pragma once
// Small molecules and density matrices shared by the xc tests.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <random>

#include "chem/molecule.hpp"
#include "core/units.hpp"

namespace hamlet::xc_test {

// Water, experimental geometry (Angstrom in the literals).
inline Molecule water() {
  Molecule mol;
  const double s = units::kAngstromToBohr;
  mol.atoms = {{8, Eigen::Vector3d(0.0, 0.0, 0.1173) * s},
               {1, Eigen::Vector3d(0.0, 0.7572, -0.4692) * s},
               {1, Eigen::Vector3d(0.0, -0.7572, -0.4692) * s}};
  mol.source = "water";
  return mol;
}

// n orbitals with random coefficients made orthonormal in the metric S: C^T S C = 1, so the
// spin density C C^T holds exactly n electrons. Deterministic for a given seed.
inline Eigen::MatrixXd random_orbitals(const Eigen::MatrixXd& S, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  Eigen::MatrixXd C(S.rows(), n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < S.rows(); ++i) C(i, j) = g(rng);
  const Eigen::MatrixXd M = C.transpose() * S * C;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M);
  const Eigen::MatrixXd inv_sqrt =
      eig.eigenvectors() * eig.eigenvalues().cwiseInverse().cwiseSqrt().asDiagonal() *
      eig.eigenvectors().transpose();
  return C * inv_sqrt;
}

inline Eigen::MatrixXd random_symmetric(int n, double scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-scale, scale);
  Eigen::MatrixXd A(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) A(i, j) = u(rng);
  return 0.5 * (A + A.transpose());
}

}  // namespace hamlet::xc_test
