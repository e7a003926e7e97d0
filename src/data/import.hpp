#pragma once
// Importing public Hamiltonian datasets into hamlet datasets (formats: src/data/README.md).
//   qh9:  QH9Stable / QH9Dynamic SQLite files (table `data`; PySCF B3LYP/def2-SVP Fock
//         matrices in PySCF AO order);
//   md17: SchNOrb/PhiSNet ASE databases (table `systems`; ORCA def2-SVP Fock and overlap
//         matrices in ORCA AO order).
// Matrices are converted to hamlet's AO order; S, H_core and H_sap are computed by hamlet for
// the imported geometry, D and orbital energies from the imported F. With an imported overlap
// (md17) every entry's converted overlap must equal hamlet's: the check of the AO convention;
// and hamlet's own Fock build from the imported F's density must reproduce F (check_fock).
#include <cstdint>
#include <filesystem>
#include <string>

namespace hamlet::data {

enum class ImportFormat { qh9, md17 };

struct ImportOptions {
  ImportFormat format = ImportFormat::qh9;
  std::filesystem::path input, output;
  std::int64_t limit = -1;           // import the first `limit` rows; < 0: all
  std::string method;                // recorded in the dataset; empty: the format's (b3lyp, pbe)
  std::string length_unit = "auto";  // qh9 positions: auto (Stable Å, Dynamic Bohr), angstrom, bohr
  std::string sap_method = "erf";    // how H_sap is integrated: "erf" or "grid" (as datagen's)
  int grid_level = 2;                // grid of the SAP potential in H_sap with sap_method "grid"
  double overlap_tolerance = 1e-4;   // max |S_imported - S_hamlet| accepted (md17)
  // The first `check_fock` entries: hamlet rebuilds F (with `method`) from the density of the
  // imported F; max |F_rebuilt - F_imported| must stay below fock_tolerance. Detects a wrong
  // AO order, length unit or method also where the file has no overlap (QH9).
  int check_fock = 1;
  double fock_tolerance = 0.02;  // Eh; functional variants (VWN flavour) and grids differ less
  bool show_progress = true;
};

struct ImportSummary {
  std::string layout;            // e.g. "QH9Stable (table data: id, N, Z, pos, Ham)"
  std::int64_t rows = 0;         // rows in the file
  std::int64_t imported = 0;
  std::int64_t not_converged = 0;
  double max_overlap_deviation = -1;  // over all entries; < 0 when the format has no overlap
  double max_fock_deviation = -1;     // over the checked entries; < 0 when none was checked
  int fock_checked = 0;
  double seconds = 0;
};

// Reads and checks every row's atoms before writing; writes OUT under a temporary name and
// renames it when complete. Throws hamlet::Error naming file, row and cause.
ImportSummary import_dataset(const ImportOptions& options);

ImportFormat import_format_from_name(const std::string& name);

}  // namespace hamlet::data
