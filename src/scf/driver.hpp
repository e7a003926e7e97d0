#pragma once
// From a molecule and settings to a converged SCF: basis, integrals, JK builder, XC, guess.
#include <map>
#include <memory>
#include <string>

#include "basis/gaussian94.hpp"
#include "scf/scf.hpp"

namespace hamlet::scf {

struct ScfSettings {
  std::string basis = "def2-svp";
  std::string method = "hf";        // "hf" or a functional name (xc layer)
  bool density_fitting = false;
  std::string auxiliary_basis;      // empty: Psi4's default JK-fitting basis for `basis`
  // "sap" (superposition of atomic potentials), "sad" (superposition of atomic densities) or
  // "core". The library default stays SAP: datagen stores H_SAP, which the SAP guess computes.
  std::string guess = "sap";
  bool want_sap_matrix = false;     // compute ScfRun::H_sap whatever the guess
  // How the SAP matrix integrates the atomic screening potentials: "erf" (error-function fit,
  // analytic integrals) or "grid" (quadrature on the grid of grid_level; hamlet before erf).
  std::string sap_method = "erf";
  const Guess* guess_matrices = nullptr;  // overrides `guess` when set ("this Fock matrix")
  int grid_level = 2;               // grid::grid_level_spec; 3 matches Psi4's (99, 590) grid
  // DFT: the first iterations (commutator > 1e-2) on grid level 0 (Treutler-pruned) when
  // grid_level >= 2, the later ones on it too plus a correction measured on both grids
  // (ScfProblem::xc_start), so that grid_level is evaluated only ~twice; the converged result
  // is on grid_level either way.
  // -1 disables; start_grid_corrected = false: grid_level alone after the first iterations.
  int start_grid_level = 0;
  bool start_grid_corrected = true;
  bool force_unrestricted = false;  // UHF/UKS even for singlets
  ConvergenceOptions convergence;
};

struct ScfRun {
  Molecule molecule;
  BasisSet basis;
  ScfResult result;
  Eigen::MatrixXd S, T, V, H_core;
  Eigen::MatrixXd H_sap;  // T + V_SAP, with the SAP guess or want_sap_matrix
  std::map<std::string, double> timings;  // seconds by phase
};

ScfRun run_scf(const Molecule& molecule, const ScfSettings& settings,
               const IterationCallback& on_iteration = {});

// What a Hamiltonian model needs of a structure without running the SCF: the overlap and the
// SAP matrix H_SAP = T + V_SAP by `sap_method` ("erf", or "grid" on the grid of `grid_level`),
// the same as run_scf's SAP guess with those settings.
struct SapInputs {
  BasisSet basis;
  Eigen::MatrixXd S, H_sap;
};
SapInputs sap_inputs(const Molecule& molecule, const BasisLibrary& library, const std::string& sap_method,
                     int grid_level);

}  // namespace hamlet::scf
