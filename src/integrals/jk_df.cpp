// Density-fitted J and K with the Coulomb metric: (mn|ls) ~ sum_PQ (mn|P) [V^-1]_PQ (Q|ls).
// B^Q_mn = sum_P [L^-1]_QP (P|mn) with V = L L^T (Cholesky), computed once.
//
// Layout: B is one column-major (npairs x naux) matrix, a row per stored function pair
// m >= s (packed symmetric storage; shell pairs whose Schwarz bound is negligible are not
// stored). So the L^-T transform is one triangular solve on row blocks, and per iteration
//   J:  gamma = B^T d (d = packed D, off-diagonal doubled), J = B gamma   (two GEMVs),
//   K:  per Q, unpack B^Q (n x n), Y_Q = C^T B^Q (k x n), K += sum_Q Y_Q^T Y_Q  (GEMM + SYRK).
// Threads own fixed ranges (rows, aux functions), partial K summed in thread order:
// results do not depend on timing.
#include <omp.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

#include "core/blas.hpp"
#include "core/error.hpp"
#include "core/memory.hpp"
#include "integrals/jk.hpp"
#include "integrals/libint_bridge.hpp"

namespace hamlet::integrals {
namespace {

// Shell pairs with sqrt((ab|ab)) * max_P sqrt((P|P)) below this bound every (P|ab) by
// Cauchy-Schwarz and are dropped (far below the 1e-12 integral precision the tests need).
constexpr double kPairScreen = 1e-14;

// [begin, end) of part t of n items split into nt nearly equal contiguous parts.
std::pair<Eigen::Index, Eigen::Index> split(Eigen::Index n, int t, int nt) {
  return {n * t / nt, n * (t + 1) / nt};
}

class DensityFittedJK final : public JKBuilder, public FittedCoulomb {
 public:
  DensityFittedJK(const BasisSet& basis, const BasisSet& aux) : n_(basis.nbf), naux_(aux.nbf) {
    auto obs = detail::to_libint_shells(basis);
    auto dfs = detail::to_libint_shells(aux);
    const int max_l = std::max(basis.max_l, aux.max_l);
    const int max_nprim = std::max(detail::max_nprim(obs), detail::max_nprim(dfs));

    const Eigen::MatrixXd V = metric(dfs, aux, max_nprim, max_l);
    Eigen::LLT<Eigen::MatrixXd> llt(V);
    if (llt.info() != Eigen::Success)
      throw Error("density fitting: the Coulomb metric of auxiliary basis '" + aux.name +
                  "' is not positive definite");

    // Stored shell pairs (a >= b) and their function pairs, row by row.
    const int nobs = static_cast<int>(obs.size());
    const Eigen::MatrixXd q = schwarz(obs, max_nprim, max_l);
    const double qaux = std::sqrt(V.diagonal().maxCoeff());
    std::vector<std::pair<int, int>> shell_pairs;
    std::vector<Eigen::Index> pair_row;  // first row of each stored shell pair
    for (int a = 0; a < nobs; ++a)
      for (int b = 0; b <= a; ++b) {
        if (q(a, b) * qaux < kPairScreen) continue;
        shell_pairs.emplace_back(a, b);
        pair_row.push_back(static_cast<Eigen::Index>(rows_m_.size()));
        const int oa = basis.shell_offset[a], ob = basis.shell_offset[b];
        for (int j = 0; j < static_cast<int>(obs[a].size()); ++j)
          for (int k = 0; k < static_cast<int>(obs[b].size()); ++k) {
            if (a == b && k > j) continue;
            rows_m_.push_back(oa + j);
            rows_s_.push_back(ob + k);
          }
      }
    const Eigen::Index npairs = static_cast<Eigen::Index>(rows_m_.size());

    B_.resize(npairs, naux_);
    advise_huge_pages(B_.data(), sizeof(double) * static_cast<size_t>(B_.size()));
    const int nthreads = omp_get_max_threads();
    std::vector<libint2::Engine> engines(nthreads,
                                         libint2::Engine(libint2::Operator::coulomb, max_nprim, max_l, 0));
    constexpr double kPrecision = 1e-15;
    for (auto& e : engines) {
      e.set(libint2::BraKet::xs_xx);
      e.set_precision(kPrecision);
    }
    // Primitive-pair data made once per shell pair and aux shell instead of in every call
    // (12 % of the 3-index time on a 23-atom QM9 molecule, one thread); the same data the
    // engine would make at its precision, so the same integrals.
    const double ln_precision = std::log(kPrecision);
    const auto screening = libint2::default_screening_method();  // as the engines use
    std::vector<libint2::ShellPair> aux_pairs(dfs.size());
    for (size_t P = 0; P < dfs.size(); ++P)
      aux_pairs[P].init(dfs[P], libint2::Shell::unit(), ln_precision, screening);
    const int nsp = static_cast<int>(shell_pairs.size());
    // Each task writes only its own rows: no races, any schedule gives the same B.
#pragma omp parallel for schedule(dynamic)
    for (int sp = 0; sp < nsp; ++sp) {
      auto& engine = engines[omp_get_thread_num()];
      const auto& buf = engine.results();
      const auto [a, b] = shell_pairs[sp];
      const int na = obs[a].size(), nb = obs[b].size();
      const libint2::ShellPair pair(obs[a], obs[b], ln_precision, screening);
      for (size_t P = 0; P < dfs.size(); ++P) {
        const int nP = dfs[P].size(), oP = aux.shell_offset[P];
        engine.compute2<libint2::Operator::coulomb, libint2::BraKet::xs_xx, 0>(
            dfs[P], libint2::Shell::unit(), obs[a], obs[b], &aux_pairs[P], &pair);
        for (int i = 0; i < nP; ++i) {
          Eigen::Index row = pair_row[sp];
          for (int j = 0; j < na; ++j)
            for (int k = 0; k < nb; ++k) {
              if (a == b && k > j) continue;
              B_(row++, oP + i) = buf[0] ? buf[0][(i * na + j) * nb + k] : 0.0;
            }
        }
      }
    }
    // B <- B L^-T: rows are independent, so each thread solves its own row block.
    const Eigen::MatrixXd U = llt.matrixU();
#pragma omp parallel
    {
      const auto [r0, r1] = split(npairs, omp_get_thread_num(), omp_get_num_threads());
      blas::solve_right_upper(U, B_.middleRows(r0, r1 - r0));
    }
  }
  const char* name() const override { return "density-fitted"; }
  const FittedCoulomb* fitted_coulomb() const override { return this; }

  Eigen::Index naux() const override { return naux_; }

  Eigen::VectorXd project(const Eigen::MatrixXd& D) const override {
    return B_.transpose() * packed(D);
  }

  Eigen::MatrixXd expand(const Eigen::VectorXd& u) const override {
    const Eigen::VectorXd j = B_ * u;
    Eigen::MatrixXd M = Eigen::MatrixXd::Zero(n_, n_);
    unpack(j.data(), M);
    return M;
  }

  Eigen::MatrixXd transform(const Eigen::MatrixXd& Cl, const Eigen::MatrixXd& Cr) const override {
    const Eigen::Index l = Cl.cols(), r = Cr.cols();
    Eigen::MatrixXd out(l * r, naux_);
    if (l == 0 || r == 0) return out;
    const Eigen::MatrixXd Clt = Cl.transpose();
#pragma omp parallel
    {
      Eigen::MatrixXd Bq = Eigen::MatrixXd::Zero(n_, n_);  // unstored pairs stay zero
      Eigen::MatrixXd half(l, n_);
      const auto [q0, q1] = split(naux_, omp_get_thread_num(), omp_get_num_threads());
      for (Eigen::Index q = q0; q < q1; ++q) {
        unpack(B_.col(q).data(), Bq);
        blas::gemm(1.0, Clt, false, Bq, false, 0.0, half);
        Eigen::Map<Eigen::MatrixXd> block(out.col(q).data(), l, r);
        blas::gemm(1.0, half, false, Cr, false, 0.0, block);
      }
    }
    return out;
  }

  void compute(const std::vector<FactoredDensity>& densities, bool want_k,
               std::vector<Eigen::MatrixXd>& J, std::vector<Eigen::MatrixXd>& K) override {
    const int nd = static_cast<int>(densities.size());
    const Eigen::Index npairs = B_.rows();
    // Packed densities, off-diagonal elements doubled (each stored pair stands for two).
    Eigen::MatrixXd d(npairs, nd), gamma(naux_, nd), j(npairs, nd);
    for (int x = 0; x < nd; ++x) d.col(x) = packed(densities[x].density);
#pragma omp parallel
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const auto [q0, q1] = split(naux_, t, nt);
      gamma.middleRows(q0, q1 - q0).noalias() = B_.middleCols(q0, q1 - q0).transpose() * d;
#pragma omp barrier
      const auto [r0, r1] = split(npairs, t, nt);
      j.middleRows(r0, r1 - r0).noalias() = B_.middleRows(r0, r1 - r0) * gamma;
    }
    J.assign(nd, Eigen::MatrixXd::Zero(n_, n_));
    for (int x = 0; x < nd; ++x) unpack(j.col(x).data(), J[x]);

    K.assign(want_k ? nd : 0, Eigen::MatrixXd::Zero(n_, n_));
    if (!want_k) return;
    for (int x = 0; x < nd; ++x) K[x] = exchange(densities[x].factor);
  }

 private:
  // D packed like B's rows, off-diagonal elements doubled (each stored pair stands for two).
  Eigen::VectorXd packed(const Eigen::MatrixXd& D) const {
    Eigen::VectorXd d(B_.rows());
    for (Eigen::Index r = 0; r < d.size(); ++r)
      d(r) = (rows_m_[r] == rows_s_[r] ? 1.0 : 2.0) * D(rows_m_[r], rows_s_[r]);
    return d;
  }

  // Values packed like B's rows (one per stored pair) into a full symmetric matrix M, whose
  // unstored elements must be zero.
  void unpack(const double* values, Eigen::MatrixXd& M) const {
    for (size_t r = 0; r < rows_m_.size(); ++r) M(rows_m_[r], rows_s_[r]) = M(rows_s_[r], rows_m_[r]) = values[r];
  }

  // K = sum_Q (B^Q C)(B^Q C)^T, aux functions in fixed contiguous ranges per thread.
  Eigen::MatrixXd exchange(const Eigen::MatrixXd& C) const {
    const int k = static_cast<int>(C.cols());
    Eigen::MatrixXd K = Eigen::MatrixXd::Zero(n_, n_);
    if (k == 0) return K;
    const Eigen::MatrixXd Ct = C.transpose();
    constexpr int kChunk = 16;  // aux functions per SYRK: k*kChunk rows keep the update efficient
    const int nthreads = omp_get_max_threads();
    std::vector<Eigen::MatrixXd> partial(nthreads, Eigen::MatrixXd::Zero(n_, n_));
#pragma omp parallel num_threads(nthreads)
    {
      const int t = omp_get_thread_num();
      Eigen::MatrixXd& Kt = partial[t];
      Eigen::MatrixXd Bq = Eigen::MatrixXd::Zero(n_, n_);  // unstored pairs stay zero
      Eigen::MatrixXd W(static_cast<Eigen::Index>(k) * kChunk, n_);
      const auto [q0, q1] = split(naux_, t, omp_get_num_threads());
      for (Eigen::Index c0 = q0; c0 < q1; c0 += kChunk) {
        const int nc = static_cast<int>(std::min<Eigen::Index>(kChunk, q1 - c0));
        for (int c = 0; c < nc; ++c) {
          unpack(B_.col(c0 + c).data(), Bq);
          blas::gemm(1.0, Ct, false, Bq, false, 0.0, W.middleRows(static_cast<Eigen::Index>(c) * k, k));
        }
        blas::syrk_lower_transposed(1.0, W.topRows(static_cast<Eigen::Index>(nc) * k), 1.0, Kt);
      }
    }
    for (const auto& p : partial) K += p;
    return K.selfadjointView<Eigen::Lower>();
  }

  // sqrt((ab|ab)) maximised over the functions of each shell pair.
  static Eigen::MatrixXd schwarz(const std::vector<libint2::Shell>& obs, int max_nprim, int max_l) {
    const int nsh = static_cast<int>(obs.size());
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(nsh, nsh);
    libint2::Engine engine(libint2::Operator::coulomb, max_nprim, max_l, 0);
    engine.set_precision(0.0);
    const auto& buf = engine.results();
    for (int a = 0; a < nsh; ++a)
      for (int b = 0; b <= a; ++b) {
        engine.compute(obs[a], obs[b], obs[a], obs[b]);
        const int na = obs[a].size(), nb = obs[b].size();
        double m = 0.0;
        if (buf[0])
          for (int i = 0; i < na * nb; ++i) m = std::max(m, std::abs(buf[0][i * na * nb + i]));
        q(a, b) = q(b, a) = std::sqrt(m);
      }
    return q;
  }

  static Eigen::MatrixXd metric(const std::vector<libint2::Shell>& dfs, const BasisSet& aux, int max_nprim,
                                int max_l) {
    const int naux = aux.nbf;
    Eigen::MatrixXd V = Eigen::MatrixXd::Zero(naux, naux);
    libint2::Engine engine(libint2::Operator::coulomb, max_nprim, max_l, 0);
    engine.set(libint2::BraKet::xs_xs);
    engine.set_precision(0.0);
    const auto& buf = engine.results();
    for (size_t p = 0; p < dfs.size(); ++p)
      for (size_t q = 0; q <= p; ++q) {
        engine.compute(dfs[p], dfs[q]);
        const int np = dfs[p].size(), nq = dfs[q].size();
        const int op = aux.shell_offset[p], oq = aux.shell_offset[q];
        for (int i = 0; i < np; ++i)
          for (int j = 0; j < nq; ++j)
            V(op + i, oq + j) = V(oq + j, op + i) = buf[0] ? buf[0][i * nq + j] : 0.0;
      }
    return V;
  }

  int n_, naux_;
  std::vector<int> rows_m_, rows_s_;  // function pair (m >= s within a shell pair) of each row of B
  Eigen::MatrixXd B_;                 // npairs x naux, column Q = packed B^Q
};

}  // namespace

std::unique_ptr<JKBuilder> make_df_jk(const BasisSet& basis, const BasisSet& auxiliary) {
  return std::make_unique<DensityFittedJK>(basis, auxiliary);
}

}  // namespace hamlet::integrals
