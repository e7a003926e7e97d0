#pragma once
// `hamlet data export DATA.h5 --npz OUT.npz`: a dataset as a NumPy archive, matrices in the AO
// order of PySCF (default), Psi4 or hamlet. Keys (np.load(OUT)[key]):
//   ao_order, units, basis, method, origin        0-d strings
//   index                                          int64 [n]: entry indices, ascending
//   <index 8 digits>/atomic_numbers                int32 [natoms]
//   <index>/positions                              float64 [natoms, 3], Bohr
//   <index>/S, H_core, H_sap, D                    float64 [nbf, nbf] (H_sap when stored)
//   <index>/F or F_alpha, F_beta                   float64 [nbf, nbf]
//   <index>/orbital_energies (or _alpha, _beta)    float64 [nbf], Eh
//   <index>/energy, converged                      float64 [1] (NaN when unknown), int32 [1]
#include <cstdint>
#include <filesystem>
#include <string>

#include "basis/ao_order.hpp"

namespace hamlet::data {

struct ExportOptions {
  std::filesystem::path dataset, npz;
  AoOrder order = AoOrder::pyscf;
  bool converged_only = false;  // only training entries
  bool show_progress = true;
};

// Returns the number of entries written. The archive appears only when complete.
std::int64_t export_npz(const ExportOptions& options);

// "pyscf", "psi4" or "hamlet"; throws hamlet::Error otherwise.
AoOrder export_order_from_name(const std::string& name);

}  // namespace hamlet::data
