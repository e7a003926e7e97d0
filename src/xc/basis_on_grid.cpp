#include "xc/basis_on_grid.hpp"

#include <libint2/solidharmonics.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "core/error.hpp"

namespace hamlet::xc {
namespace {

constexpr int kMaxL = 10;  // libint2's solid-harmonic tables stop here

struct CartesianComponent {
  int a, b, c;                                  // powers of x, y, z
  std::vector<std::pair<int, double>> to_pure;  // (m index 0..2l, coefficient)
};

// Cartesian components of angular momentum l in libint2 order, each with the pure functions
// it contributes to; built once from libint2's own coefficient table.
const std::vector<CartesianComponent>& cartesian_components(int l) {
  static const std::array<std::vector<CartesianComponent>, kMaxL + 1> tables = [] {
    std::array<std::vector<CartesianComponent>, kMaxL + 1> t;
    for (int L = 0; L <= kMaxL; ++L) {
      for (int a = L; a >= 0; --a)
        for (int b = L - a; b >= 0; --b) t[L].push_back({a, b, L - a - b, {}});
      const auto& coefs = libint2::solidharmonics::SolidHarmonicsCoefficients<double>::instance(L);
      for (int m = 0; m < 2 * L + 1; ++m)
        for (int k = 0; k < coefs.nnz(m); ++k)
          t[L][coefs.row_idx(m)[k]].to_pure.emplace_back(m, coefs.row_values(m)[k]);
    }
    return t;
  }();
  return tables[l];
}

double envelope(const Shell& s, double r) {
  double f = 0.0;
  for (size_t p = 0; p < s.exponents.size(); ++p)
    f += std::abs(s.coefficients[p]) * std::exp(-s.exponents[p] * r * r);
  return f * std::pow(r, s.l);
}

}  // namespace

double shell_extent(const Shell& s, double tolerance) {
  // Beyond the outermost primitive maximum sqrt(l / (2 alpha)) the envelope only decreases,
  // so bisection there finds the last crossing of `tolerance`.
  double lo = 0.0;
  for (double alpha : s.exponents) lo = std::max(lo, std::sqrt(s.l / (2.0 * alpha)));
  if (envelope(s, lo) <= tolerance) return lo;
  double hi = std::max(1.0, 2.0 * lo);
  while (envelope(s, hi) > tolerance) hi *= 2.0;
  for (int it = 0; it < 100 && hi - lo > 1e-6 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (envelope(s, mid) > tolerance ? lo : hi) = mid;
  }
  return hi;
}

void evaluate_basis(const BasisSet& basis, const std::vector<int>& shells,
                    const Eigen::Ref<const Eigen::MatrixX3d>& points, bool gradients,
                    BasisValues& out) {
  const Eigen::Index np = points.rows();
  int nf = 0;
  for (int s : shells) nf += basis.shells[s].size();
  // s and p columns are assigned below; only l >= 2 columns accumulate and need zeroing.
  out.value.resize(np, nf);
  if (gradients) {
    out.dx.resize(np, nf);
    out.dy.resize(np, nf);
    out.dz.resize(np, nf);
  }
  // Eigen arrays so that exp() vectorises; reused across shells.
  Eigen::ArrayXd x(np), y(np), z(np), r2(np), radial(np), dradial(np), g(np), mono(np), t(np), gx(np), gy(np), gz(np);
  Eigen::ArrayXXd powers;
  int offset = 0;
  for (int si : shells) {
    const Shell& sh = basis.shells[si];
    if (sh.l > kMaxL) throw Error("basis functions with l > 10 are not supported on the grid");
    x = points.col(0).array() - sh.center.x();
    y = points.col(1).array() - sh.center.y();
    z = points.col(2).array() - sh.center.z();
    r2 = x * x + y * y + z * z;
    radial.setZero();
    dradial.setZero();
    // Tight (core) primitives on distant points: with alpha r^2 > 92 everywhere, the
    // primitive's absolute contribution is below 1e-40 |c_p| (exp(-92) ~ 1e-40), far below
    // anything the integrators keep, so its exponentials are not computed.
    constexpr double kSkipExponent = 92.0;
    const double r2_min = r2.minCoeff();
    for (size_t p = 0; p < sh.exponents.size(); ++p) {
      if (sh.exponents[p] * r2_min > kSkipExponent) continue;
      g = sh.coefficients[p] * (-sh.exponents[p] * r2).exp();
      radial += g;
      // d/dx R(r^2) = x * dradial with dradial = sum_p -2 alpha_p c_p exp(-alpha_p r^2).
      if (gradients) dradial -= (2.0 * sh.exponents[p]) * g;
    }
    if (sh.l == 0) {
      out.value.col(offset) = radial.matrix();
      if (gradients) {
        out.dx.col(offset) = (x * dradial).matrix();
        out.dy.col(offset) = (y * dradial).matrix();
        out.dz.col(offset) = (z * dradial).matrix();
      }
    } else if (sh.l == 1) {
      // libint2 standard pure p order is (y, z, x), unit coefficients.
      const Eigen::ArrayXd* comp[3] = {&y, &z, &x};
      for (int m = 0; m < 3; ++m) {
        const Eigen::ArrayXd& u = *comp[m];
        out.value.col(offset + m) = (u * radial).matrix();
        if (gradients) {
          out.dx.col(offset + m) = (u * x * dradial).matrix();
          out.dy.col(offset + m) = (u * y * dradial).matrix();
          out.dz.col(offset + m) = (u * z * dradial).matrix();
        }
      }
      if (gradients) {
        out.dy.col(offset).array() += radial;
        out.dz.col(offset + 1).array() += radial;
        out.dx.col(offset + 2).array() += radial;
      }
    } else {
      out.value.middleCols(offset, sh.size()).setZero();
      if (gradients) {
        out.dx.middleCols(offset, sh.size()).setZero();
        out.dy.middleCols(offset, sh.size()).setZero();
        out.dz.middleCols(offset, sh.size()).setZero();
      }
      // Column-wise over the points (vectorised): powers x^k, y^k, z^k, then each Cartesian
      // component added to the pure functions it contributes to.
      const auto& comps = cartesian_components(sh.l);
      powers.resize(np, 3 * (sh.l + 1));
      for (int k = 0; k <= sh.l; ++k) {
        if (k == 0) {
          powers.col(0).setOnes();
          powers.col(sh.l + 1).setOnes();
          powers.col(2 * (sh.l + 1)).setOnes();
          continue;
        }
        powers.col(k) = powers.col(k - 1) * x;
        powers.col(sh.l + 1 + k) = powers.col(sh.l + k) * y;
        powers.col(2 * (sh.l + 1) + k) = powers.col(2 * sh.l + 1 + k) * z;
      }
      const auto xp = [&](int k) { return powers.col(k); };
      const auto yp = [&](int k) { return powers.col(sh.l + 1 + k); };
      const auto zp = [&](int k) { return powers.col(2 * (sh.l + 1) + k); };
      for (const auto& c : comps) {
        mono = xp(c.a) * yp(c.b) * zp(c.c);
        t = mono * radial;
        for (const auto& [m, coef] : c.to_pure) out.value.col(offset + m).array() += coef * t;
        if (!gradients) continue;
        t = mono * dradial;
        gx = x * t;
        gy = y * t;
        gz = z * t;
        if (c.a) gx += c.a * xp(c.a - 1) * yp(c.b) * zp(c.c) * radial;
        if (c.b) gy += c.b * xp(c.a) * yp(c.b - 1) * zp(c.c) * radial;
        if (c.c) gz += c.c * xp(c.a) * yp(c.b) * zp(c.c - 1) * radial;
        for (const auto& [m, coef] : c.to_pure) {
          out.dx.col(offset + m).array() += coef * gx;
          out.dy.col(offset + m).array() += coef * gy;
          out.dz.col(offset + m).array() += coef * gz;
        }
      }
    }
    offset += sh.size();
  }
}

}  // namespace hamlet::xc
