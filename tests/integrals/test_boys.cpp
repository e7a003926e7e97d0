// The batched Boys function (integrals/boys_batch.hpp) against independent values: the closed
// form F_0(T) = sqrt(pi) erf(sqrt(T)) / (2 sqrt(T)) and libint2's Chebyshev interpolation
// (FmEval_Chebyshev7, accurate to ~1e-14 by its authors' tests) for the higher orders.
#include <gtest/gtest.h>

#include <libint2/boys.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "integrals/boys_batch.hpp"

using namespace hamlet::integrals;

namespace {

// Arguments across the whole range: a sweep, the table points and the midpoints between them
// (where the Taylor expansions reach furthest); 70 in all is not a multiple of the 8 lanes.
std::vector<double> test_arguments(double max_argument) {
  std::vector<double> T;
  for (double t = 0.0; t < max_argument; t += 0.0137) T.push_back(t);
  for (double t = 0.0; t + 1.0 / 32 < max_argument; t += 1.0 / 16) {
    T.push_back(t);
    T.push_back(t + 1.0 / 32);
  }
  T.push_back(1e-12);
  T.push_back(std::nextafter(max_argument, 0.0));
  return T;
}

struct Values {
  std::vector<double> F, exp_minus_T;
};

// F[n][k] in blocks of 70 arguments (the caller's layout: padded rows, arguments beyond the
// block kept valid).
template <typename Eval>
Values evaluate(const BoysBatch& boys, int m_max, const std::vector<double>& T, Eval eval) {
  const int block = 70, lanes = BoysBatch::padded(block);
  Values v{std::vector<double>((m_max + 1) * T.size()), std::vector<double>(T.size())};
  std::vector<double> args(lanes, 0.0), e(lanes), F((m_max + 1) * lanes);
  for (size_t start = 0; start < T.size(); start += block) {
    const int count = static_cast<int>(std::min<size_t>(block, T.size() - start));
    std::copy(T.begin() + start, T.begin() + start + count, args.begin());
    eval(boys, m_max, count, args.data(), e.data(), F.data(), lanes);
    for (int k = 0; k < count; ++k) {
      v.exp_minus_T[start + k] = e[k];
      for (int n = 0; n <= m_max; ++n) v.F[n * T.size() + start + k] = F[n * lanes + k];
    }
  }
  return v;
}

}  // namespace

// Largest relative error measured (both paths): 1.0e-15 against the closed form (n = 0), 1.1e-15
// against libint2 (n <= 10), 4.4e-16 for exp(-T). Tolerance 2e-15 (the header's promise).
TEST(BoysBatch, MatchesClosedFormAndLibint) {
  const int m_max = 10;
  const BoysBatch boys(m_max, 60.0);
  const auto T = test_arguments(boys.max_argument());
  const auto libint = libint2::FmEval_Chebyshev7<double>::instance(m_max);
  for (const bool portable : {false, true}) {
    const Values v = evaluate(boys, m_max, T, [portable](const BoysBatch& b, auto... args) {
      portable ? b.eval_portable(args...) : b.eval(args...);
    });
    double worst_closed = 0.0, worst_libint = 0.0, worst_exp = 0.0;
    std::vector<double> ref(m_max + 1);
    for (size_t k = 0; k < T.size(); ++k) {
      const double closed = T[k] < 1e-6 ? 1.0 - T[k] / 3 + T[k] * T[k] / 10  // its series: erf loses digits
                                        : std::sqrt(std::numbers::pi / T[k]) / 2 * std::erf(std::sqrt(T[k]));
      worst_closed = std::max(worst_closed, std::abs(v.F[k] / closed - 1.0));
      worst_exp = std::max(worst_exp, std::abs(v.exp_minus_T[k] / std::exp(-T[k]) - 1.0));
      libint->eval(ref.data(), T[k], m_max);
      for (int n = 0; n <= m_max; ++n)
        worst_libint = std::max(worst_libint, std::abs(v.F[n * T.size() + k] / ref[n] - 1.0));
    }
    std::printf("%s: max relative error: F_0 vs closed form %.1e, F_n vs libint2 %.1e, exp %.1e\n",
                portable ? "portable" : "eval", worst_closed, worst_libint, worst_exp);
    EXPECT_LT(worst_closed, 2e-15);
    EXPECT_LT(worst_libint, 2e-15);
    EXPECT_LT(worst_exp, 2e-15);
  }
}

// Every order can be the top of the recursion: F_n from a call with m_max = n equals F_n from
// the call with m_max = 10 (different table columns, the same function).
TEST(BoysBatch, TopOrderDoesNotMatter) {
  const BoysBatch boys(10, 60.0);
  const auto T = test_arguments(boys.max_argument());
  auto eval = [](const BoysBatch& b, auto... args) { b.eval(args...); };
  const Values all = evaluate(boys, 10, T, eval);
  for (int m = 0; m < 10; ++m) {
    const Values v = evaluate(boys, m, T, eval);
    for (size_t k = 0; k < T.size(); ++k)
      ASSERT_NEAR(v.F[m * T.size() + k], all.F[m * T.size() + k], 2e-15 * all.F[m * T.size() + k])
          << "m " << m << " T " << T[k];
  }
}

// F_0 without exp(-T) (a null exp_minus_T, m_max = 0) is the same F_0, bit for bit, on both
// paths; higher orders need exp(-T) and refuse a null pointer.
TEST(BoysBatch, ZerothOrderWithoutExponential) {
  const BoysBatch boys(10, 60.0);
  const auto T = test_arguments(boys.max_argument());
  auto fast = [](const BoysBatch& b, auto... args) { b.eval(args...); };
  auto portable = [](const BoysBatch& b, auto... args) { b.eval_portable(args...); };
  auto without_exp = [](auto eval) {
    return [eval](const BoysBatch& b, int m, int count, const double* t, double*, double* F, int stride) {
      eval(b, m, count, t, static_cast<double*>(nullptr), F, stride);
    };
  };
  for (const auto& [with, without] : {std::pair{evaluate(boys, 0, T, fast), evaluate(boys, 0, T, without_exp(fast))},
                                      std::pair{evaluate(boys, 0, T, portable),
                                                evaluate(boys, 0, T, without_exp(portable))}})
    EXPECT_EQ(with.F, without.F);
  std::vector<double> t(8, 1.0), F(16);
  EXPECT_ANY_THROW(boys.eval(1, 8, t.data(), nullptr, F.data(), 8));
  EXPECT_ANY_THROW(boys.eval_portable(1, 8, t.data(), nullptr, F.data(), 8));
}

TEST(BoysBatch, RejectsInvalidRange) {
  EXPECT_ANY_THROW(BoysBatch(-1, 10.0));
  EXPECT_ANY_THROW(BoysBatch(4, 0.0));
}
