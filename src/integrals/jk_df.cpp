// Density-fitted J and K with the Coulomb metric: (mn|ls) ~ sum_PQ (mn|P) [V^-1]_PQ (Q|ls).
// B^Q_mn = sum_P [L^-1]_QP (P|mn) with V = L L^T (Cholesky), computed once.
//
// Layout: B is stored as n blocks (one per column index s), each an (n x naux) column-major
// matrix M_s(m, Q) = B^Q_ms. Then, for occupied factors C (n x k),
//   Y = [M_0 ... M_{n-1}] C  viewed as the row-major (naux*k) x n matrix W(Q + naux*i, m),
//   K = W^T W  (one large SYRK),
// and J needs two passes over B (gamma_Q = sum_ms B^Q_ms D_ms, J_ms = sum_Q B^Q_ms gamma_Q).
#include <omp.h>

#include <Eigen/Cholesky>

#include "core/error.hpp"
#include "integrals/jk.hpp"
#include "integrals/libint_bridge.hpp"

namespace hamlet::integrals {
namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class DensityFittedJK final : public JKBuilder {
 public:
  DensityFittedJK(const BasisSet& basis, const BasisSet& aux) : n_(basis.nbf), naux_(aux.nbf) {
    auto obs = detail::to_libint_shells(basis);
    auto dfs = detail::to_libint_shells(aux);
    const int max_l = std::max(basis.max_l, aux.max_l);
    const int max_nprim = std::max(detail::max_nprim(obs), detail::max_nprim(dfs));

    Eigen::LLT<Eigen::MatrixXd> llt(metric(dfs, aux, max_nprim, max_l));
    if (llt.info() != Eigen::Success)
      throw Error("density fitting: the Coulomb metric of auxiliary basis '" + aux.name +
                  "' is not positive definite");

    B_.resize(static_cast<Eigen::Index>(n_) * naux_, n_);
    const int nthreads = omp_get_max_threads();
    std::vector<libint2::Engine> engines(nthreads,
                                         libint2::Engine(libint2::Operator::coulomb, max_nprim, max_l, 0));
    for (auto& e : engines) {
      e.set(libint2::BraKet::xs_xx);
      e.set_precision(1e-15);
    }
    const int nobs = static_cast<int>(obs.size());
    // (P|ab) for shell pairs a >= b, written into both M_b(a, P) and M_a(b, P).
#pragma omp parallel for schedule(dynamic)
    for (int a = 0; a < nobs; ++a) {
      auto& engine = engines[omp_get_thread_num()];
      const auto& buf = engine.results();
      const int na = obs[a].size(), oa = basis.shell_offset[a];
      for (int b = 0; b <= a; ++b) {
        const int nb = obs[b].size(), ob = basis.shell_offset[b];
        for (size_t P = 0; P < dfs.size(); ++P) {
          const int nP = dfs[P].size(), oP = aux.shell_offset[P];
          engine.compute(dfs[P], obs[a], obs[b]);
          for (int i = 0, idx = 0; i < nP; ++i)
            for (int j = 0; j < na; ++j)
              for (int k = 0; k < nb; ++k, ++idx) {
                const double v = buf[0] ? buf[0][idx] : 0.0;
                at(oa + j, ob + k, oP + i) = v;
                at(ob + k, oa + j, oP + i) = v;
              }
        }
      }
    }
    // B <- B L^-T on the auxiliary index, block by block.
    const auto U = llt.matrixU();
#pragma omp parallel for schedule(dynamic)
    for (int s = 0; s < n_; ++s) {
      Eigen::Map<Eigen::MatrixXd> M(B_.col(s).data(), n_, naux_);
      U.solveInPlace<Eigen::OnTheRight>(M);
    }
  }
  const char* name() const override { return "density-fitted"; }

  void compute(const std::vector<FactoredDensity>& densities, bool want_k,
               std::vector<Eigen::MatrixXd>& J, std::vector<Eigen::MatrixXd>& K) override {
    const int nd = static_cast<int>(densities.size());
    J.assign(nd, Eigen::MatrixXd(n_, n_));
    K.assign(want_k ? nd : 0, Eigen::MatrixXd::Zero(n_, n_));
    for (int d = 0; d < nd; ++d) {
      const auto& D = densities[d].density;
      Eigen::VectorXd gamma = Eigen::VectorXd::Zero(naux_);
      for (int s = 0; s < n_; ++s) gamma.noalias() += block(s).transpose() * D.col(s);
      for (int s = 0; s < n_; ++s) J[d].col(s).noalias() = block(s) * gamma;
      if (!want_k) continue;
      const Eigen::MatrixXd& C = densities[d].factor;
      const int k = static_cast<int>(C.cols());
      if (k == 0) continue;
      // Y(m + n*Q, i) = sum_s B^Q_ms C_si  ->  W = Y reinterpreted, rows (Q, i), columns m.
      Eigen::MatrixXd Y(static_cast<Eigen::Index>(n_) * naux_, k);
      Y.noalias() = B_ * C;
      // Y is column-major (n*naux) x k: element (m + n*Q, i) sits at m + n*(Q + naux*i),
      // so it is the row-major (naux*k) x n matrix W(Q + naux*i, m).
      Eigen::Map<const RowMajorMatrix> W(Y.data(), static_cast<Eigen::Index>(naux_) * k, n_);
      K[d].selfadjointView<Eigen::Lower>().rankUpdate(W.transpose());
      K[d] = K[d].selfadjointView<Eigen::Lower>();
    }
  }

 private:
  double& at(int m, int s, int Q) { return B_(static_cast<Eigen::Index>(m) + static_cast<Eigen::Index>(n_) * Q, s); }
  Eigen::Map<const Eigen::MatrixXd> block(int s) const { return {B_.col(s).data(), n_, naux_}; }

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
  Eigen::MatrixXd B_;  // (n*naux) x n: column s holds M_s(m, Q) = B^Q_ms column-major
};

}  // namespace

std::unique_ptr<JKBuilder> make_df_jk(const BasisSet& basis, const BasisSet& auxiliary) {
  return std::make_unique<DensityFittedJK>(basis, auxiliary);
}

}  // namespace hamlet::integrals
