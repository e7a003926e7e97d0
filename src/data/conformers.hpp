#pragma once
// Seeded thermal displacements of structures (`hamlet data sample`), to give datagen more than
// one geometry per molecule.
//
// Model (classical Einstein model): every atom is an independent isotropic harmonic oscillator
// of one wavenumber ω at temperature T, so each Cartesian component is displaced by a Gaussian
// of standard deviation σ_A = sqrt(k_B T / (m_A ω²)). For H at 300 K and 1000 cm⁻¹ that is
// 0.084 Å, for C 0.024 Å. It is a cheap stand-in for normal-mode sampling (which needs a
// Hessian): bond lengths and angles vary by thermal amounts, nothing is optimised.
//
// Reproducible everywhere: the random numbers come from std::mt19937_64 seeded with
// (seed, structure index) through std::seed_seq (both fully specified by the C++ standard) and
// a hand-written Box–Muller transform (std::normal_distribution differs between libraries).
#include <cstdint>
#include <vector>

#include "chem/molecule.hpp"

namespace hamlet::data {

struct ThermalSampling {
  double temperature = 300.0;   // K
  double wavenumber = 1000.0;   // cm^-1, the single frequency of the Einstein model
  std::uint64_t seed = 0;
};

// Standard atomic weight (IUPAC, abridged) in u, H to Kr; throws hamlet::Error beyond.
double atomic_mass(int Z);
// σ_A in Bohr for element Z.
double thermal_sigma(int Z, const ThermalSampling& sampling);
// `count` displaced copies of `mol` (charge, multiplicity kept). `stream` (e.g. the index of the
// structure in its file) makes the copies of different structures independent and the result
// independent of processing order.
std::vector<Molecule> thermal_conformers(const Molecule& mol, int count, const ThermalSampling& sampling,
                                         std::uint64_t stream);

}  // namespace hamlet::data
