#pragma once
// The SCF loop, written once (Psi4/PySCF style): the steps that differ between Hartree–Fock
// and Kohn–Sham, restricted and unrestricted, are plugged in. Spin channels: one (restricted,
// D_alpha = D_beta) or two (unrestricted). Densities here are *per spin*.
#include <Eigen/Core>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"
#include "integrals/jk.hpp"

namespace hamlet::scf {

// Exchange–correlation part of a Kohn–Sham Fock build (absent for Hartree–Fock).
class XcTerm {
 public:
  virtual ~XcTerm() = default;
  // Fraction of exact (Hartree–Fock) exchange mixed into the functional.
  virtual double exact_exchange_fraction() const = 0;
  // E_xc and V_xc per spin channel from the per-spin densities (one or two).
  virtual double compute(const std::vector<Eigen::MatrixXd>& spin_densities,
                         std::vector<Eigen::MatrixXd>& V) = 0;
};

struct ConvergenceOptions {
  int max_iterations = 100;
  double energy_tolerance = 1e-10;      // |E_n - E_{n-1}| in Eh
  double commutator_tolerance = 1e-8;   // on |X^T (F D S - S D F) X|, largest over spins
  // Which norm of that matrix commutator_tolerance bounds: the largest element (hamlet's
  // default, the stricter) or the root mean square, Psi4's D_CONVERGENCE test (RMS |[F,P]|).
  bool commutator_rms = false;
  int diis_vectors = 8;
  double damping = 0.0;                 // density mixing fraction in the first iterations
  double level_shift = 0.0;             // Eh added to virtual levels; 0 = automatic fallback only
  // Below this largest commutator element, the charge-response correction shapes each step
  // (scf/charge_response.hpp); 0 turns it off. Far from convergence its linear model misleads
  // (5 QM9 molecules from the SAP guess: 34 iterations with it throughout, 18 from 0.1 down).
  double charge_response_below = 0.1;
  // With density fitting, screen the step in the auxiliary basis (scf/coulomb_response.hpp)
  // instead of between atomic charges; exact integrals always use the atomic charges.
  bool fitted_coulomb_response = true;
};

struct IterationRecord {
  int iteration;
  double energy, delta_energy, commutator;  // commutator: largest element
  double commutator_rms;
  double seconds;
  std::string xc_grid;  // DFT: which grids gave V_xc (ScfProblem::xc_start); "" for HF
};

struct EnergyComponents {
  double nuclear_repulsion = 0, one_electron = 0, coulomb = 0, exact_exchange = 0, xc = 0;
  double kinetic = 0;  // part of one_electron
};

struct ScfResult {
  bool converged = false;
  int iterations = 0;
  bool restricted = true;
  int nalpha = 0, nbeta = 0;
  double energy = 0;
  EnergyComponents components;
  // Per spin channel (size 1 restricted, 2 unrestricted):
  std::vector<Eigen::VectorXd> orbital_energies;  // ascending
  std::vector<Eigen::MatrixXd> coefficients;      // AO x MO
  std::vector<Eigen::VectorXd> occupations;       // 0..1 per spin orbital (restricted: per spin)
  std::vector<Eigen::MatrixXd> fock;              // converged F (alpha, beta)
  std::vector<Eigen::MatrixXd> density;           // per-spin density matrices
  std::vector<IterationRecord> history;
  double seconds_jk = 0, seconds_xc = 0, seconds_diag = 0, seconds_response = 0;  // response: step corrections
  Eigen::MatrixXd total_density() const {
    return restricted ? Eigen::MatrixXd(2.0 * density[0]) : Eigen::MatrixXd(density[0] + density[1]);
  }
};

// Everything the loop needs, built once by the driver.
struct ScfProblem {
  const Molecule* molecule = nullptr;
  const BasisSet* basis = nullptr;
  Eigen::MatrixXd S, T, H_core;
  integrals::JKBuilder* jk = nullptr;
  XcTerm* xc = nullptr;  // nullptr: Hartree–Fock
  // Optional XC term on a coarser grid (~5x fewer points): alone while the commutator is above
  // xc_start_until (far from convergence the grid error is irrelevant); then, with
  // xc_start_corrected, plus the correction V_xc - V_start measured on both grids at one
  // density and refreshed when the SCF looks converged, stalls, or every 8 iterations (after 3
  // refreshes `xc` alone). Only iterations on `xc` can end the SCF, so the result is that of
  // `xc` alone. Without xc_start_corrected, `xc` alone after the switch.
  XcTerm* xc_start = nullptr;
  double xc_start_until = 1e-2;
  bool xc_start_corrected = true;
  bool restricted = true;
  int nalpha = 0, nbeta = 0;
};

// Orbitals (per spin) to start from.
struct Guess {
  std::vector<Eigen::MatrixXd> fock;  // diagonalised to give starting orbitals
  // Or a starting total (alpha + beta) density, e.g. SAD; used when `fock` is empty. It is
  // scaled to each spin's electron count (tr(D S) of the given matrix is the reference).
  std::optional<integrals::FactoredDensity> density;
  std::string source;  // where the matrices came from (a file name), for error messages
};

// Throws hamlet::Error naming `source` unless M is square, non-empty, finite and symmetric to
// 1e-8 relative; `what` names the matrix in the message ("Fock", "density").
void check_symmetric_matrix(const Eigen::MatrixXd& M, const std::string& source, const std::string& what);

// A user-supplied density matrix D (symmetric, positive semidefinite up to rounding) with a
// factor L, D = L L^T, from its eigenvectors; the JK builders need the factor for K.
// Throws hamlet::Error naming `source` if D is not square, not finite, not symmetric or
// clearly not positive semidefinite.
integrals::FactoredDensity factored_density(const Eigen::MatrixXd& D, const std::string& source);

using IterationCallback = std::function<void(const IterationRecord&)>;

ScfResult run_scf_loop(const ScfProblem& problem, const Guess& guess,
                       const ConvergenceOptions& options, const IterationCallback& on_iteration = {});

// Symmetric (Löwdin) or, for near-singular S, canonical orthogonaliser X with X^T S X = 1.
Eigen::MatrixXd orthogonalizer(const Eigen::MatrixXd& S, double tolerance = 1e-7);

// Orbital energies (ascending) and AO coefficients of F in the orthonormal basis X (the loop's
// and the step corrections' diagonalisation). Throws hamlet::Error when it fails (NaN in F).
struct Orbitals {
  Eigen::VectorXd energies;
  Eigen::MatrixXd coefficients;  // X times the eigenvectors
};
Orbitals diagonalize(const Eigen::MatrixXd& F, const Eigen::MatrixXd& X);

}  // namespace hamlet::scf
