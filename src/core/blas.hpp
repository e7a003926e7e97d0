#pragma once
// OpenBLAS's level-3 kernels for the SCF's hot products (DF-J/K, the L^-T transform, XC
// matrices), called directly on Eigen storage. Not EIGEN_USE_BLAS: that routes Eigen's solvers
// through OpenBLAS's level-2 routines too, whose results depend on the thread count at the
// rounding level (README, performance). Callers run these inside their own OpenMP regions,
// where OpenBLAS uses one thread, so sums stay independent of the thread count.
#include <Eigen/Core>

namespace hamlet::blas {

using ConstMatrixRef = Eigen::Ref<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>;
using MatrixRef = Eigen::Ref<Eigen::MatrixXd, 0, Eigen::OuterStride<>>;

// C = alpha op(A) op(B) + beta C, op(X) = X^T when its flag is set. Shapes must agree.
void gemm(double alpha, ConstMatrixRef A, bool transpose_a, ConstMatrixRef B, bool transpose_b, double beta,
          MatrixRef C);

// Lower triangle of C = alpha A^T A + beta C (A is k x n, C n x n); the upper triangle is untouched.
void syrk_lower_transposed(double alpha, ConstMatrixRef A, double beta, MatrixRef C);

// B <- B U^-1 for an upper-triangular U (only its upper triangle is read).
void solve_right_upper(ConstMatrixRef U, MatrixRef B);

}  // namespace hamlet::blas
