#include "chem/molecule.hpp"

#include <cmath>

#include "core/error.hpp"

namespace hamlet {

int Molecule::nuclear_charge() const {
  int z = 0;
  for (const auto& a : atoms) z += a.Z;
  return z;
}

double Molecule::nuclear_repulsion_energy() const {
  double e = 0.0;
  for (size_t i = 0; i < atoms.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const double r = (atoms[i].position - atoms[j].position).norm();
      if (r < 1e-8)
        throw Error(source, 0,
                    "atoms " + std::to_string(j + 1) + " and " + std::to_string(i + 1) +
                        " sit on top of each other");
      e += atoms[i].Z * atoms[j].Z / r;
    }
  return e;
}

void Molecule::check_spin() const {
  const int n = electron_count();
  if (n < 0)
    throw Error(source, 0, "charge " + std::to_string(charge) + " leaves a negative electron count");
  if (multiplicity < 1)
    throw Error(source, 0, "multiplicity must be >= 1, got " + std::to_string(multiplicity));
  const int unpaired = multiplicity - 1;
  if (unpaired > n || (n - unpaired) % 2 != 0)
    throw Error(source, 0,
                std::to_string(n) + " electrons (charge " + std::to_string(charge) +
                    ") cannot have multiplicity " + std::to_string(multiplicity) +
                    ": the number of unpaired electrons (multiplicity-1) must have the parity of the "
                    "electron count");
}

}  // namespace hamlet
