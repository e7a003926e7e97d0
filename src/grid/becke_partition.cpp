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

void AtomicPartition::step(const Eigen::ArrayXd& nu, Eigen::ArrayXd& s) const {
  if (scheme_ == NuclearScheme::Stratmann) {
    // Clamped to [-1, 1], the polynomial gives exactly 1 and 0 beyond +-a, as step() does.
    constexpr double a = 0.64;
    const Eigen::ArrayXd x = (nu / a).cwiseMax(-1.0).cwiseMin(1.0);
    const Eigen::ArrayXd x2 = x.square();
    s = 0.5 * (1.0 - x * (35.0 + x2 * (-35.0 + x2 * (21.0 - 5.0 * x2))) / 16.0);
    return;
  }
  s = nu;
  for (int k = 0; k < 3; ++k) s = 0.5 * s * (3.0 - s.square());
  s = 0.5 * (1.0 - s);
}

void AtomicPartition::nu(int A, int B, const Eigen::ArrayXXd& dist, Eigen::ArrayXd& out) const {
  const double a = size_adjust_(A, B);
  out = (dist.col(A) - dist.col(B)) * inv_distance_(A, B);
  if (a != 0.0) out += a * (1.0 - out.square());
}

void AtomicPartition::weights(int A, const Eigen::Ref<const Eigen::MatrixX3d>& points, Eigen::ArrayXd& w,
                              Scratch& t) const {
  const Eigen::Index n = points.rows();
  if (natoms_ == 1) {
    w.setOnes(n);
    return;
  }
  t.dist.resize(n, natoms_);
  for (int B = 0; B < natoms_; ++B)
    t.dist.col(B) = ((points.col(0).array() - positions_[B].x()).square() +
                     (points.col(1).array() - positions_[B].y()).square() +
                     (points.col(2).array() - positions_[B].z()).square())
                        .sqrt();
  t.s_A.resize(n, natoms_);
  t.cell_A.setOnes(n);
  for (int B = 0; B < natoms_; ++B) {
    if (B == A) continue;
    nu(A, B, t.dist, t.nu);
    step(t.nu, t.s);
    t.s_A.col(B) = t.s;
    t.cell_A *= t.s;
  }
  // P_B <= s(nu_BA) = 1 - s(nu_AB) (nu_BA = -nu_AB and s(-x) = 1 - s(x)): cells below
  // 1e-17 P_A at a point count as zero there, as do products that fall below it.
  t.negligible = 1e-17 * t.cell_A;
  t.denominator = t.cell_A;
  for (int B = 0; B < natoms_; ++B) {
    if (B == A || ((1.0 - t.s_A.col(B)) <= t.negligible).all()) continue;
    t.cell_B.setOnes(n);
    for (int C = 0; C < natoms_; ++C) {
      if (C == B) continue;
      nu(B, C, t.dist, t.nu);
      step(t.nu, t.s);
      t.cell_B *= t.s;
      if ((t.cell_B <= t.negligible).all()) break;
    }
    t.denominator += ((1.0 - t.s_A.col(B)) > t.negligible && t.cell_B > t.negligible).select(t.cell_B, 0.0);
  }
  w = (t.cell_A == 0.0).select(0.0, t.cell_A / t.denominator);
}

Eigen::VectorXd AtomicPartition::all_weights(const Eigen::Vector3d& r) const {
  Eigen::VectorXd p = Eigen::VectorXd::Ones(natoms_);
  std::vector<double> dist(natoms_);
  for (int B = 0; B < natoms_; ++B) dist[B] = (r - positions_[B]).norm();
  for (int A = 0; A < natoms_; ++A)
    for (int B = 0; B < natoms_; ++B) {
      if (B == A) continue;
      const double mu = (dist[A] - dist[B]) * inv_distance_(A, B);
      p[A] *= step(mu + size_adjust_(A, B) * (1.0 - mu * mu));
    }
  return p / p.sum();
}

}  // namespace hamlet::grid
