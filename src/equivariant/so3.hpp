#pragma once
// Exact SO(3) tables in hamlet's real basis, without libtorch:
//  - real solid harmonics as polynomials in (x, y, z),
//  - real Wigner-3j (Clebsch–Gordan) tensors.
//
// Real basis (ARCHITECTURE.md "AO convention"): libint2's standard real solid harmonics,
// m = -l..l, no Condon–Shortley phase:
//   R_l0  = Pi_l^0(z, r)
//   R_lm  = sqrt(2 (l-m)!/(l+m)!) Pi_l^m(z, r) Re[(x + i y)^m]   (m > 0)
//   R_l-m = sqrt(2 (l-m)!/(l+m)!) Pi_l^m(z, r) Im[(x + i y)^m]   (m > 0)
// with Pi_l^m = 2^-l sum_k (-1)^k C(l,k) C(2l-2k,l) (l-2k)!/(l-2k-m)! r^2k z^(l-2k-m).
// p = (y, z, x); d = (xy, yz, z^2, xz, x^2-y^2) up to positive factors.
// This is Racah's ("norm") normalisation: sum_m R_lm^2 = r^(2l).
#include <array>
#include <vector>

namespace hamlet::equivariant {

// Largest degree supported by the tables: AO blocks between two g shells (l = 4) reach L = 8.
inline constexpr int kMaxL = 8;

// Cartesian exponents (a, b, c) of x^a y^b z^c with a+b+c = l, libint2 order
// (a from l down to 0, then b from l-a down to 0).
std::vector<std::array<int, 3>> cartesian_exponents(int l);

// Coefficients of the Racah-normalised real solid harmonics in monomials:
// R_l,m(x,y,z) = sum_c coef[c * (2l+1) + (m + l)] * x^a_c y^b_c z^c_c, c over cartesian_exponents(l).
const std::vector<double>& solid_harmonic_coefficients(int l);

// True when (l1, l2, l3) satisfies the triangle inequality.
inline bool triangle(int l1, int l2, int l3) {
  return l3 >= (l1 > l2 ? l1 - l2 : l2 - l1) && l3 <= l1 + l2;
}

// Real Wigner-3j tensor W[m1][m2][m3] (flattened row-major, size (2l1+1)(2l2+1)(2l3+1)) in the
// real basis above: invariant under D^l1(R) x D^l2(R) x D^l3(R), Frobenius norm 1, sign fixed so
// that the first entry with |W| > 1e-10 is positive. Computed from the Racah formula in long
// double and cached. Throws hamlet::Error unless triangle(l1, l2, l3) and all l <= kMaxL.
const std::vector<double>& wigner_3j(int l1, int l2, int l3);

// Complex Clebsch–Gordan coefficient <j1 m1 j2 m2 | J M> (Condon–Shortley), Racah formula.
long double clebsch_gordan_complex(int j1, int m1, int j2, int m2, int J, int M);

}  // namespace hamlet::equivariant
