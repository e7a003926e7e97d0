#include "equivariant/so3.hpp"

#include <cmath>
#include <complex>
#include <map>
#include <mutex>
#include <tuple>

#include "core/error.hpp"

namespace hamlet::equivariant {
namespace {

using cld = std::complex<long double>;

long double factorial(int n) {
  static const std::vector<long double> table = [] {
    std::vector<long double> t(64, 1.0L);
    for (int i = 1; i < 64; ++i) t[i] = t[i - 1] * i;
    return t;
  }();
  if (n < 0 || n >= 64) throw Error("factorial argument out of range: " + std::to_string(n));
  return table[n];
}

long double binomial(int n, int k) {
  if (k < 0 || k > n) return 0.0L;
  return factorial(n) / (factorial(k) * factorial(n - k));
}

void check_degree(int l) {
  if (l < 0 || l > kMaxL)
    throw Error("degree l = " + std::to_string(l) + " outside the supported range 0.." +
                std::to_string(kMaxL));
}

// Dense polynomial in x, y, z of total degree <= kMaxL.
struct Poly {
  static constexpr int n = kMaxL + 1;
  std::vector<long double> c = std::vector<long double>(n * n * n, 0.0L);
  long double& at(int a, int b, int d) { return c[(a * n + b) * n + d]; }
  long double at(int a, int b, int d) const { return c[(a * n + b) * n + d]; }

  static Poly monomial(int a, int b, int d, long double coef = 1.0L) {
    Poly p;
    p.at(a, b, d) = coef;
    return p;
  }
  Poly operator*(const Poly& o) const {
    Poly r;
    for (int a = 0; a < n; ++a)
      for (int b = 0; a + b < n; ++b)
        for (int d = 0; a + b + d < n; ++d) {
          if (at(a, b, d) == 0.0L) continue;
          for (int a2 = 0; a + a2 < n; ++a2)
            for (int b2 = 0; a + a2 + b + b2 < n; ++b2)
              for (int d2 = 0; a + a2 + b + b2 + d + d2 < n; ++d2)
                r.at(a + a2, b + b2, d + d2) += at(a, b, d) * o.at(a2, b2, d2);
        }
    return r;
  }
  Poly operator+(const Poly& o) const {
    Poly r = *this;
    for (size_t i = 0; i < c.size(); ++i) r.c[i] += o.c[i];
    return r;
  }
  Poly scaled(long double s) const {
    Poly r = *this;
    for (auto& v : r.c) v *= s;
    return r;
  }
};

// Pi_l^m(z, r^2) of so3.hpp as a polynomial.
Poly legendre_part(int l, int m) {
  const Poly r2 = Poly::monomial(2, 0, 0) + Poly::monomial(0, 2, 0) + Poly::monomial(0, 0, 2);
  Poly sum;
  Poly r2k = Poly::monomial(0, 0, 0);
  for (int k = 0; 2 * k <= l - m; ++k) {
    long double coef = (k % 2 ? -1.0L : 1.0L) * binomial(l, k) * binomial(2 * l - 2 * k, l) *
                       factorial(l - 2 * k) / factorial(l - 2 * k - m) / std::pow(2.0L, l);
    sum = sum + (r2k * Poly::monomial(0, 0, l - 2 * k - m, coef));
    r2k = r2k * r2;
  }
  return sum;
}

// Re or Im of (x + i y)^m.
Poly xy_power(int m, bool imaginary) {
  Poly p;
  for (int q = 0; q <= m; ++q) {  // binom(m, q) x^q (i y)^(m-q)
    int k = m - q;                // power of i
    long double re = (k % 4 == 0) ? 1.0L : (k % 4 == 2 ? -1.0L : 0.0L);
    long double im = (k % 4 == 1) ? 1.0L : (k % 4 == 3 ? -1.0L : 0.0L);
    long double f = imaginary ? im : re;
    if (f != 0.0L) p.at(q, k, 0) += f * binomial(m, q);
  }
  return p;
}

std::vector<double> build_solid_harmonic_coefficients(int l) {
  auto exps = cartesian_exponents(l);
  const int nm = 2 * l + 1;
  std::vector<double> coef(exps.size() * nm, 0.0);
  for (int m = -l; m <= l; ++m) {
    int am = std::abs(m);
    long double norm = m == 0 ? 1.0L : std::sqrt(2.0L * factorial(l - am) / factorial(l + am));
    Poly p = legendre_part(l, am) * xy_power(am, m < 0);
    for (size_t c = 0; c < exps.size(); ++c)
      coef[c * nm + (m + l)] = static_cast<double>(norm * p.at(exps[c][0], exps[c][1], exps[c][2]));
  }
  return coef;
}

// U[a][k]: real harmonic a (m = a - l) as a combination of complex Condon–Shortley harmonics
// Y_{k-l}. Follows from Re/Im (x+iy)^m being proportional to ((-1)^m Y_m +- Y_-m) / 2.
std::vector<cld> real_from_complex(int l) {
  const int n = 2 * l + 1;
  std::vector<cld> U(n * n, cld(0, 0));
  const long double s = 1.0L / std::sqrt(2.0L);
  U[l * n + l] = 1.0L;
  for (int m = 1; m <= l; ++m) {
    long double sign = m % 2 ? -1.0L : 1.0L;
    U[(l + m) * n + (l + m)] = sign * s;
    U[(l + m) * n + (l - m)] = s;
    U[(l - m) * n + (l + m)] = cld(0, -sign * s);
    U[(l - m) * n + (l - m)] = cld(0, s);
  }
  return U;
}

long double wigner_3j_complex(int j1, int m1, int j2, int m2, int j3, int m3) {
  if (m1 + m2 + m3 != 0) return 0.0L;
  int phase = j1 - j2 - m3;
  long double sign = (phase % 2 == 0) ? 1.0L : -1.0L;
  return sign / std::sqrt(2.0L * j3 + 1.0L) * clebsch_gordan_complex(j1, m1, j2, m2, j3, -m3);
}

std::vector<double> build_real_wigner_3j(int l1, int l2, int l3) {
  const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
  auto U1 = real_from_complex(l1), U2 = real_from_complex(l2), U3 = real_from_complex(l3);
  std::vector<cld> q(n1 * n2 * n3, cld(0, 0));
  for (int a = 0; a < n1; ++a)
    for (int b = 0; b < n2; ++b)
      for (int c = 0; c < n3; ++c) {
        // Row a of U only touches complex m = +-(a - l): at most 8 terms.
        cld sum(0, 0);
        for (int m1 : {a - l1, l1 - a}) {
          for (int m2 : {b - l2, l2 - b}) {
            int m3 = -m1 - m2;
            if (std::abs(m3) == std::abs(c - l3))
              sum += U1[a * n1 + m1 + l1] * U2[b * n2 + m2 + l2] * U3[c * n3 + m3 + l3] *
                     wigner_3j_complex(l1, m1, l2, m2, l3, m3);
            if (m2 == 0) break;  // +0 and -0 are the same term
          }
          if (m1 == 0) break;
        }
        q[(a * n2 + b) * n3 + c] = sum;
      }
  // The real tensor is the complex one times a global phase (1 or i): keep the part that is
  // not zero.
  long double max_re = 0, max_im = 0;
  for (const auto& v : q) {
    max_re = std::max(max_re, std::abs(v.real()));
    max_im = std::max(max_im, std::abs(v.imag()));
  }
  const bool use_re = max_re >= max_im;
  if (std::min(max_re, max_im) > 1e-14L * std::max(max_re, max_im))
    throw Error("internal: real Wigner-3j is not real up to a global phase");
  std::vector<long double> w(q.size());
  long double norm2 = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    w[i] = use_re ? q[i].real() : q[i].imag();
    norm2 += w[i] * w[i];
  }
  long double scale = 1.0L / std::sqrt(norm2);
  for (long double v : w)
    if (std::abs(v) * scale > 1e-10L) {
      if (v < 0) scale = -scale;
      break;
    }
  std::vector<double> out(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    long double v = w[i] * scale;
    out[i] = std::abs(v) < 1e-15L ? 0.0 : static_cast<double>(v);
  }
  return out;
}

}  // namespace

std::vector<std::array<int, 3>> cartesian_exponents(int l) {
  std::vector<std::array<int, 3>> out;
  for (int a = l; a >= 0; --a)
    for (int b = l - a; b >= 0; --b) out.push_back({a, b, l - a - b});
  return out;
}

const std::vector<double>& solid_harmonic_coefficients(int l) {
  check_degree(l);
  static std::mutex mutex;
  static std::map<int, std::vector<double>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(l);
  if (it == cache.end()) it = cache.emplace(l, build_solid_harmonic_coefficients(l)).first;
  return it->second;
}

long double clebsch_gordan_complex(int j1, int m1, int j2, int m2, int J, int M) {
  if (M != m1 + m2 || !triangle(j1, j2, J) || std::abs(m1) > j1 || std::abs(m2) > j2 ||
      std::abs(M) > J)
    return 0.0L;
  long double pre = std::sqrt((2.0L * J + 1.0L) * factorial(J + j1 - j2) * factorial(J - j1 + j2) *
                              factorial(j1 + j2 - J) / factorial(j1 + j2 + J + 1));
  pre *= std::sqrt(factorial(J + M) * factorial(J - M) * factorial(j1 - m1) * factorial(j1 + m1) *
                   factorial(j2 - m2) * factorial(j2 + m2));
  long double sum = 0.0L;
  for (int k = 0; k <= j1 + j2 - J; ++k) {
    int d[5] = {j1 + j2 - J - k, j1 - m1 - k, j2 + m2 - k, J - j2 + m1 + k, J - j1 - m2 + k};
    bool valid = true;
    for (int v : d) valid = valid && v >= 0;
    if (!valid) continue;
    long double denom = factorial(k);
    for (int v : d) denom *= factorial(v);
    sum += (k % 2 ? -1.0L : 1.0L) / denom;
  }
  return pre * sum;
}

const std::vector<double>& wigner_3j(int l1, int l2, int l3) {
  check_degree(l1);
  check_degree(l2);
  check_degree(l3);
  if (!triangle(l1, l2, l3))
    throw Error("Wigner-3j (" + std::to_string(l1) + "," + std::to_string(l2) + "," +
                std::to_string(l3) + ") violates the triangle inequality");
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int>, std::vector<double>> cache;
  std::lock_guard lock(mutex);
  auto key = std::make_tuple(l1, l2, l3);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, build_real_wigner_3j(l1, l2, l3)).first;
  return it->second;
}

}  // namespace hamlet::equivariant
