#pragma once
// The Boys function F_n(T) = int_0^1 t^(2n) exp(-T t^2) dt for many arguments at once, in SIMD
// lanes: one argument per lane, so a loop over Gaussian charges vectorises (libint2's Chebyshev
// evaluator takes one argument per call, ~25 cycles each). F_{m_max} comes from a 7th-order
// Taylor expansion about the nearest point of a table (spacing 1/16), exp(-T) likewise; the
// lower orders from the downward recursion F_n = (2T F_{n+1} + exp(-T)) / (2n + 1), which is
// stable. The table is filled from the convergent series F_m(T) = exp(-T) sum_i (2T)^i /
// ((2m+1)(2m+3)...(2m+2i+1)), whose terms are all positive: no cancellation.
#include <vector>

namespace hamlet::integrals {

class BoysBatch {
 public:
  // Arguments 0 <= T < max_argument, orders n <= max_order.
  BoysBatch(int max_order, double max_argument);

  // F[n * stride + k] = F_n(T[k]) for n <= m_max and k < count; exp_minus_T[k] = exp(-T[k]).
  // Relative error <= 2e-15 (tests/integrals: against libint2 and the series). The loop runs
  // to padded(count), so that no lane is left to a scalar remainder: the arrays must hold that
  // many entries, and T's beyond count must be valid arguments too (e.g. zeros). With
  // m_max == 0, exp_minus_T may be null: F_0 alone, without exp(-T) (which only the recursion
  // needs: its table gather and Taylor sum are skipped).
  void eval(int m_max, int count, const double* T, double* exp_minus_T, double* F, int stride) const;

  // The same without AVX-512 intrinsics (gathers, by the compiler): what eval runs on other
  // CPUs; public so that tests check it wherever they run.
  void eval_portable(int m_max, int count, const double* T, double* exp_minus_T, double* F, int stride) const;

  static constexpr int kWidth = 8;  // lanes of an AVX-512 double vector
  static int padded(int count) { return (count + kWidth - 1) / kWidth * kWidth; }

  int max_order() const { return max_order_; }
  double max_argument() const { return max_argument_; }

 private:
  static void downward_recursion(int m_max, int count, const double* T, const double* exp_minus_T, double* F,
                                 int stride);

  int max_order_;
  double max_argument_;
  int columns_;                // exp(-T_i), then F_0 .. F_{max_order + kTaylorOrder}
  std::vector<double> table_;  // row i: T_i = i * kSpacing
};

// F_m(T) for m <= max_order by the series above (slow: for tables and tests).
std::vector<double> boys_by_series(int max_order, double T);

}  // namespace hamlet::integrals
