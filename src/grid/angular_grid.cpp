#include "grid/angular_grid.hpp"

#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.hpp"
#include "grid/octahedral_rules.hpp"

namespace hamlet::grid {

void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  if (n < 1) throw Error("Gauss-Legendre rule needs n >= 1, got " + std::to_string(n));
  x.assign(n, 0.0);
  w.assign(n, 0.0);
  for (int i = 0; i < (n + 1) / 2; ++i) {
    // Newton on P_n from the asymptotic root estimate; converges in a few steps.
    double t = std::cos(M_PI * (i + 0.75) / (n + 0.5));
    double dp = 1.0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1.0, p1 = t;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const double pn = n == 1 ? t : p1;
      const double pnm1 = n == 1 ? 1.0 : p0;
      dp = n * (t * pn - pnm1) / (t * t - 1.0);
      const double dt = pn / dp;
      t -= dt;
      if (std::abs(dt) < 1e-16) break;
    }
    // Recompute the derivative at the converged root for the weight.
    double p0 = 1.0, p1 = t;
    for (int k = 2; k <= n; ++k) {
      const double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n == 1 ? 1.0 : n * (t * p1 - p0) / (t * t - 1.0);
    const double wi = 2.0 / ((1.0 - t * t) * dp * dp);
    x[i] = t;
    x[n - 1 - i] = -t;
    w[i] = w[n - 1 - i] = wi;
  }
  if (n % 2 == 1) x[n / 2] = 0.0;
}

AngularGrid product_angular_grid(int degree) {
  if (degree < 1) throw Error("angular grid degree must be >= 1, got " + std::to_string(degree));
  if (degree % 2 == 0) ++degree;
  const int ntheta = (degree + 1) / 2;  // Gauss-Legendre exact to 2*ntheta-1 = degree
  const int nphi = degree + 1;          // trapezoid exact for |m| <= degree, and even
  std::vector<double> t, wt;
  gauss_legendre(ntheta, t, wt);
  AngularGrid g;
  g.degree = degree;
  g.directions.resize(3, ntheta * nphi);
  g.weights.resize(ntheta * nphi);
  const double dphi = 2.0 * M_PI / nphi;
  int k = 0;
  for (int i = 0; i < ntheta; ++i) {
    const double s = std::sqrt(std::max(0.0, 1.0 - t[i] * t[i]));
    for (int j = 0; j < nphi; ++j, ++k) {
      // Half-step offset keeps the point set symmetric under x -> -x for even nphi.
      const double phi = (j + 0.5) * dphi;
      g.directions(0, k) = s * std::cos(phi);
      g.directions(1, k) = s * std::sin(phi);
      g.directions(2, k) = t[i];
      g.weights[k] = wt[i] * dphi;
    }
  }
  return g;
}

namespace {

// All images of an orbit generator under the octahedral group, as a list of points.
void expand_orbit(const OctahedralOrbit& o, std::vector<Eigen::Vector3d>& out) {
  std::vector<Eigen::Vector3d> base;  // one representative per coordinate permutation
  const double a2 = 1.0 / std::sqrt(2.0), a3 = 1.0 / std::sqrt(3.0);
  switch (o.type) {
    case '1': base = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}; break;
    case '2': base = {{0, a2, a2}, {a2, 0, a2}, {a2, a2, 0}}; break;
    case '3': base = {{a3, a3, a3}}; break;
    case 'b': {
      const double m = std::sqrt(1.0 - 2.0 * o.p * o.p);
      base = {{o.p, o.p, m}, {o.p, m, o.p}, {m, o.p, o.p}};
      break;
    }
    case 'c':
    case 'd': {
      const double t = o.type == 'c' ? 0.0 : std::sqrt(1.0 - o.p * o.p - o.q * o.q);
      const double v[3] = {o.p, o.q, t};
      const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
      for (const auto& pm : perm) base.emplace_back(v[pm[0]], v[pm[1]], v[pm[2]]);
      break;
    }
    default: throw Error(std::string("unknown octahedral orbit type '") + o.type + "'");
  }
  for (const auto& b : base)
    for (int s = 0; s < 8; ++s) {
      Eigen::Vector3d p = b;
      bool duplicate = false;
      for (int c = 0; c < 3; ++c)
        if (s >> c & 1) {
          if (p[c] == 0.0) duplicate = true;  // -0 is the same point
          p[c] = -p[c];
        }
      if (!duplicate) out.push_back(p);
    }
}

}  // namespace

AngularGrid octahedral_angular_grid(int degree) {
  for (const OctahedralRule& rule : octahedral_rules()) {
    if (rule.degree != degree) continue;
    std::vector<Eigen::Vector3d> points;
    std::vector<double> weights;
    for (const OctahedralOrbit& o : rule.orbits) {
      expand_orbit(o, points);
      weights.resize(points.size(), 4.0 * M_PI * o.weight);
    }
    if (static_cast<int>(points.size()) != rule.points)
      throw Error("octahedral rule of degree " + std::to_string(degree) + " expands to " +
                  std::to_string(points.size()) + " points instead of " + std::to_string(rule.points));
    AngularGrid g;
    g.degree = degree;
    g.directions.resize(3, rule.points);
    g.weights.resize(rule.points);
    for (int k = 0; k < rule.points; ++k) {
      g.directions.col(k) = points[k];
      g.weights[k] = weights[k];
    }
    return g;
  }
  throw Error("no octahedral (Lebedev-type) rule of degree " + std::to_string(degree));
}

std::vector<int> octahedral_degrees() {
  std::vector<int> d;
  for (const OctahedralRule& rule : octahedral_rules()) d.push_back(rule.degree);
  return d;
}

AngularGrid angular_grid(int degree, AngularScheme scheme) {
  if (degree < 1) throw Error("angular grid degree must be >= 1, got " + std::to_string(degree));
  if (scheme == AngularScheme::Lebedev)
    for (const OctahedralRule& rule : octahedral_rules())
      if (rule.degree >= degree) return octahedral_angular_grid(rule.degree);
  return product_angular_grid(degree);
}

const AngularGrid& cached_angular_grid(int degree, AngularScheme scheme) {
  static std::mutex mutex;
  static std::map<std::pair<int, AngularScheme>, std::unique_ptr<AngularGrid>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[{degree, scheme}];
  if (!slot) slot = std::make_unique<AngularGrid>(angular_grid(degree, scheme));
  return *slot;
}

AngularScheme parse_angular_scheme(const std::string& name) {
  std::string n = name;
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "lebedev" || n == "octahedral") return AngularScheme::Lebedev;
  if (n == "product") return AngularScheme::Product;
  throw Error("unknown angular grid scheme '" + name + "'; valid: lebedev, product");
}

std::string to_string(AngularScheme scheme) {
  return scheme == AngularScheme::Lebedev ? "lebedev" : "product";
}

}  // namespace hamlet::grid
