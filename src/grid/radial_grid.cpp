#include "grid/radial_grid.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "core/error.hpp"

namespace hamlet::grid {
namespace {

// Bragg-Slater radii, Bohr, Z = 1..86: Slater's Angstrom values converted and rounded to
// 1e-3 Bohr, the same numbers Psi4 scales its radial grids with.
constexpr std::array<double, 87> kBraggSlaterBohr = {
    0.0,
    0.661, 0.661,                                                         // H  He
    2.740, 1.984, 1.606, 1.323, 1.228, 1.134, 0.945, 0.900,               // Li-Ne
    3.402, 2.835, 2.362, 2.079, 1.890, 1.890, 1.890, 1.890,               // Na-Ar
    4.157, 3.402, 3.024, 2.656, 2.551, 2.656, 2.656, 2.656, 2.551, 2.551, // K-Ni
    2.551, 2.551, 2.457, 2.362, 2.173, 2.173, 2.173, 2.173,               // Cu-Kr
    4.441, 3.780, 3.402, 2.929, 2.740, 2.740, 2.551, 2.457, 2.551, 2.646, // Rb-Pd
    3.024, 2.929, 2.929, 2.740, 2.740, 2.646, 2.646, 2.646,               // Ag-Xe
    4.913, 4.063, 3.685, 3.496, 3.496, 3.496, 3.496, 3.496, 3.496, 3.402, // Cs-Gd
    3.307, 3.307, 3.307, 3.307, 3.307, 3.307, 3.307,                      // Tb-Lu
    2.929, 2.740, 2.551, 2.551, 2.457, 2.551, 2.551, 2.551, 2.835, 3.591, // Hf-Hg
    3.024, 3.024, 3.591, 3.591, 3.591};                                   // Tl-Rn

// Treutler & Ahlrichs, JCP 102, 346 (1995), Table I: xi for H..Kr.
constexpr std::array<double, 37> kTreutlerXi = {
    0.0,
    0.8, 0.9,                                          // H  He
    1.8, 1.4, 1.3, 1.1, 0.9, 0.9, 0.9, 0.9,            // Li-Ne
    1.4, 1.3, 1.3, 1.2, 1.1, 1.0, 1.0, 1.0,            // Na-Ar
    1.5, 1.4, 1.3, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1,  // K-Ni
    1.1, 1.1, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9};           // Cu-Kr

// Psi4 1.3 GetBSRadius() values (radial grid scale; H..Xe).
constexpr std::array<double, 55> kPsi4LegacyRadius = {
    1.000,
    1.001, 1.012,                                                         // H  He
    0.825, 1.408, 1.485, 1.452, 1.397, 1.342, 1.287, 1.243,               // Li-Ne
    1.144, 1.364, 1.639, 1.716, 1.705, 1.683, 1.639, 1.595,               // Na-Ar
    1.485, 1.474, 1.562, 1.562, 1.562, 1.562, 1.562, 1.562, 1.562, 1.562, // K-Ni
    1.562, 1.562, 1.650, 1.727, 1.760, 1.771, 1.749, 1.727,               // Cu-Kr
    1.628, 1.606, 1.639, 1.639, 1.639, 1.639, 1.639, 1.639, 1.639, 1.639, // Rb-Pd
    1.639, 1.639, 1.672, 1.804, 1.881, 1.892, 1.892, 1.881};              // Ag-Xe

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

double bragg_slater_radius(int Z) {
  if (Z < 1 || Z >= static_cast<int>(kBraggSlaterBohr.size()))
    throw Error("no Bragg-Slater radius for atomic number " + std::to_string(Z) +
                " (the DFT grid supports H..Rn, Z = 1..86)");
  return kBraggSlaterBohr[Z];
}

double treutler_xi(int Z) {
  if (Z >= 1 && Z < static_cast<int>(kTreutlerXi.size())) return kTreutlerXi[Z];
  return bragg_slater_radius(Z);
}

double psi4_legacy_radius(int Z) {
  if (Z < 1) throw Error("no atomic radius for atomic number " + std::to_string(Z));
  return Z < static_cast<int>(kPsi4LegacyRadius.size()) ? kPsi4LegacyRadius[Z] : 1.881;
}

double radial_scale(RadialScale scale, int Z) {
  switch (scale) {
    case RadialScale::TreutlerXi: return treutler_xi(Z);
    case RadialScale::Psi4Legacy: return psi4_legacy_radius(Z);
    case RadialScale::BraggSlater: break;
  }
  return bragg_slater_radius(Z);
}

RadialGrid make_radial_grid(RadialScheme scheme, int n, double scale, int Z) {
  if (n < 1) throw Error("radial grid needs at least one point, got " + std::to_string(n));
  RadialGrid g;
  g.r.resize(n);
  g.w.resize(n);
  switch (scheme) {
    case RadialScheme::Treutler:
    case RadialScheme::Becke: {
      // Chebyshev second kind written for an unweighted integrand:
      // integral_{-1}^{1} f(x) dx ~= sum_i pi/(n+1) sin(theta_i) f(cos theta_i).
      const double h = M_PI / (n + 1);
      for (int i = 1; i <= n; ++i) {
        const double x = std::cos(i * h);
        const double wx = h * std::sin(i * h);
        double r, drdx;
        if (scheme == RadialScheme::Treutler) {
          constexpr double alpha = 0.6;
          const double pre = scale / M_LN2 * std::pow(1.0 + x, alpha);
          const double lg = std::log(2.0 / (1.0 - x));
          r = pre * lg;
          drdx = pre * (alpha * lg / (1.0 + x) + 1.0 / (1.0 - x));
        } else {
          r = scale * (1.0 + x) / (1.0 - x);
          drdx = 2.0 * scale / ((1.0 - x) * (1.0 - x));
        }
        g.r[i - 1] = r;
        g.w[i - 1] = wx * drdx * r * r;
      }
      break;
    }
    case RadialScheme::MuraKnowles: {
      const bool alkali_or_earth = Z == 3 || Z == 4 || Z == 11 || Z == 12 || Z == 19 || Z == 20 ||
                                   Z == 37 || Z == 38 || Z == 55 || Z == 56;
      const double alpha = alkali_or_earth ? 7.0 : 5.0;
      for (int i = 1; i <= n; ++i) {
        const double x = static_cast<double>(i) / (n + 1);  // trapezoid, end points vanish
        const double x3 = x * x * x;
        const double r = -alpha * scale * std::log(1.0 - x3);
        const double drdx = 3.0 * alpha * scale * x * x / (1.0 - x3);
        g.r[n - i] = r;  // store outermost first like the Chebyshev schemes
        g.w[n - i] = drdx * r * r / (n + 1);
      }
      break;
    }
  }
  return g;
}

RadialScheme parse_radial_scheme(const std::string& name) {
  const std::string n = lower(name);
  if (n == "treutler" || n == "ahlrichs") return RadialScheme::Treutler;
  if (n == "becke") return RadialScheme::Becke;
  if (n == "mura" || n == "mura-knowles" || n == "knowles") return RadialScheme::MuraKnowles;
  throw Error("unknown radial grid scheme '" + name + "'; valid: treutler, becke, mura");
}

std::string to_string(RadialScheme scheme) {
  switch (scheme) {
    case RadialScheme::Treutler: return "treutler";
    case RadialScheme::Becke: return "becke";
    case RadialScheme::MuraKnowles: return "mura";
  }
  return "?";
}

}  // namespace hamlet::grid
