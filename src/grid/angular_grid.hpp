#pragma once
// Quadrature on the unit sphere, computed (no tabulated Lebedev data): a product of
// Gauss-Legendre nodes in cos(theta) and the trapezoid rule in phi.
//
// For odd degree L the rule uses (L+1)/2 Legendre nodes and L+1 equally spaced azimuths,
// (L+1)^2/2 points in all, and integrates every polynomial of degree <= L in (x, y, z)
// exactly - equivalently every product Y_lm Y_l'm' with l + l' <= L. (Lebedev reaches the
// same degree with about 2/3 of the points: degree 29 is 302 Lebedev / 450 product points,
// degree 41 is 590 / 882.) The point set is symmetric under x -> -x, y -> -y and z -> -z.
#include <Eigen/Core>
#include <vector>

namespace hamlet::grid {

struct AngularGrid {
  int degree = 0;
  Eigen::Matrix3Xd directions;  // unit vectors, one per column
  Eigen::VectorXd weights;      // sum to 4*pi
  int size() const { return static_cast<int>(weights.size()); }
};

// Product rule exact to `degree` (rounded up to the next odd number; degree >= 1).
AngularGrid product_angular_grid(int degree);
// Cached shared instance (thread-safe), for building molecular grids.
const AngularGrid& cached_angular_grid(int degree);

// Gauss-Legendre nodes and weights on [-1, 1]; exact for polynomials of degree <= 2n-1.
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w);

}  // namespace hamlet::grid
