#include "atom/radial_fem.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace hamlet::atom::detail {
namespace {

// Legendre P_n(x) and P_{n-1}(x) by the three-term recurrence.
void legendre(int n, double x, double& p_n, double& p_nm1) {
  double p0 = 1.0, p1 = x;
  if (n == 0) {
    p_n = 1.0;
    p_nm1 = 0.0;
    return;
  }
  for (int k = 2; k <= n; ++k) {
    const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  p_n = p1;
  p_nm1 = p0;
}

}  // namespace

void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  if (n < 1) throw Error("gauss_legendre: need at least one point");
  x.assign(n, 0.0);
  w.assign(n, 0.0);
  for (int i = 0; i < n; ++i) {
    double xi = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double dp = 1.0;
    for (int it = 0; it < 100; ++it) {
      double p, pm1;
      legendre(n, xi, p, pm1);
      dp = n * (xi * p - pm1) / (xi * xi - 1.0);
      const double step = p / dp;
      xi -= step;
      if (std::abs(step) < 1e-16) break;
    }
    double p, pm1;
    legendre(n, xi, p, pm1);
    dp = n * (xi * p - pm1) / (xi * xi - 1.0);
    x[n - 1 - i] = xi;  // ascending order
    w[n - 1 - i] = 2.0 / ((1.0 - xi * xi) * dp * dp);
  }
}

std::vector<double> gauss_lobatto_nodes(int n) {
  if (n < 2) throw Error("gauss_lobatto_nodes: need at least two nodes");
  const int p = n - 1;  // interior nodes are the roots of P_p'
  std::vector<double> x(n);
  x[0] = -1.0;
  x[p] = 1.0;
  for (int k = 1; k < p; ++k) {
    double xi = -std::cos(std::numbers::pi * k / p);
    for (int it = 0; it < 100; ++it) {
      double pp, pm1;
      legendre(p, xi, pp, pm1);
      const double one_minus_x2 = 1.0 - xi * xi;
      const double d1 = p * (pm1 - xi * pp) / one_minus_x2;
      const double d2 = (2.0 * xi * d1 - p * (p + 1) * pp) / one_minus_x2;
      const double step = d1 / d2;
      xi -= step;
      if (std::abs(step) < 1e-16) break;
    }
    x[k] = xi;
  }
  return x;
}

RadialFem::RadialFem(std::vector<double> boundaries, int nodes_per_element, int quadrature_points)
    : boundaries_(std::move(boundaries)), nodes_(nodes_per_element) {
  if (boundaries_.size() < 2 || boundaries_.front() != 0.0)
    throw Error("RadialFem: boundaries must start at 0 and define at least one element");
  for (size_t i = 1; i < boundaries_.size(); ++i)
    if (!(boundaries_[i] > boundaries_[i - 1]))
      throw Error("RadialFem: element boundaries must increase strictly");
  if (nodes_ < 2) throw Error("RadialFem: need at least 2 nodes per element");

  node_x_ = gauss_lobatto_nodes(nodes_);
  node_denom_.assign(nodes_, 1.0);
  for (int k = 0; k < nodes_; ++k)
    for (int j = 0; j < nodes_; ++j)
      if (j != k) node_denom_[k] *= node_x_[k] - node_x_[j];

  std::vector<double> qx, qw;
  gauss_legendre(quadrature_points, qx, qw);
  basis_.resize(quadrature_points, nodes_);
  dbasis_.resize(quadrature_points, nodes_);
  ref_w_ = Eigen::Map<Eigen::VectorXd>(qw.data(), quadrature_points);
  std::vector<double> v(nodes_), d(nodes_);
  for (int q = 0; q < quadrature_points; ++q) {
    local_basis(qx[q], v.data(), d.data());
    for (int k = 0; k < nodes_; ++k) {
      basis_(q, k) = v[k];
      dbasis_(q, k) = d[k];
    }
  }

  const int ne = num_elements();
  r_.resize(ne * quadrature_points);
  w_.resize(ne * quadrature_points);
  for (int e = 0; e < ne; ++e) {
    const double mid = 0.5 * (boundaries_[e + 1] + boundaries_[e]);
    const double half = 0.5 * (boundaries_[e + 1] - boundaries_[e]);
    for (int q = 0; q < quadrature_points; ++q) {
      r_[e * quadrature_points + q] = mid + half * qx[q];
      w_[e * quadrature_points + q] = half * qw[q];
    }
  }
}

// Lagrange polynomials on the Lobatto nodes in product form: accurate even right next to a node,
// which matters at r -> 0 where every retained function vanishes linearly.
void RadialFem::local_basis(double x, double* value, double* derivative) const {
  for (int k = 0; k < nodes_; ++k) {
    double prod = 1.0;
    for (int j = 0; j < nodes_; ++j)
      if (j != k) prod *= x - node_x_[j];
    value[k] = prod / node_denom_[k];
    if (derivative) {
      double sum = 0.0;
      for (int m = 0; m < nodes_; ++m) {
        if (m == k) continue;
        double term = 1.0;
        for (int j = 0; j < nodes_; ++j)
          if (j != k && j != m) term *= x - node_x_[j];
        sum += term;
      }
      derivative[k] = sum / node_denom_[k];
    }
  }
}

Eigen::MatrixXd RadialFem::mass(const Eigen::VectorXd& f) const {
  const int nq = static_cast<int>(ref_w_.size());
  const int step = nodes_ - 1;
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(num_functions(), num_functions());
  for (int e = 0; e < num_elements(); ++e) {
    const Eigen::VectorXd wf = w_.segment(e * nq, nq).cwiseProduct(f.segment(e * nq, nq));
    m.block(e * step, e * step, nodes_, nodes_).noalias() +=
        basis_.transpose() * wf.asDiagonal() * basis_;
  }
  return m;
}

Eigen::MatrixXd RadialFem::stiffness() const {
  const int step = nodes_ - 1;
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(num_functions(), num_functions());
  for (int e = 0; e < num_elements(); ++e) {
    const double half = 0.5 * (boundaries_[e + 1] - boundaries_[e]);
    m.block(e * step, e * step, nodes_, nodes_).noalias() +=
        (1.0 / half) * (dbasis_.transpose() * ref_w_.asDiagonal() * dbasis_);
  }
  return m;
}

Eigen::VectorXd RadialFem::load(const Eigen::VectorXd& f) const {
  const int nq = static_cast<int>(ref_w_.size());
  const int step = nodes_ - 1;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(num_functions());
  for (int e = 0; e < num_elements(); ++e)
    b.segment(e * step, nodes_).noalias() +=
        basis_.transpose() * w_.segment(e * nq, nq).cwiseProduct(f.segment(e * nq, nq));
  return b;
}

Eigen::VectorXd RadialFem::values(const Eigen::VectorXd& c) const {
  const int nq = static_cast<int>(ref_w_.size());
  const int step = nodes_ - 1;
  Eigen::VectorXd v(num_points());
  for (int e = 0; e < num_elements(); ++e)
    v.segment(e * nq, nq).noalias() = basis_ * c.segment(e * step, nodes_);
  return v;
}

int RadialFem::element_of(double r) const {
  const auto it = std::upper_bound(boundaries_.begin(), boundaries_.end(), r);
  const int e = static_cast<int>(it - boundaries_.begin()) - 1;
  return std::clamp(e, 0, num_elements() - 1);
}

double RadialFem::value_at(const Eigen::VectorXd& c, double r) const {
  if (r < 0.0 || r > r_max()) return 0.0;
  const int e = element_of(r);
  const double mid = 0.5 * (boundaries_[e + 1] + boundaries_[e]);
  const double half = 0.5 * (boundaries_[e + 1] - boundaries_[e]);
  std::vector<double> v(nodes_);
  local_basis((r - mid) / half, v.data(), nullptr);
  double sum = 0.0;
  for (int k = 0; k < nodes_; ++k) sum += c[e * (nodes_ - 1) + k] * v[k];
  return sum;
}

double RadialFem::derivative_at(const Eigen::VectorXd& c, double r) const {
  if (r < 0.0 || r > r_max()) return 0.0;
  const int e = element_of(r);
  const double mid = 0.5 * (boundaries_[e + 1] + boundaries_[e]);
  const double half = 0.5 * (boundaries_[e + 1] - boundaries_[e]);
  std::vector<double> v(nodes_), d(nodes_);
  local_basis((r - mid) / half, v.data(), d.data());
  double sum = 0.0;
  for (int k = 0; k < nodes_; ++k) sum += c[e * (nodes_ - 1) + k] * d[k];
  return sum / half;
}

}  // namespace hamlet::atom::detail
