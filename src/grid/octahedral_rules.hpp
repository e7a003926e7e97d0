#pragma once
// Octahedrally symmetric spherical quadratures of Lebedev's type, derived for hamlet by
// derive_octahedral_rules.cpp (moment equations for O_h-invariant harmonics solved from
// scratch; no tabulated data from elsewhere). Each rule is a set of orbits of the octahedral
// group with one weight per orbit; the tests check exactness up to the stated degree.
#include <vector>

namespace hamlet::grid {

struct OctahedralOrbit {
  // '1': 6 points (+-1,0,0)...          '2': 12 points (0,+-a,+-a)..., a = 1/sqrt2
  // '3': 8 points (+-a,+-a,+-a), a = 1/sqrt3
  // 'b': 24 points (+-p,+-p,+-m) and permutations, m = sqrt(1 - 2p^2)
  // 'c': 24 points (+-p,+-q,0) and permutations
  // 'd': 48 points (+-p,+-q,+-t) and permutations, t = sqrt(1 - p^2 - q^2)
  char type;
  double weight;  // per point, normalised so that all weights of a rule sum to 1
  double p, q;
};

struct OctahedralRule {
  int degree;
  int points;
  std::vector<OctahedralOrbit> orbits;
};

// All rules hamlet has, ascending in degree.
const std::vector<OctahedralRule>& octahedral_rules();

}  // namespace hamlet::grid
