#pragma once
// Molden files for orbital viewers (Jmol, Avogadro, IboView, Multiwfn).
#include <filesystem>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"
#include "scf/scf.hpp"

namespace hamlet::io {

void write_molden(const std::filesystem::path& path, const Molecule& mol, const BasisSet& basis,
                  const scf::ScfResult& result);

}  // namespace hamlet::io
