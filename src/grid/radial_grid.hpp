#pragma once
// Radial quadratures for atom-centred integration: integral_0^inf f(r) r^2 dr ~= sum_i w_i f(r_i).
// The weights include the r^2 Jacobian (but not the 4*pi of the sphere; that lives in the
// angular weights). All lengths in Bohr.
#include <string>
#include <vector>

namespace hamlet::grid {

enum class RadialScheme {
  // Treutler-Ahlrichs M4 mapping (JCP 102, 346 (1995), eq. 19 with alpha = 0.6) on
  // Chebyshev nodes of the second kind: Psi4's DFT_RADIAL_SCHEME = TREUTLER (its default).
  Treutler,
  // Becke's r = R (1 + x) / (1 - x) (JCP 88, 2547 (1988)) on the same Chebyshev nodes.
  Becke,
  // Mura-Knowles log3 mapping r = -alpha R ln(1 - x^3), alpha = 7 for groups 1-2 else 5
  // (JCP 104, 9848 (1996)), trapezoid in x.
  MuraKnowles,
};

// Which per-element length scales the mapping.
enum class RadialScale {
  // Bragg-Slater radii in Bohr (Slater, JCP 41, 3199 (1964); H and He 0.35 Angstrom), times 1.
  // This is what Psi4 >= 1.4 multiplies its radial mappings by (DFT_BS_RADIUS_ALPHA = 1).
  BraggSlater,
  // Treutler-Ahlrichs xi factors (JCP 102, 346 (1995), Table I), H..Kr; Bragg-Slater beyond.
  TreutlerXi,
  // The per-element radii Psi4 1.3 (the Debian 12 package) scales radial grids with (its
  // GetBSRadius: H 1.001, C 1.452, O 1.342, ...; 1.881 beyond Xe); Psi4's own comment: "not
  // sure where these numbers come from".
  Psi4Legacy,
};

struct RadialGrid {
  std::vector<double> r;  // Bohr, ordered from the outermost point inwards (as the nodes come)
  std::vector<double> w;  // includes r^2
  int size() const { return static_cast<int>(r.size()); }
};

// Bragg-Slater radius of element Z in Bohr (1 <= Z <= 86; throws hamlet::Error otherwise).
double bragg_slater_radius(int Z);
// Treutler-Ahlrichs xi for Z <= 36; Bragg-Slater radius in Bohr beyond (documented fallback).
double treutler_xi(int Z);
// Psi4 1.3's radial scale factors, Z = 1..54 (1.881 beyond, as Psi4).
double psi4_legacy_radius(int Z);
double radial_scale(RadialScale scale, int Z);

// n-point radial grid of `scheme` for element Z with length scale `scale_bohr`.
RadialGrid make_radial_grid(RadialScheme scheme, int n, double scale_bohr, int Z);

RadialScheme parse_radial_scheme(const std::string& name);  // "treutler", "becke", "mura"
std::string to_string(RadialScheme scheme);

}  // namespace hamlet::grid
