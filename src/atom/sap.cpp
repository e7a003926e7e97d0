#include "atom/sap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "atom/element_cache.hpp"
#include "atom/lda_xc.hpp"
#include "atom/solver_detail.hpp"
#include "core/error.hpp"

namespace hamlet::atom {
namespace {

// Knots uniform in ln r from kSplineRminTimesZ / Z to r_max. Z_eff is smooth in ln r (each shell
// spans a similar range of ln r), so a uniform step resolves core and valence alike. Measured
// (H, O, Cl, Kr, Xe): the spline matches the finite-element Z_eff to 5e-8 inside 40 Bohr and to
// 1.2e-7 next to r_max, where the exchange tail is cut off by the box.
constexpr int kSplineKnots = 1200;
constexpr double kSplineRminTimesZ = 1e-6;

// Natural cubic spline second derivatives on a uniform grid (tridiagonal solve).
std::vector<double> natural_spline(const std::vector<double>& y, double h) {
  const size_t n = y.size();
  std::vector<double> m(n, 0.0), c(n, 0.0), d(n, 0.0);
  for (size_t i = 1; i + 1 < n; ++i) {
    const double rhs = 6.0 * (y[i + 1] - 2.0 * y[i] + y[i - 1]) / (h * h);
    const double denom = 4.0 - c[i - 1];  // rows: m[i-1] + 4 m[i] + m[i+1] = rhs
    c[i] = 1.0 / denom;
    d[i] = (rhs - d[i - 1]) / denom;
  }
  for (size_t i = n - 2; i >= 1; --i) m[i] = d[i] - c[i] * m[i + 1];
  return m;
}

}  // namespace

SapPotential::SapPotential(int Z, const AtomOptions& options) : Z_(Z) {
  const detail::RadialSolution sol = detail::solve_radial(Z, Functional::lda_exchange, options);
  const detail::LdaXc exchange(Functional::lda_exchange);

  r_max_ = sol.basis->r_max();
  r_min_ = kSplineRminTimesZ / Z;
  log_r_min_ = std::log(r_min_);
  step_ = (std::log(r_max_) - log_r_min_) / (kSplineKnots - 1);

  Eigen::VectorXd r(kSplineKnots + 1), density(kSplineKnots + 1);
  for (int i = 0; i < kSplineKnots; ++i) r[i] = std::exp(log_r_min_ + i * step_);
  r[kSplineKnots - 1] = r_max_;
  r[kSplineKnots] = 0.0;  // the nucleus, for the finite part of the potential
  for (int i = 0; i <= kSplineKnots; ++i) density[i] = sol.density_at(r[i]);
  Eigen::VectorXd energy, v_x;
  exchange.evaluate(density, energy, v_x);

  // V_H(0) = lim U(r)/r = U'(0).
  screening_at_nucleus_ =
      sol.basis->derivative_at(sol.hartree_coefficients, 0.0) + v_x[kSplineKnots];
  values_.resize(kSplineKnots);
  // Z_eff = -r (V_nuc + V_H + V_x) = Z - r V_H - r V_x; r V_H = U is what the Poisson solve gives.
  for (int i = 0; i < kSplineKnots; ++i)
    values_[i] = Z - sol.hartree_times_r_at(r[i]) - r[i] * v_x[i];
  values_.back() = Z - sol.electrons;  // nothing left to screen at r_max
  second_derivatives_ = natural_spline(values_, step_);
}

double SapPotential::zeff(double r) const {
  if (!(r >= r_min_)) return Z_ - r * screening_at_nucleus_;  // also passes NaN through
  if (r >= r_max_) return values_.back();
  const double t = (std::log(r) - log_r_min_) / step_;
  const auto i = std::min(static_cast<size_t>(t), values_.size() - 2);
  const double b = t - static_cast<double>(i), a = 1.0 - b;
  const double h2 = step_ * step_ / 6.0;
  return a * values_[i] + b * values_[i + 1] +
         ((a * a * a - a) * second_derivatives_[i] + (b * b * b - b) * second_derivatives_[i + 1]) *
             h2;
}

double SapPotential::potential(double r) const {
  if (r <= 0.0) return -std::numeric_limits<double>::infinity();
  if (r < r_min_) return -Z_ / r + screening_at_nucleus_;
  return -zeff(r) / r;
}

const SapPotential& sap_potential(int Z) {
  static ElementCache<SapPotential> cache;
  return cache.get(Z, "SAP potential", [Z] { return SapPotential(Z); });
}

}  // namespace hamlet::atom
