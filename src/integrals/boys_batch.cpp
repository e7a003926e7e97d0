#include "integrals/boys_batch.hpp"

#include <cmath>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "core/error.hpp"

namespace hamlet::integrals {
namespace {

// |T - T_i| <= kSpacing / 2 = 1/32: the 8-term expansions leave 32^-8 / 8! ~ 2e-17 relative.
// A power of 2, so that T_i = i * kSpacing is exact whether or not a compiler fuses the
// multiply into T_i - T (a rounded T_i would shift the argument by up to 4e-15 at T = 60).
constexpr double kSpacing = 1.0 / 16;
constexpr double kInverseSpacing = 16.0;
constexpr int kTaylorOrder = 7;

}  // namespace

std::vector<double> boys_by_series(int max_order, double T) {
  // long double (x87 extended on x86-64): ~100 terms and the recursion round to ~1e-18, so the
  // result is the correctly rounded double nearly always.
  using Real = long double;
  const Real t = T;
  Real term = Real(1) / (2 * max_order + 1), sum = term;
  for (int i = 1; i < 100000; ++i) {
    term *= 2 * t / (2 * max_order + 2 * i + 1);
    sum += term;
    if (term < Real(1e-21) * sum && i > T) break;
  }
  const Real e = std::exp(-t);
  std::vector<Real> F(max_order + 1);
  F[max_order] = e * sum;
  for (int m = max_order - 1; m >= 0; --m) F[m] = (2 * t * F[m + 1] + e) / (2 * m + 1);
  return std::vector<double>(F.begin(), F.end());
}

BoysBatch::BoysBatch(int max_order, double max_argument)
    : max_order_(max_order), max_argument_(max_argument), columns_(max_order + kTaylorOrder + 2) {
  if (max_order < 0 || !(max_argument > 0.0)) throw Error("BoysBatch: invalid order or argument range");
  // Rows up to the point nearest max_argument, plus one.
  const int rows = static_cast<int>(max_argument * kInverseSpacing + 0.5) + 2;
  table_.resize(static_cast<size_t>(rows) * columns_);
  for (int i = 0; i < rows; ++i) {
    const double T = i * kSpacing;
    const auto F = boys_by_series(max_order + kTaylorOrder, T);
    double* row = &table_[static_cast<size_t>(i) * columns_];
    row[0] = static_cast<double>(std::exp(static_cast<long double>(-T)));
    for (int m = 0; m <= max_order + kTaylorOrder; ++m) row[1 + m] = F[m];
  }
}

#ifdef __AVX512F__
namespace {

// Rows r[l] (8 doubles each) become columns: r[j][l] = old r[l][j].
inline void transpose_8x8(__m512d r[8]) {
  __m512d t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
  }
  const __m512i low = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0), high = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
  for (int i = 0; i < 2; ++i)
    for (int odd = 0; odd < 2; ++odd) {
      u[4 * i + odd] = _mm512_permutex2var_pd(t[4 * i + odd], low, t[4 * i + 2 + odd]);
      u[4 * i + 2 + odd] = _mm512_permutex2var_pd(t[4 * i + odd], high, t[4 * i + 2 + odd]);
    }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_f64x2(u[i], u[i + 4], 0x44);
    r[i + 4] = _mm512_shuffle_f64x2(u[i], u[i + 4], 0xEE);
  }
}

}  // namespace

// Each lane's 8 Taylor coefficients F_{m..m+7}(T_i) are adjacent in its table row: 8 row loads
// and a transpose cost half of 8 gathers (measured on the dev VM's AMD EPYC).
void BoysBatch::eval(int m_max, int count, const double* T, double* exp_minus_T, double* F, int stride) const {
  if (!exp_minus_T && m_max != 0) throw Error("BoysBatch::eval: exp(-T) is needed for orders above 0");
  static_assert(kTaylorOrder == 7 && kWidth == 8);
  const __m512d inverse_spacing = _mm512_set1_pd(kInverseSpacing), spacing = _mm512_set1_pd(kSpacing);
  const __m512d half = _mm512_set1_pd(0.5), one = _mm512_set1_pd(1.0);
  const __m256i columns = _mm256_set1_epi32(columns_);
  double* top = F + static_cast<size_t>(m_max) * stride;
  count = padded(count);
  for (int k = 0; k < count; k += kWidth) {
    const __m512d t = _mm512_loadu_pd(T + k);
    const __m256i i = _mm512_cvttpd_epi32(_mm512_fmadd_pd(t, inverse_spacing, half));
    const __m512d d = _mm512_fmsub_pd(_mm512_cvtepi32_pd(i), spacing, t);
    alignas(32) int row[kWidth];
    _mm256_store_si256(reinterpret_cast<__m256i*>(row), i);
    __m512d c[kWidth];
    for (int l = 0; l < kWidth; ++l)
      c[l] = _mm512_loadu_pd(&table_[static_cast<size_t>(row[l]) * columns_ + 1 + m_max]);
    transpose_8x8(c);
    __m512d f = c[kTaylorOrder], e = one;
    if (exp_minus_T) {
      for (int j = kTaylorOrder - 1; j >= 0; --j) {
        const __m512d step = _mm512_mul_pd(d, _mm512_set1_pd(1.0 / (j + 1)));
        f = _mm512_fmadd_pd(step, f, c[j]);
        e = _mm512_fmadd_pd(step, e, one);
      }
      const __m512d exp_at_row = _mm512_i32gather_pd(_mm256_mullo_epi32(i, columns), table_.data(), 8);
      _mm512_storeu_pd(exp_minus_T + k, _mm512_mul_pd(exp_at_row, e));
    } else {
      for (int j = kTaylorOrder - 1; j >= 0; --j)
        f = _mm512_fmadd_pd(_mm512_mul_pd(d, _mm512_set1_pd(1.0 / (j + 1))), f, c[j]);
    }
    _mm512_storeu_pd(top + k, f);
  }
  if (exp_minus_T) downward_recursion(m_max, count, T, exp_minus_T, F, stride);
}
#else
void BoysBatch::eval(int m_max, int count, const double* T, double* exp_minus_T, double* F, int stride) const {
  eval_portable(m_max, count, T, exp_minus_T, F, stride);
}
#endif

void BoysBatch::eval_portable(int m_max, int count, const double* T, double* exp_minus_T, double* F,
                              int stride) const {
  if (!exp_minus_T && m_max != 0) throw Error("BoysBatch::eval: exp(-T) is needed for orders above 0");
  const double* table = table_.data();
  const int columns = columns_;
  double* top = F + static_cast<size_t>(m_max) * stride;
  count = padded(count);
  if (!exp_minus_T) {  // m_max == 0: F_0 alone
#pragma omp simd
    for (int k = 0; k < count; ++k) {
      const int i = static_cast<int>(T[k] * kInverseSpacing + 0.5);
      const double d = i * kSpacing - T[k];
      const double* row = table + static_cast<size_t>(i) * columns;
      double f = row[1 + kTaylorOrder];
      for (int j = kTaylorOrder - 1; j >= 0; --j) f = row[1 + j] + d * f * (1.0 / (j + 1));
      top[k] = f;
    }
    return;
  }
#pragma omp simd
  for (int k = 0; k < count; ++k) {
    const int i = static_cast<int>(T[k] * kInverseSpacing + 0.5);
    const double d = i * kSpacing - T[k];  // F_m(T) = sum_j d^j / j! F_{m+j}(T_i)
    const double* row = table + static_cast<size_t>(i) * columns;
    double f = row[1 + m_max + kTaylorOrder], e = 1.0;
    for (int j = kTaylorOrder - 1; j >= 0; --j) {
      f = row[1 + m_max + j] + d * f * (1.0 / (j + 1));
      e = 1.0 + d * e * (1.0 / (j + 1));
    }
    exp_minus_T[k] = row[0] * e;  // exp(-T) = exp(-T_i) exp(d)
    top[k] = f;
  }
  downward_recursion(m_max, count, T, exp_minus_T, F, stride);
}

void BoysBatch::downward_recursion(int m_max, int count, const double* T, const double* exp_minus_T, double* F,
                                   int stride) {
  for (int n = m_max - 1; n >= 0; --n) {
    double* cur = F + static_cast<size_t>(n) * stride;
    const double* up = cur + stride;
    const double inverse = 1.0 / (2 * n + 1);
#pragma omp simd
    for (int k = 0; k < count; ++k) cur[k] = (2.0 * T[k] * up[k] + exp_minus_T[k]) * inverse;
  }
}

}  // namespace hamlet::integrals
