#pragma once
// The Kohn–Sham pieces of the SCF: the XC term on a molecular grid, and the SAP guess matrix
// H_SAP = T + sum_A V_A (Lehtola, JCTC 15, 1593 (2019)).
#include <memory>
#include <string>

#include "grid/molecular_grid.hpp"
#include "scf/scf.hpp"

namespace hamlet::scf {

// XC term for `functional` (an xc-layer name such as "b3lyp"); nullptr when the functional has
// no density-functional part (Hartree–Fock). Throws hamlet::Error for unknown names and for
// range-separated hybrids (not supported yet).
std::unique_ptr<XcTerm> make_xc_term(const std::string& functional, const Molecule& mol,
                                     const BasisSet& basis, const grid::MolecularGrid& grid);

// V_SAP = sum_A V_A(|r - R_A|) in the AO basis. The bare nuclear part -Z_A/r is integrated
// analytically (it equals `nuclear_attraction`); only the smooth, finite screening
// (Z_A - Z_eff,A(r))/r is integrated on `grid`.
Eigen::MatrixXd sap_potential_matrix(const Molecule& mol, const BasisSet& basis,
                                     const Eigen::MatrixXd& nuclear_attraction,
                                     const grid::MolecularGrid& grid);

// The same matrix without a grid: each atom's screening charge Z_A - Z_eff,A(r) is fitted by
// error functions (atom/sap_fit.hpp), whose potentials are analytic attenuated-Coulomb integrals,
// computed together with the nuclei's -Z_A/r (no nuclear-attraction matrix needed).
Eigen::MatrixXd sap_potential_matrix_erf(const Molecule& mol, const BasisSet& basis);

// V_SAP by `sap_method` (ScfSettings::sap_method): "erf", or "grid" on `grid` (built at
// `grid_level` when null; only "grid" reads nuclear_attraction). Throws hamlet::Error for
// other names.
Eigen::MatrixXd sap_potential_matrix(const std::string& sap_method, const Molecule& mol, const BasisSet& basis,
                                     const Eigen::MatrixXd& nuclear_attraction, int grid_level,
                                     const grid::MolecularGrid* grid = nullptr);
// Throws hamlet::Error unless `sap_method` is "erf" or "grid".
void check_sap_method(const std::string& sap_method);

}  // namespace hamlet::scf
