#pragma once
// Internal: one-dimensional high-order finite elements on [0, r_max] for radial problems.
// Each element carries Lagrange interpolating polynomials on Gauss–Lobatto nodes; functions of
// neighbouring elements share the boundary node, so the global basis is continuous. Integrals use
// Gauss–Legendre quadrature inside each element (points never sit on r = 0, where 1/r diverges).
//
// Global function index g = e * (nodes - 1) + k for local node k of element e; function 0 is the
// only one not vanishing at r = 0 and the last one is the only one not vanishing at r_max.
#include <Eigen/Dense>
#include <vector>

namespace hamlet::atom::detail {

// Gauss–Legendre nodes and weights on [-1, 1].
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w);
// Gauss–Lobatto–Legendre nodes on [-1, 1] (n >= 2, includes both end points).
std::vector<double> gauss_lobatto_nodes(int n);

class RadialFem {
 public:
  // boundaries: strictly increasing element end points, boundaries.front() == 0.
  RadialFem(std::vector<double> boundaries, int nodes_per_element, int quadrature_points);

  int num_elements() const { return static_cast<int>(boundaries_.size()) - 1; }
  int nodes_per_element() const { return nodes_; }
  int num_functions() const { return num_elements() * (nodes_ - 1) + 1; }
  double r_max() const { return boundaries_.back(); }
  const std::vector<double>& boundaries() const { return boundaries_; }

  // Quadrature points (element-major) and weights that include the Jacobian, so that
  // sum_q w[q] f(r[q]) approximates the integral of f over [0, r_max].
  const Eigen::VectorXd& r() const { return r_; }
  const Eigen::VectorXd& w() const { return w_; }
  int num_points() const { return static_cast<int>(r_.size()); }

  // Full-size (num_functions^2) matrices: integral of B_i B_j f dr (f given at the
  // quadrature points) and integral of B_i' B_j' dr.
  Eigen::MatrixXd mass(const Eigen::VectorXd& f) const;
  Eigen::MatrixXd stiffness() const;
  // Integral of B_i f dr for every function i.
  Eigen::VectorXd load(const Eigen::VectorXd& f) const;
  // Values at the quadrature points of the expansion with full-size coefficients.
  Eigen::VectorXd values(const Eigen::VectorXd& coefficients) const;
  // Value (and derivative) of the expansion at any r in [0, r_max].
  double value_at(const Eigen::VectorXd& coefficients, double r) const;
  double derivative_at(const Eigen::VectorXd& coefficients, double r) const;

 private:
  int element_of(double r) const;
  void local_basis(double x, double* value, double* derivative) const;

  std::vector<double> boundaries_;
  int nodes_;
  std::vector<double> node_x_;      // Lobatto nodes of the reference element
  std::vector<double> node_denom_;  // prod_{j != k} (x_k - x_j)
  Eigen::MatrixXd basis_, dbasis_;  // reference tables: (quadrature point, local function)
  Eigen::VectorXd ref_w_;           // reference Gauss–Legendre weights
  Eigen::VectorXd r_, w_;
};

}  // namespace hamlet::atom::detail
