#pragma once
// Spherical, spin-restricted radial Kohn–Sham solver for atoms H–Xe (Z = 1..54).
//
// Open shells are occupied fractionally and spherically averaged (every m of a shell carries the
// same fraction), as in NIST SRD 141. The radial equation for u(r) = r R(r) is discretised with
// high-order Lagrange finite elements on an exponentially graded element grid and solved as a
// generalised eigenproblem per angular momentum; the Hartree potential comes from the radial
// Poisson equation in the same kind of basis. Atomic units (Bohr, Hartree) throughout.
#include <vector>

namespace hamlet::atom {

inline constexpr int kMaxAtomZ = 54;

enum class Functional {
  lda_vwn,       // Slater exchange + VWN5 correlation (libxc LDA_X + LDA_C_VWN), as NIST SRD 141
  lda_exchange,  // Slater exchange only (no correlation); the functional behind SAP
};

// One (n, l) shell holding `occupation` electrons, 0 <= occupation <= 2(2l+1).
struct Shell {
  int n = 1;
  int l = 0;
  double occupation = 0.0;
};

// Ground-state configuration used by NIST SRD 141 (e.g. Cr 3d5 4s1, Cu 3d10 4s1, Pd 4d10),
// ordered core first. Throws hamlet::Error unless 1 <= Z <= kMaxAtomZ.
std::vector<Shell> ground_state_configuration(int Z);

struct AtomOptions {
  std::vector<Shell> configuration;  // empty: ground_state_configuration(Z); may describe an ion
  int num_elements = 0;       // finite elements; 0: 8 for Z <= 18, else 10
  int nodes_per_element = 0;  // Lobatto nodes per element (polynomial order + 1); 0: 15
  double r_max = 50.0;        // Bohr (> 1); orbitals vanish here
  double energy_tolerance = 1e-11;    // Hartree, change between SCF iterations
  double potential_tolerance = 1e-9;  // norm of V_out - V_in (weighted by r^2 dr)
  int max_iterations = 200;
};

struct Orbital {
  int n = 0;
  int l = 0;
  double occupation = 0.0;
  double energy = 0.0;  // Hartree
};

struct AtomResult {
  int Z = 0;
  Functional functional = Functional::lda_vwn;
  double total_energy = 0.0;    // = kinetic + nuclear + hartree + xc
  double kinetic_energy = 0.0;  // non-interacting kinetic energy T_s
  double nuclear_energy = 0.0;  // electron–nucleus attraction
  double hartree_energy = 0.0;
  double xc_energy = 0.0;
  std::vector<Orbital> orbitals;  // same order as the configuration
  int iterations = 0;
  // Radial quadrature: integral over [0, r_max] of f(r) dr ~= sum_i weights[i] f(r[i]).
  std::vector<double> r;        // Bohr, all > 0
  std::vector<double> weights;
  std::vector<double> density;  // n(r) in electrons/Bohr^3; sum_i w_i 4 pi r_i^2 n_i = N
  std::vector<double> effective_potential;  // -Z/r + V_H + V_xc at r[i], Hartree
};

// Solve the atom self-consistently. Throws hamlet::Error for Z outside 1..kMaxAtomZ, an invalid
// configuration, or if the SCF does not converge within options.max_iterations.
AtomResult solve_atom(int Z, Functional functional = Functional::lda_vwn,
                      const AtomOptions& options = {});

// solve_atom(Z, functional) with default options, computed once per (Z, functional) and shared
// between threads; the reference stays valid for the life of the program.
const AtomResult& cached_atom(int Z, Functional functional = Functional::lda_vwn);

}  // namespace hamlet::atom
