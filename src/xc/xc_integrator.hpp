#pragma once
// Exchange-correlation energy and Kohn-Sham potential matrix by numerical quadrature:
//   E_xc = sum_i w_i rho_i eps(rho_i, sigma_i),
//   V_mn = sum_i w_i [ vrho_i chi_m chi_n + 2 vsigma_i grad(rho)_i . grad(chi_m chi_n) ]
// (spin-resolved analogues for open shells). Work is done per grid batch on the basis
// functions whose extent reaches the batch, with dense products
// chi[np x nlocal] * D[nlocal x nlocal]; batches are spread over OpenMP threads.
#include <Eigen/Core>
#include <memory>
#include <mutex>
#include <vector>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"
#include "grid/molecular_grid.hpp"
#include "xc/basis_on_grid.hpp"
#include "xc/functional.hpp"

namespace hamlet::xc {

struct XcOptions {
  // Shells are evaluated on a batch when their extent at this tolerance (see shell_extent)
  // reaches it; Psi4's DFT_BASIS_TOLERANCE default.
  double basis_tolerance = 1e-12;
  // Then a function m is dropped from the batch when n_m * max_n n_n < significance_tolerance,
  // n_m = sqrt(sum_i w_i (chi_m^2 + |grad chi_m|^2)) over the batch points (gradients only for
  // GGAs): by Cauchy-Schwarz every dropped contribution to rho, grad rho or V is below this
  // times max |vrho|, |vsigma grad rho| or |eps| (and |D|). Near a nucleus the weights are
  // tiny, so diffuse neighbours drop out there. 0 keeps every function selected by
  // basis_tolerance. 1e-11: on a 19-atom QM9 molecule (B3LYP/def2-SVP, level 2) E_xc moves by
  // 4e-11 Eh and V by 3e-11 against no screening, with 92 of 112 reaching functions per batch
  // (bench_xc); the XC build is ~4 % faster than at 1e-12.
  double significance_tolerance = 1e-11;
  // Basis values are evaluated anew at every call, not kept: on a 19-atom QM9 molecule
  // (def2-SVP, pruned level-0 grid) a cache of them (150 MB) cost 0.23 s to fill and saved
  // 3 ms per later call; the SCF was 12 % faster without it (README, benchmarks).
};

struct XcResult {
  double energy = 0.0;    // E_xc (Hartree)
  Eigen::MatrixXd V;      // dE_xc/dD, symmetric, nbf x nbf
  double electrons = 0.0; // integral of rho: a check on grid and density
};

struct XcUnrestrictedResult {
  double energy = 0.0;
  Eigen::MatrixXd Va, Vb;
  double electrons_alpha = 0.0, electrons_beta = 0.0;
};

class XcIntegrator {
 public:
  // Copies what it needs, so temporaries may be passed. Throws hamlet::Error when the
  // basis does not sit on `mol`'s atoms or the functional has no density-functional part.
  XcIntegrator(const Molecule& mol, const BasisSet& basis, const grid::MolecularGrid& grid,
               const Functional& functional, XcOptions options = {});

  // Closed shell, from the total density matrix D = Da + Db (symmetric, nbf x nbf).
  XcResult compute_restricted(const Eigen::MatrixXd& D_total) const;
  // Open shell, from the spin density matrices.
  XcUnrestrictedResult compute_unrestricted(const Eigen::MatrixXd& Da,
                                            const Eigen::MatrixXd& Db) const;

  // S_mn = integral chi_m chi_n on the grid (a check of grid and basis functions).
  Eigen::MatrixXd numerical_overlap() const;

  const grid::MolecularGrid& grid() const { return grid_; }
  const Functional& functional() const { return functional_; }
  // Mean number of basis functions per batch (screening diagnostic).
  double mean_functions_per_batch() const;

 private:
  // Which functions a batch works with. The significance test depends only on the grid and
  // the basis; it runs once per batch, on the values of the batch's first use (so the basis is
  // not evaluated on the whole grid just for it).
  struct BatchBasis {
    std::vector<int> reaching;  // shells whose extent reaches the batch (constructor)
    std::vector<int> shells;    // shells evaluated: those with a significant function
    std::vector<int> columns;   // the significant columns among theirs (empty: all)
    std::vector<int> aos;       // AO indices of the significant functions, in column order
  };
  struct BatchView;
  template <class Kernel>
  void for_each_batch(bool gradients, Kernel&& kernel) const;
  // Significant functions of batch b from the values of its reaching shells, left compacted
  // in `values`.
  void select_functions(int b, BasisValues& values) const;

  BasisSet basis_;
  grid::MolecularGrid grid_;
  Functional functional_;
  XcOptions options_;
  // Filled lazily by the first pass over the grid (guarded per batch by batch_ready_); a
  // batch is handled by one thread per pass, so its lists are never shared while being written.
  mutable std::vector<BatchBasis> batch_basis_;
  mutable std::unique_ptr<std::once_flag[]> batch_ready_;
};

}  // namespace hamlet::xc
