#pragma once
// Gaussian basis functions (and their gradients) on grid points, in hamlet's AO convention:
// real solid harmonics m = -l..l in libint2's standard order and normalisation. A pure
// function is sum_k c_mk x^a y^b z^c R(r) over the Cartesian components k of the shell
// (libint2 order: a descending, then b descending), R = sum_p coef_p exp(-alpha_p r^2) with the
// shell's libint2-normalised coefficients and c_mk libint2's solid-harmonic coefficients.
#include <Eigen/Core>
#include <vector>

#include "basis/basis_set.hpp"

namespace hamlet::xc {

// Distance from the shell centre beyond which sum_p |coef_p| r^l exp(-alpha_p r^2) < tolerance
// (the same bound Psi4 uses for its DFT_BASIS_TOLERANCE screening).
double shell_extent(const Shell& shell, double tolerance);

struct BasisValues {
  Eigen::MatrixXd value;       // npoints x nfunctions
  Eigen::MatrixXd dx, dy, dz;  // gradients; sized only when requested
};

// Values (and gradients when `gradients`) of the functions of `shells` (indices into
// basis.shells; their functions are laid out consecutively in the given shell order) at the
// rows of `points` (Bohr).
void evaluate_basis(const BasisSet& basis, const std::vector<int>& shells,
                    const Eigen::Ref<const Eigen::MatrixX3d>& points, bool gradients,
                    BasisValues& out);

}  // namespace hamlet::xc
