#include "data/conformers.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <random>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet::data {
namespace {

// CODATA 2018: Boltzmann constant in Eh/K, atomic mass constant in electron masses, and the
// hartree in cm^-1.
constexpr double kBoltzmannHartreePerKelvin = 3.1668115634e-6;
constexpr double kDaltonInElectronMasses = 1822.888486209;
constexpr double kHartreeInWavenumbers = 219474.6313632;

// IUPAC standard atomic weights (abridged to five significant figures), Z = 1..36.
constexpr std::array<double, 37> kMass = {
    0.0,    1.008,  4.0026, 6.94,   9.0122, 10.81,  12.011, 14.007, 15.999, 18.998,
    20.180, 22.990, 24.305, 26.982, 28.085, 30.974, 32.06,  35.45,  39.95,  39.098,
    40.078, 44.956, 47.867, 50.942, 51.996, 54.938, 55.845, 58.933, 58.693, 63.546,
    65.38,  69.723, 72.630, 74.922, 78.971, 79.904, 83.798};

// Uniform in (0, 1] from the top 53 bits: log() below never sees 0.
double uniform(std::mt19937_64& rng) { return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53; }

// Box–Muller: two independent standard normal numbers per call.
std::array<double, 2> two_normals(std::mt19937_64& rng) {
  const double r = std::sqrt(-2.0 * std::log(uniform(rng)));
  const double phi = 2.0 * std::numbers::pi * uniform(rng);
  return {r * std::cos(phi), r * std::sin(phi)};
}

}  // namespace

double atomic_mass(int Z) {
  if (Z < 1 || Z >= static_cast<int>(kMass.size()))
    throw Error(std::string("no atomic mass for ") + std::string(element_symbol(Z)) +
                " in hamlet's table (H to Kr)");
  return kMass[Z];
}

double thermal_sigma(int Z, const ThermalSampling& s) {
  if (s.temperature < 0 || s.wavenumber <= 0) throw Error("thermal sampling needs T >= 0 and a positive wavenumber");
  const double kT = kBoltzmannHartreePerKelvin * s.temperature;
  const double omega = s.wavenumber / kHartreeInWavenumbers;
  const double mass = atomic_mass(Z) * kDaltonInElectronMasses;
  return std::sqrt(kT / (mass * omega * omega));
}

std::vector<Molecule> thermal_conformers(const Molecule& mol, int count, const ThermalSampling& s,
                                         std::uint64_t stream) {
  std::seed_seq seq{static_cast<std::uint32_t>(s.seed), static_cast<std::uint32_t>(s.seed >> 32),
                    static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)};
  std::mt19937_64 rng(seq);
  std::vector<double> sigma;
  for (const auto& a : mol.atoms) sigma.push_back(thermal_sigma(a.Z, s));
  std::vector<Molecule> out;
  for (int k = 0; k < count; ++k) {
    Molecule m = mol;
    for (size_t a = 0; a < m.atoms.size(); ++a) {
      const auto xy = two_normals(rng);
      const double z = two_normals(rng)[0];  // the pair's second number is dropped: simpler indexing
      m.atoms[a].position += sigma[a] * Eigen::Vector3d(xy[0], xy[1], z);
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace hamlet::data
