#include "grid/becke_partition.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/error.hpp"
#include "grid/radial_grid.hpp"

namespace hamlet::grid {

NuclearScheme parse_nuclear_scheme(const std::string& name) {
  std::string n = name;
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "becke") return NuclearScheme::Becke;
  if (n == "treutler") return NuclearScheme::Treutler;
  if (n == "stratmann") return NuclearScheme::Stratmann;
  throw Error("unknown nuclear weight scheme '" + name + "'; valid: treutler, becke, stratmann");
}

std::string to_string(NuclearScheme scheme) {
  switch (scheme) {
    case NuclearScheme::Becke: return "becke";
    case NuclearScheme::Treutler: return "treutler";
    case NuclearScheme::Stratmann: return "stratmann";
  }
  return "?";
}

AtomicPartition::AtomicPartition(const Molecule& mol, NuclearScheme scheme, RadialScale radii)
    : scheme_(scheme), natoms_(mol.natoms()) {
  positions_.reserve(natoms_);
  for (const auto& a : mol.atoms) positions_.push_back(a.position);
  inv_distance_ = Eigen::MatrixXd::Zero(natoms_, natoms_);
  size_adjust_ = Eigen::MatrixXd::Zero(natoms_, natoms_);
  for (int A = 0; A < natoms_; ++A)
    for (int B = 0; B < A; ++B) {
      const double d = (positions_[A] - positions_[B]).norm();
      if (d < 1e-8)
        throw Error(mol.source, 0,
                    "atoms " + std::to_string(B + 1) + " and " + std::to_string(A + 1) +
                        " coincide; cannot partition the integration grid");
      inv_distance_(A, B) = inv_distance_(B, A) = 1.0 / d;
      if (scheme == NuclearScheme::Stratmann) continue;
      const double ratio = radial_scale(radii, mol.atoms[A].Z) / radial_scale(radii, mol.atoms[B].Z);
      const double chi = scheme == NuclearScheme::Becke ? ratio : std::sqrt(ratio);
      const double a = std::clamp((1.0 - chi * chi) / (4.0 * chi), -0.5, 0.5);
      size_adjust_(A, B) = a;
      size_adjust_(B, A) = -a;
    }
}

double AtomicPartition::step(double nu) const {
  if (scheme_ == NuclearScheme::Stratmann) {
    constexpr double a = 0.64;
    if (nu <= -a) return 1.0;
    if (nu >= a) return 0.0;
    const double x = nu / a, x2 = x * x;
    const double z = x * (35.0 + x2 * (-35.0 + x2 * (21.0 - 5.0 * x2))) / 16.0;
    return 0.5 * (1.0 - z);
  }
  double f = nu;
  for (int k = 0; k < 3; ++k) f = 0.5 * f * (3.0 - f * f);
  return 0.5 * (1.0 - f);
}

double AtomicPartition::cell_function(int A, const double* dist, double stop_below) const {
  double p = 1.0;
  for (int B = 0; B < natoms_ && p > stop_below; ++B) {
    if (B == A) continue;
    const double mu = (dist[A] - dist[B]) * inv_distance_(A, B);
    p *= step(mu + size_adjust_(A, B) * (1.0 - mu * mu));
  }
  return p > stop_below ? p : 0.0;
}

double AtomicPartition::weight(const Eigen::Vector3d& r, int A, std::vector<double>& scratch) const {
  if (natoms_ == 1) return 1.0;
  scratch.resize(2 * static_cast<size_t>(natoms_));
  double* dist = scratch.data();
  double* s_AB = dist + natoms_;
  for (int B = 0; B < natoms_; ++B) dist[B] = (r - positions_[B]).norm();
  double pa = 1.0;
  for (int B = 0; B < natoms_; ++B) {
    if (B == A) continue;
    const double mu = (dist[A] - dist[B]) * inv_distance_(A, B);
    s_AB[B] = step(mu + size_adjust_(A, B) * (1.0 - mu * mu));
    pa *= s_AB[B];
  }
  if (pa == 0.0) return 0.0;
  // P_B <= s(nu_BA) = 1 - s(nu_AB) (nu_BA = -nu_AB and s(-x) = 1 - s(x)), so atoms whose cell
  // function cannot reach 1e-17 P_A are skipped: the cost is ~natoms per point instead of
  // natoms^2 away from cell boundaries.
  const double negligible = 1e-17 * pa;
  double denominator = pa;
  for (int B = 0; B < natoms_; ++B) {
    if (B == A || 1.0 - s_AB[B] <= negligible) continue;
    denominator += cell_function(B, dist, negligible);
  }
  return pa / denominator;
}

Eigen::VectorXd AtomicPartition::all_weights(const Eigen::Vector3d& r) const {
  Eigen::VectorXd p(natoms_);
  std::vector<double> dist(natoms_);
  for (int B = 0; B < natoms_; ++B) dist[B] = (r - positions_[B]).norm();
  for (int A = 0; A < natoms_; ++A) p[A] = cell_function(A, dist.data(), 0.0);
  return p / p.sum();
}

}  // namespace hamlet::grid
