#include "grid/angular_grid.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.hpp"

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

const AngularGrid& cached_angular_grid(int degree) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<AngularGrid>> cache;
  if (degree % 2 == 0) ++degree;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[degree];
  if (!slot) slot = std::make_unique<AngularGrid>(product_angular_grid(degree));
  return *slot;
}

}  // namespace hamlet::grid
