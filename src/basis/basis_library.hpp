#pragma once
// Basis-set names resolved to Gaussian94 files and placed on molecules.
//
// Search order for a name such as "def2-svp" or "6-31g*":
//   1. a path to an existing file (anything containing '/' or ending in .gbs);
//   2. each directory of $HAMLET_BASIS_PATH (colon-separated);
//   3. /usr/share/psi4/basis (Debian package psi4-data).
// Names map to file names as in Psi4: lower case, '*' -> 's', '+' -> 'p', '(' ')' ',' -> '_'.
#include <filesystem>
#include <string>
#include <vector>

#include "basis/basis_set.hpp"
#include "basis/gaussian94.hpp"
#include "chem/molecule.hpp"

namespace hamlet {

std::vector<std::filesystem::path> basis_search_path();
std::string basis_file_stem(const std::string& name);
// Path of the file for a name; throws hamlet::Error listing the searched directories.
std::filesystem::path find_basis_file(const std::string& name_or_path);
// Parsed library for a name (cached per resolved path; thread-safe).
const BasisLibrary& basis_library(const std::string& name_or_path);

// Shells of `library` on every atom of `mol`, in hamlet AO order, libint2 normalisation.
// Throws hamlet::Error naming the element when the library lacks it or needs an ECP.
BasisSet make_basis(const Molecule& mol, const BasisLibrary& library);
BasisSet load_basis(const Molecule& mol, const std::string& name_or_path);

// Psi4's default JK-fitting basis for an orbital basis (def2-* -> def2-universal-jkfit,
// cc-pvXz -> cc-pvXz-jkfit, otherwise def2-universal-jkfit). The def2 universal set is the
// file def2-qzvpp-jkfit.gbs (Weigend, JCC 29, 167 (2008)).
std::string default_jkfit_basis(const std::string& orbital_basis);

// Normalised contraction coefficients as libint2::Shell::renorm() computes them.
std::vector<double> normalized_coefficients(int l, const std::vector<double>& exponents,
                                            const std::vector<double>& coefficients);

}  // namespace hamlet
