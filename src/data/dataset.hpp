#pragma once
// A dataset of Hamiltonian training data: one HDF5 file (schema: src/data/SCHEMA.md) holding
// the generation settings, the basis definition and one entry per structure.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "basis/basis_set.hpp"
#include "basis/gaussian94.hpp"
#include "chem/molecule.hpp"
#include "scf/driver.hpp"

namespace hamlet::data {

// Bumped whenever a reader of the previous version could misread a new file.
// 2: imported datasets (origin attribute, NaN energies); entries are laid out as in 1.
// 3: `sap_method` attribute (H_sap from the error-function fit, "erf", or the grid); a version 2
//    reader would take an erf H_sap for a grid one. Versions 1 and 2 read as "grid".
inline constexpr int kSchemaVersion = 3;
inline constexpr const char* kOriginDatagen = "hamlet datagen";

struct DatasetMetadata {
  int schema_version = kSchemaVersion;
  std::string hamlet_version;
  std::string created;  // ISO 8601 UTC, when the file was first written
  // Who computed F: kOriginDatagen, or "import qh9" / "import md17" (F from another program;
  // `origin_details` says which file, program and conventions). Version 1 files: datagen.
  std::string origin = kOriginDatagen;
  std::string origin_details;
  // Everything that determines the numbers (guess_matrices is never stored).
  scf::ScfSettings settings;
  // Gaussian94 definitions (raw coefficients, file order) for every element of the dataset,
  // so that make_basis(entry.molecule(), basis) rebuilds each entry's BasisSet.
  BasisLibrary basis;
  BasisLibrary auxiliary_basis;  // the JK-fitting basis; no shells unless density fitting
};

// One structure and its SCF result. Matrices in hamlet AO order, atomic units.
struct Entry {
  std::int64_t index = -1;  // position of the structure in the datagen input
  std::string source;       // "file:frame N"
  std::vector<int> atomic_numbers;
  Eigen::Matrix<double, Eigen::Dynamic, 3> positions;  // Bohr, natoms x 3
  int charge = 0, multiplicity = 1;
  std::string method;       // e.g. "hf", "b3lyp"
  bool restricted = true;
  bool converged = false;
  int iterations = 0;
  int nalpha = 0, nbeta = 0, nbf = 0;
  double energy = 0;        // Eh; NaN when unknown (imported entries)
  scf::EnergyComponents components;
  Eigen::Vector3d dipole = Eigen::Vector3d::Zero();  // e*a0, about the origin
  double wall_seconds = 0;  // SCF wall time (provenance only)

  // Empty when read with EntryParts::header.
  Eigen::MatrixXd S, H_core;
  Eigen::MatrixXd H_sap;                          // T + V_SAP; empty unless the guess was SAP
  std::vector<Eigen::MatrixXd> fock;              // converged F: (F) or (F_alpha, F_beta)
  Eigen::MatrixXd density;                        // total density D_alpha + D_beta
  std::vector<Eigen::MatrixXd> spin_density;      // (D_alpha, D_beta) for open shells only
  std::vector<Eigen::VectorXd> orbital_energies;  // Eh, per spin channel like `fock`

  int natoms() const { return static_cast<int>(atomic_numbers.size()); }
  Molecule molecule() const;
};

// Entry of structure `index` from a finished SCF run.
Entry make_entry(const scf::ScfRun& run, std::int64_t index, const std::string& method,
                 double wall_seconds);

// The settings and basis definitions of a new dataset for `molecules` (all their elements).
DatasetMetadata make_metadata(const scf::ScfSettings& settings, const std::vector<Molecule>& molecules);

// Empty when equal; otherwise says which setting differs (for "use another --out" errors).
std::string settings_difference(const DatasetMetadata& existing, const DatasetMetadata& wanted);

}  // namespace hamlet::data
