#pragma once
// Quadratures on the unit sphere. A rule of degree L integrates every polynomial of degree
// <= L in (x, y, z) exactly - equivalently every product Y_lm Y_l'm' with l + l' <= L.
//
// Two kinds, both computed by hamlet (no tabulated third-party data):
//  * Lebedev-type octahedral rules (octahedral_rules.hpp), derived by solving the moment
//    equations; available degrees are listed by octahedral_degrees(), e.g. 29 (302 points)
//    and 41 (590 points), the sizes Psi4 uses. Invariant under all 48 octahedral operations.
//  * Product rules for any odd degree L: (L+1)/2 Gauss-Legendre nodes in cos(theta) times L+1
//    equally spaced azimuths, (L+1)^2/2 points (about 1.5x a Lebedev rule of the same degree).
//    Symmetric under x -> -x, y -> -y and z -> -z.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace hamlet::grid {

enum class AngularScheme {
  Lebedev,  // octahedral rule of the smallest available degree >= the request; product beyond
  Product,
};
AngularScheme parse_angular_scheme(const std::string& name);  // "lebedev", "product"
std::string to_string(AngularScheme scheme);

struct AngularGrid {
  int degree = 0;
  Eigen::Matrix3Xd directions;  // unit vectors, one per column
  Eigen::VectorXd weights;      // sum to 4*pi
  int size() const { return static_cast<int>(weights.size()); }
};

// Product rule exact to `degree` (rounded up to the next odd number; degree >= 1).
AngularGrid product_angular_grid(int degree);
// The octahedral rule of exactly this degree; throws hamlet::Error if hamlet has none.
AngularGrid octahedral_angular_grid(int degree);
std::vector<int> octahedral_degrees();
// Rule of `scheme` for at least `degree` (see AngularScheme).
AngularGrid angular_grid(int degree, AngularScheme scheme);
// Cached shared instance of angular_grid (thread-safe), for building molecular grids.
const AngularGrid& cached_angular_grid(int degree, AngularScheme scheme);

// Gauss-Legendre nodes and weights on [-1, 1]; exact for polynomials of degree <= 2n-1.
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w);

}  // namespace hamlet::grid
