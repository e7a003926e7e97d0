#pragma once
// A molecule: atomic numbers, positions in Bohr, total charge and spin multiplicity.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace hamlet {

struct Atom {
  int Z = 0;
  Eigen::Vector3d position = Eigen::Vector3d::Zero();  // Bohr
};

struct Molecule {
  std::vector<Atom> atoms;
  int charge = 0;
  int multiplicity = 1;      // 2S+1
  std::string comment;       // free text (XYZ comment line minus parsed keys)
  std::string source;        // "file:frame" for error messages and provenance

  int natoms() const { return static_cast<int>(atoms.size()); }
  int nuclear_charge() const;
  int electron_count() const { return nuclear_charge() - charge; }
  double nuclear_repulsion_energy() const;
  // Throws hamlet::Error if charge/multiplicity are inconsistent with the electron count.
  void check_spin() const;
};

}  // namespace hamlet
