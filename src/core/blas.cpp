#include "core/blas.hpp"

#include <cblas.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace hamlet::blas {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw Error(std::string("blas: ") + what);  // a programming error, never user input
}

blasint dim(Eigen::Index n) { return static_cast<blasint>(n); }

// Leading dimension as BLAS wants it: at least 1 even for empty matrices.
template <class Ref>
blasint lead(const Ref& m) {
  return static_cast<blasint>(std::max<Eigen::Index>(1, m.outerStride()));
}

}  // namespace

void gemm(double alpha, ConstMatrixRef A, bool transpose_a, ConstMatrixRef B, bool transpose_b, double beta,
          MatrixRef C) {
  const Eigen::Index m = transpose_a ? A.cols() : A.rows(), k = transpose_a ? A.rows() : A.cols();
  const Eigen::Index kb = transpose_b ? B.cols() : B.rows(), n = transpose_b ? B.rows() : B.cols();
  require(k == kb && C.rows() == m && C.cols() == n, "gemm: shapes do not agree");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    C *= beta;
    return;
  }
  cblas_dgemm(CblasColMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, dim(m),
              dim(n), dim(k), alpha, A.data(), lead(A), B.data(), lead(B), beta, C.data(),
              lead(C));
}

void syrk_lower_transposed(double alpha, ConstMatrixRef A, double beta, MatrixRef C) {
  require(C.rows() == A.cols() && C.cols() == A.cols(), "syrk: shapes do not agree");
  if (C.rows() == 0) return;
  if (A.rows() == 0) {
    C.triangularView<Eigen::Lower>() = beta * C;
    return;
  }
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, dim(A.cols()), dim(A.rows()), alpha, A.data(), lead(A), beta,
              C.data(), lead(C));
}

void solve_right_upper(ConstMatrixRef U, MatrixRef B) {
  require(U.rows() == U.cols() && B.cols() == U.rows(), "trsm: shapes do not agree");
  if (B.rows() == 0 || B.cols() == 0) return;
  cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, dim(B.rows()), dim(B.cols()), 1.0,
              U.data(), lead(U), B.data(), lead(B));
}

}  // namespace hamlet::blas
