#pragma once
// A Gaussian basis placed on a molecule: contracted spherical shells in hamlet's AO order
// (ARCHITECTURE.md: atoms in input order, shells in file order, m = -l..l).
#include <Eigen/Core>
#include <string>
#include <vector>

namespace hamlet {

struct Shell {
  int l = 0;
  std::vector<double> exponents;     // bohr^-2
  // Contraction coefficients with primitive normalisation embedded, exactly as libint2's
  // Shell::renorm() leaves them: the Cartesian component x^l * sum_p c_p exp(-a_p r^2)
  // has unit norm, and so has every pure (solid-harmonic) function of the shell.
  std::vector<double> coefficients;
  Eigen::Vector3d center = Eigen::Vector3d::Zero();  // Bohr
  int atom = -1;                                       // index into Molecule::atoms

  int size() const { return 2 * l + 1; }
};

struct BasisSet {
  std::string name;                  // e.g. "def2-svp" or a file path
  std::vector<Shell> shells;
  std::vector<int> shell_offset;     // first AO index of each shell
  int nbf = 0;
  int max_l = 0;

  // First shell of each atom and one past the last ([first, last) ranges), size natoms+1.
  std::vector<int> atom_shell_begin;
  // First AO of each atom, size natoms+1.
  std::vector<int> atom_ao_begin;
};

}  // namespace hamlet
