#include "scf/scf.hpp"

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "core/error.hpp"
#include "scf/charge_response.hpp"
#include "scf/coulomb_response.hpp"
#include "scf/diis.hpp"

namespace hamlet::scf {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A per-spin density with its factor (the occupied coefficients), as the JK builders take it.
integrals::FactoredDensity occupied_density(const Eigen::MatrixXd& C, int nocc) {
  integrals::FactoredDensity d;
  d.factor = C.leftCols(nocc);
  d.density = d.factor * d.factor.transpose();
  return d;
}

// The XC term of one iteration, on one or two grids (see ScfProblem::xc_start):
//   Start     - the start grid alone, while far from convergence;
//   Refresh   - the final grid, exact; with the start grid at the same density D_ref, it
//               gives the correction dV = V_final - V_start and dE = E_final - E_start;
//   Corrected - the start grid plus the correction: V_start(D) + dV and
//               E_start(D) + dE + sum_spin tr(dV (D - D_ref)), the energy linearised like V so
//               that its error is second order in D - D_ref;
//   Final     - the final grid alone (no start grid, corrections disabled, or after 3
//               refreshes did not end the SCF).
// Only Refresh and Final iterations are exact, and only they may end the SCF.
class XcSchedule {
 public:
  enum class Kind { Start, Refresh, Corrected, Final };

  XcSchedule(const ScfProblem& p, double spin_weight) : p_(p), spin_weight_(spin_weight) {
    kind_ = p.xc_start ? Kind::Start : Kind::Final;
  }

  Kind kind() const { return kind_; }
  bool exact() const { return kind_ == Kind::Refresh || kind_ == Kind::Final; }
  static const char* name(Kind k) {
    switch (k) {
      case Kind::Start: return "start";
      case Kind::Refresh: return "final+start";
      case Kind::Corrected: return "start+correction";
      case Kind::Final: return "final";
    }
    return "";
  }

  double compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& V) {
    switch (kind_) {
      case Kind::Start: return p_.xc_start->compute(D, V);
      case Kind::Final: return p_.xc->compute(D, V);
      case Kind::Refresh: {
        // The start grid's half of the correction waits for the next iteration: none follows
        // when this one ends the SCF.
        energy_shift_ = p_.xc->compute(D, V);
        dV_ = V;
        D_ref_ = D;
        correction_pending_ = true;
        since_refresh_ = 0;
        ++refreshes_;
        ++exact_since_change_;
        return energy_shift_;
      }
      case Kind::Corrected: {
        if (correction_pending_) {
          energy_shift_ -= p_.xc_start->compute(D_ref_, V);
          for (size_t s = 0; s < V.size(); ++s) dV_[s] -= V[s];
          correction_pending_ = false;
          change_ = CorrectionChange{dV_, exact_since_change_};
          for (size_t s = 0; s < applied_.size(); ++s) change_->dV[s] -= applied_[s];
          applied_ = dV_;
          exact_since_change_ = 0;
        }
        double e = p_.xc_start->compute(D, V) + energy_shift_;
        for (size_t s = 0; s < V.size(); ++s) {
          V[s] += dV_[s];
          e += spin_weight_ * dV_[s].cwiseProduct(D[s] - D_ref_[s]).sum();
        }
        ++since_refresh_;
        return e;
      }
    }
    return 0.0;
  }

  // The change of the correction made by this iteration, once: every earlier Fock matrix built
  // on the start grid (alone: correction 0) becomes the one the current correction gives by
  // adding dV; the newest keep_newest (exact ones at refreshes, D_ref itself among them) stay.
  struct CorrectionChange {
    std::vector<Eigen::MatrixXd> dV;
    int keep_newest = 0;
  };
  std::optional<CorrectionChange> take_correction_change() { return std::exchange(change_, std::nullopt); }

  // Chooses the next iteration's kind from this one's convergence measures: the largest
  // commutator element, and the tested commutator and |dE| over their tolerances.
  void advance(double commutator, double commutator_ratio, double energy_ratio) {
    const bool energy_passes = energy_ratio < 1.0;
    // The energy error is quadratic in the density error, so |dE| is expected to fall by the
    // square of the commutator's last reduction, with a margin of 2: a refresh whose commutator
    // passes but whose dE does not costs another exact iteration.
    const double reduction = last_commutator_ > 0.0 ? std::min(commutator / last_commutator_, 1.0) : 1.0;
    const bool energy_will_pass = 2.0 * energy_ratio * reduction * reduction < 1.0;
    const double closeness = energy_will_pass ? commutator_ratio : std::numeric_limits<double>::infinity();
    switch (kind_) {
      case Kind::Start:
        if (commutator < p_.xc_start_until) kind_ = p_.xc_start_corrected ? Kind::Refresh : Kind::Final;
        break;
      case Kind::Refresh:
        // Commutator converged but dE not: dE compared with a corrected energy, whose
        // second-order error may exceed a tight energy tolerance, so stay exact: the next dE
        // is then between two exact energies.
        kind_ = commutator_ratio < 1.0 && !energy_passes ? Kind::Refresh : Kind::Corrected;
        break;
      case Kind::Corrected:
        // Refresh when converged, or expected to be after one more iteration (commutators
        // fall ~3x per iteration there), as far as the corrected grid can tell; when a step
        // barely lowers the commutator (the correction has gone stale); and after a long
        // stretch, in case D has moved far from D_ref. After kMaxRefreshes the final grid
        // alone: near a fixed point the corrected and final Fock matrices may differ by more
        // than the tolerance (OH radical at |[F,D]| ~ 2e-9), and alternating them in DIIS
        // would then never converge.
        if (closeness < kRefreshCloseness || since_refresh_ >= kMaxCorrected ||
            (since_refresh_ > 1 && commutator > kStall * last_commutator_))
          kind_ = refreshes_ < kMaxRefreshes ? Kind::Refresh : Kind::Final;
        break;
      case Kind::Final:
        break;
    }
    last_commutator_ = commutator;
  }

 private:
  static constexpr int kMaxCorrected = 8;
  static constexpr double kRefreshCloseness = 3.0;
  static constexpr int kMaxRefreshes = 3;
  static constexpr double kStall = 0.8;
  const ScfProblem& p_;
  double spin_weight_;
  Kind kind_;
  double energy_shift_ = 0.0;
  std::vector<Eigen::MatrixXd> dV_, D_ref_;
  bool correction_pending_ = false;
  int since_refresh_ = 0;
  int refreshes_ = 0;
  double last_commutator_ = 0.0;
  std::vector<Eigen::MatrixXd> applied_;  // the correction in use (empty: none yet)
  std::optional<CorrectionChange> change_;
  int exact_since_change_ = 0;
};

}  // namespace

Orbitals diagonalize(const Eigen::MatrixXd& F, const Eigen::MatrixXd& X) {
  Eigen::MatrixXd Fo = X.transpose() * F * X;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (Fo + Fo.transpose()));
  if (es.info() != Eigen::Success) throw Error("SCF: Fock matrix diagonalisation failed (NaN in F?)");
  return {es.eigenvalues(), X * es.eigenvectors()};
}

Eigen::MatrixXd orthogonalizer(const Eigen::MatrixXd& S, double tolerance) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  const Eigen::VectorXd& s = es.eigenvalues();
  const Eigen::MatrixXd& U = es.eigenvectors();
  if (s.minCoeff() >= tolerance)  // symmetric orthogonalisation
    return U * s.cwiseInverse().cwiseSqrt().asDiagonal() * U.transpose();
  // canonical orthogonalisation, dropping near-linear dependencies
  int keep = 0;
  for (int i = 0; i < s.size(); ++i) keep += s(i) >= tolerance;
  Eigen::MatrixXd X(S.rows(), keep);
  for (int i = 0, k = 0; i < s.size(); ++i)
    if (s(i) >= tolerance) X.col(k++) = U.col(i) / std::sqrt(s(i));
  return X;
}

void check_symmetric_matrix(const Eigen::MatrixXd& M, const std::string& source, const std::string& what) {
  if (M.rows() != M.cols() || M.rows() == 0)
    throw Error(source + ": a " + what + " matrix must be square, this one is " + std::to_string(M.rows()) + "x" +
                std::to_string(M.cols()));
  if (!M.allFinite()) throw Error(source + ": the " + what + " matrix contains NaN or Inf");
  const double asymmetry = (M - M.transpose()).cwiseAbs().maxCoeff();
  if (asymmetry > 1e-8 * std::max(1.0, M.cwiseAbs().maxCoeff()))
    throw Error(source + ": the " + what + " matrix is not symmetric (largest |M_ij - M_ji| = " +
                std::to_string(asymmetry) + ")");
}

integrals::FactoredDensity factored_density(const Eigen::MatrixXd& D, const std::string& source) {
  check_symmetric_matrix(D, source, "density");
  const Eigen::MatrixXd sym = 0.5 * (D + D.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(sym);
  const Eigen::VectorXd& lambda = es.eigenvalues();
  // A converged density is positive semidefinite; rounding (or a conversion from another code)
  // leaves eigenvalues of order 1e-12 below zero, which are dropped.
  if (lambda.minCoeff() < -1e-6 * std::max(1.0, lambda.maxCoeff()))
    throw Error(source + ": the density matrix is not positive semidefinite (eigenvalue " +
                std::to_string(lambda.minCoeff()) + ")");
  std::vector<int> kept;
  for (int i = 0; i < lambda.size(); ++i)
    if (lambda(i) > 0.0) kept.push_back(i);
  integrals::FactoredDensity out;
  out.factor = es.eigenvectors()(Eigen::all, kept) * lambda(kept).cwiseSqrt().asDiagonal();
  out.density = out.factor * out.factor.transpose();
  return out;
}

ScfResult run_scf_loop(const ScfProblem& p, const Guess& guess, const ConvergenceOptions& opt,
                       const IterationCallback& on_iteration) {
  const int nspin = p.restricted ? 1 : 2;
  const std::array<int, 2> nocc = {p.nalpha, p.nbeta};
  const double spin_weight = p.restricted ? 2.0 : 1.0;
  const double alpha_x = p.xc ? p.xc->exact_exchange_fraction() : 1.0;
  const bool want_k = alpha_x != 0.0;
  const Eigen::MatrixXd X = orthogonalizer(p.S);
  if (X.cols() < std::max(p.nalpha, p.nbeta))
    throw Error("SCF: the basis has fewer independent functions than occupied orbitals");

  ScfResult r;
  r.restricted = p.restricted;
  r.nalpha = p.nalpha;
  r.nbeta = p.nbeta;
  r.components.nuclear_repulsion = p.molecule->nuclear_repulsion_energy();

  std::vector<Orbitals> orb(nspin);
  std::vector<integrals::FactoredDensity> dens(nspin);
  if (guess.fock.empty()) {
    if (!guess.density) throw Error("SCF: the initial guess has neither a Fock nor a density matrix");
    const auto& D0 = *guess.density;
    const std::string from = guess.source.empty() ? std::string() : " (" + guess.source + ")";
    if (D0.density.rows() != p.S.rows() || D0.factor.rows() != p.S.rows())
      throw Error("SCF: the initial guess density" + from + " is " + std::to_string(D0.density.rows()) + "x" +
                  std::to_string(D0.density.cols()) + " but the basis has " + std::to_string(p.S.rows()) +
                  " functions");
    if (!D0.density.allFinite()) throw Error("SCF: the initial guess density" + from + " contains NaN or Inf");
    const double electrons = D0.density.cwiseProduct(p.S).sum();
    if (!(electrons > 0.0)) throw Error("SCF: the initial guess density" + from + " holds no electrons");
    for (int s = 0; s < nspin; ++s) {  // restricted: nocc[0] electrons per spin
      const double scale = nocc[s] / electrons;
      dens[s].density = scale * D0.density;
      dens[s].factor = std::sqrt(scale) * D0.factor;
    }
  } else {
    for (int s = 0; s < nspin; ++s) {
      const auto& F0 = guess.fock.at(std::min<size_t>(s, guess.fock.size() - 1));
      if (!F0.allFinite())
        throw Error("SCF: the initial guess Fock matrix" +
                    (guess.source.empty() ? std::string() : " (" + guess.source + ")") + " contains NaN or Inf");
      orb[s] = diagonalize(F0, X);
      dens[s] = occupied_density(orb[s].coefficients, nocc[s]);
    }
  }

  Diis diis(opt.diis_vectors);
  std::optional<ChargeResponseCorrection> charge_response;
  std::optional<CoulombResponseCorrection> coulomb_response;
  if (opt.charge_response_below > 0.0) {
    const integrals::FittedCoulomb* fitted = opt.fitted_coulomb_response ? p.jk->fitted_coulomb() : nullptr;
    if (fitted)
      coulomb_response.emplace(*fitted);
    else
      charge_response.emplace(*p.molecule, *p.basis, p.S);
  }
  double level_shift = opt.level_shift;
  double e_old = 0.0;
  int rising = 0;
  XcSchedule xc_schedule(p, spin_weight);
  std::vector<Eigen::MatrixXd> J, K, Vxc, F(nspin), D(nspin);
  for (int iter = 1; iter <= opt.max_iterations; ++iter) {
    const auto t_iter = Clock::now();
    for (int s = 0; s < nspin; ++s) D[s] = dens[s].density;
    auto t0 = Clock::now();
    p.jk->compute(dens, want_k, J, K);
    r.seconds_jk += seconds_since(t0);
    Eigen::MatrixXd J_total = p.restricted ? Eigen::MatrixXd(2.0 * J[0]) : Eigen::MatrixXd(J[0] + J[1]);
    double e_xc = 0.0;
    const XcSchedule::Kind xc_kind = xc_schedule.kind();
    const bool exact = !p.xc || xc_schedule.exact();
    if (p.xc) {
      t0 = Clock::now();
      e_xc = xc_schedule.compute(D, Vxc);
      r.seconds_xc += seconds_since(t0);
    }
    EnergyComponents ec;
    ec.nuclear_repulsion = r.components.nuclear_repulsion;
    ec.xc = e_xc;
    for (int s = 0; s < nspin; ++s) {
      F[s] = p.H_core + J_total;
      if (want_k) F[s] -= alpha_x * K[s];
      if (p.xc) F[s] += Vxc[s];
      ec.one_electron += spin_weight * D[s].cwiseProduct(p.H_core).sum();
      ec.kinetic += spin_weight * D[s].cwiseProduct(p.T).sum();
      ec.coulomb += 0.5 * spin_weight * D[s].cwiseProduct(J_total).sum();
      if (want_k) ec.exact_exchange -= 0.5 * alpha_x * spin_weight * D[s].cwiseProduct(K[s]).sum();
    }
    const double energy =
        ec.nuclear_repulsion + ec.one_electron + ec.coulomb + ec.exact_exchange + ec.xc;
    if (!std::isfinite(energy)) throw Error("SCF: the energy became NaN or Inf at iteration " + std::to_string(iter));

    std::vector<Eigen::MatrixXd> err(nspin);
    double commutator = 0.0, commutator_rms = 0.0;
    for (int s = 0; s < nspin; ++s) {
      Eigen::MatrixXd FDS = F[s] * D[s] * p.S;
      err[s] = X.transpose() * (FDS - FDS.transpose()) * X;
      commutator = std::max(commutator, err[s].cwiseAbs().maxCoeff());
      commutator_rms = std::max(commutator_rms, err[s].norm() / static_cast<double>(err[s].rows()));
    }
    const double de = iter == 1 ? energy : energy - e_old;
    e_old = energy;
    r.energy = energy;
    r.components = ec;
    r.iterations = iter;
    const double tested = opt.commutator_rms ? commutator_rms : commutator;
    const bool tests_pass = iter > 1 && std::abs(de) < opt.energy_tolerance && tested < opt.commutator_tolerance;
    // Only an exact iteration ends the SCF. dE may then compare with a corrected energy, whose
    // error is second order in the density change since the last refresh.
    if (tests_pass && exact) r.converged = true;

    // Fallback for oscillating or rising iterations: shift the virtual levels.
    rising = (iter > 1 && de > 1e-6) ? rising + 1 : rising;
    if (level_shift == 0.0 && (rising >= 3 || (iter == 30 && commutator > 1e-4))) level_shift = 0.3;

    if (!r.converged) {
      // The start grid's Fock matrices stay in the DIIS subspace (a restart would cost ~3
      // iterations on a 19-atom QM9 molecule); when the correction changes they become the
      // Fock matrices of the new one, exactly: F(D_i) + dV, error + X^T(dV D_i S - S D_i dV)X
      // (12 QM9 molecules: at the benchmark's tolerances 1 iteration fewer on 3, at hamlet's
      // defaults 1-3 fewer on 8 and 1 more on 1).
      if (const auto change = xc_schedule.take_correction_change()) {
        diis.update(change->keep_newest, [&](std::vector<Eigen::MatrixXd>& fock, std::vector<Eigen::MatrixXd>& error,
                                            const std::vector<Eigen::MatrixXd>& density) {
          for (int s = 0; s < nspin; ++s) {
            fock[s] += change->dV[s];
            const Eigen::MatrixXd dVDS = change->dV[s] * density[s] * p.S;
            error[s] += X.transpose() * (dVDS - dVDS.transpose()) * X;
          }
        });
      }
      auto Fx = diis.extrapolate(F, err, D);
      if (commutator < opt.charge_response_below) {
        t0 = Clock::now();
        if (charge_response) charge_response->apply(Fx, diis.extrapolated_density(), X, nocc, spin_weight);
        if (coulomb_response)
          coulomb_response->apply(Fx, diis.extrapolated_density(), X, nocc, spin_weight);
        r.seconds_response += seconds_since(t0);
      }
      for (int s = 0; s < nspin; ++s) {
        if (level_shift > 0.0 && commutator > 1e-5)
          Fx[s] += level_shift * (p.S - p.S * D[s] * p.S);
        t0 = Clock::now();
        orb[s] = diagonalize(Fx[s], X);
        r.seconds_diag += seconds_since(t0);
        auto next = occupied_density(orb[s].coefficients, nocc[s]);
        if (opt.damping > 0.0 && commutator > 1e-3) {
          // Mixed density keeps a factor: [sqrt(1-d) C_new, sqrt(d) C_old].
          integrals::FactoredDensity mixed;
          mixed.factor.resize(next.factor.rows(), next.factor.cols() + dens[s].factor.cols());
          mixed.factor << std::sqrt(1.0 - opt.damping) * next.factor,
              std::sqrt(opt.damping) * dens[s].factor;
          mixed.density = (1.0 - opt.damping) * next.density + opt.damping * dens[s].density;
          next = std::move(mixed);
        }
        dens[s] = std::move(next);
      }
    }
    if (p.xc)
      xc_schedule.advance(commutator, tested / opt.commutator_tolerance,
                          iter > 1 ? std::abs(de) / opt.energy_tolerance : std::numeric_limits<double>::infinity());
    IterationRecord rec{iter, energy, de, commutator, commutator_rms, seconds_since(t_iter),
                        p.xc ? XcSchedule::name(xc_kind) : ""};
    r.history.push_back(rec);
    if (on_iteration) on_iteration(rec);
    if (r.converged) break;
  }

  // Final orbitals: eigenvectors of the Fock matrix built from the final density.
  r.fock = F;
  r.density = D;
  for (int s = 0; s < nspin; ++s) {
    auto o = diagonalize(F[s], X);
    r.orbital_energies.push_back(o.energies);
    r.coefficients.push_back(o.coefficients);
    Eigen::VectorXd occ = Eigen::VectorXd::Zero(o.energies.size());
    occ.head(nocc[s]).setOnes();
    r.occupations.push_back(occ);
  }
  return r;
}

}  // namespace hamlet::scf
