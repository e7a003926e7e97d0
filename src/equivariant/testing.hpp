#pragma once
// Checks shipped with the equivariant core, for its own tests and for models built on it:
// equivariance under random rotations and inversion, numerical gradients, Clebsch–Gordan
// orthonormality and spherical-harmonic identities. Functions return the measured error;
// assert_* variants throw hamlet::Error with the numbers when a tolerance is exceeded.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "equivariant/irreps.hpp"

namespace hamlet::equivariant::testing {

// How one input or output of a function transforms: features with irreps (x -> D x);
// Cartesian vectors (x, y, z) [..., 3] (v -> R v, negated by the inversion like a 1o irrep); or
// matrices with row and column irreps, flattened row-major (X -> D_rows X D_cols^T), e.g. AO
// blocks with rows "1x1o" and columns "1x2e" for a p-d shell pair.
struct Rep {
  Irreps irreps;       // features, or the rows of a matrix
  Irreps cols;         // columns of a matrix
  bool cartesian = false;
  bool matrix = false;

  Rep(Irreps ir) : irreps(std::move(ir)) {}  // NOLINT(google-explicit-constructor)
  Rep(const char* ir) : irreps(ir) {}        // NOLINT(google-explicit-constructor)
  static Rep cartesian_vectors() {
    Rep r(Irreps("1o"));
    r.cartesian = true;
    return r;
  }
  static Rep matrices(Irreps rows, Irreps columns) {
    Rep r(std::move(rows));
    r.cols = std::move(columns);
    r.matrix = true;
    return r;
  }
  int64_t dim() const { return cartesian ? 3 : matrix ? irreps.dim() * cols.dim() : irreps.dim(); }
  std::string str() const;
};

using TensorFunction = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

struct EquivarianceOptions {
  int64_t batch = 5;         // leading dimension of the random inputs
  int trials = 3;            // random O(3) elements tried (with and without inversion)
  bool inversion = true;     // also test the improper elements R * (-1)
  uint64_t seed = 12345;
};

// Uniformly random rotation matrices [n, 3, 3] (normalised Gaussian quaternions).
at::Tensor random_rotation(int64_t n, at::ScalarType dtype, uint64_t seed);

// max |f(g x) - g f(x)| / max(1, max |f(x)|) over random inputs [batch, dim] (normal
// distribution) and random g in O(3), in the given dtype.
double equivariance_error(const TensorFunction& f, const std::vector<Rep>& inputs,
                          const std::vector<Rep>& outputs, at::ScalarType dtype,
                          const EquivarianceOptions& options = {});
// Throws hamlet::Error when equivariance_error(...) > tolerance; returns the error.
double assert_equivariant(const TensorFunction& f, const std::vector<Rep>& inputs,
                          const std::vector<Rep>& outputs, at::ScalarType dtype, double tolerance,
                          const EquivarianceOptions& options = {});

// Compares autograd against central differences for the scalar sum_k <v_k, f(x)_k> with random
// cotangents v_k. Inputs with requires_grad() are checked (float64 advised); cost is
// 2 * numel evaluations of f. Returns max |numeric - analytic| / max(1, |analytic|).
double gradient_error(const TensorFunction& f, const std::vector<at::Tensor>& inputs,
                      double step = 1e-6, uint64_t seed = 7);
double assert_gradients(const TensorFunction& f, const std::vector<at::Tensor>& inputs,
                        double tolerance, double step = 1e-6);

// max over l1, l2 <= lmax of the deviation of the real Wigner-3j tensors from orthonormality
// (sum_{m1 m2} W_m1m2M W_m1m2M' = delta/(2L+1)) and completeness over L.
double clebsch_gordan_orthonormality_error(int lmax);

// Max deviation from two identities of the real harmonics up to lmax in the given dtype:
// the addition theorem sum_m Y_lm(a) Y_lm(b) = (2l+1) P_l(a.b) (component normalisation) at
// random points, and orthonormality of the integral-normalised harmonics under an exact
// Gauss–Legendre x trapezoid quadrature.
double spherical_harmonics_identity_error(int lmax, at::ScalarType dtype);

}  // namespace hamlet::equivariant::testing
