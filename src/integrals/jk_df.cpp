// Density-fitted J and K with the Coulomb metric: (mn|ls) ~ sum_PQ (mn|P) [V^-1]_PQ (Q|ls).
// B^Q_mn = sum_P [L^-1]_QP (P|mn) with V = L L^T (Cholesky), stored once (n^2 x naux); a build is
// then a few dense matrix products.
#include <omp.h>

#include <Eigen/Cholesky>

#include "core/error.hpp"
#include "integrals/jk.hpp"
#include "integrals/libint_bridge.hpp"

namespace hamlet::integrals {
namespace {

class DensityFittedJK final : public JKBuilder {
 public:
  DensityFittedJK(const BasisSet& basis, const BasisSet& aux) : n_(basis.nbf), naux_(aux.nbf) {
    auto obs = detail::to_libint_shells(basis);
    auto dfs = detail::to_libint_shells(aux);
    const int max_l = std::max(basis.max_l, aux.max_l);
    const int max_nprim = std::max(detail::max_nprim(obs), detail::max_nprim(dfs));

    // Metric V_PQ = (P|Q).
    Eigen::MatrixXd V = Eigen::MatrixXd::Zero(naux_, naux_);
    {
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
    }
    Eigen::LLT<Eigen::MatrixXd> llt(V);
    if (llt.info() != Eigen::Success)
      throw Error("density fitting: the Coulomb metric of auxiliary basis '" + aux.name +
                  "' is not positive definite");

    // Three-centre (P|mn): column P holds the n x n matrix (both triangles), column-major.
    B_.resize(static_cast<Eigen::Index>(n_) * n_, naux_);
    B_.setZero();
    const int nthreads = omp_get_max_threads();
    std::vector<libint2::Engine> engines(nthreads,
                                         libint2::Engine(libint2::Operator::coulomb, max_nprim, max_l, 0));
    for (auto& e : engines) {
      e.set(libint2::BraKet::xs_xx);
      e.set_precision(1e-15);
    }
    const int nobs = static_cast<int>(obs.size());
#pragma omp parallel for schedule(dynamic)
    for (int P = 0; P < (int)dfs.size(); ++P) {
      auto& engine = engines[omp_get_thread_num()];
      const auto& buf = engine.results();
      const int nP = dfs[P].size(), oP = aux.shell_offset[P];
      for (int a = 0; a < nobs; ++a)
        for (int b = 0; b <= a; ++b) {
          engine.compute(dfs[P], obs[a], obs[b]);
          if (buf[0] == nullptr) continue;
          const int na = obs[a].size(), nb = obs[b].size();
          const int oa = basis.shell_offset[a], ob = basis.shell_offset[b];
          for (int i = 0, idx = 0; i < nP; ++i)
            for (int j = 0; j < na; ++j)
              for (int k = 0; k < nb; ++k, ++idx) {
                const double v = buf[0][idx];
                B_(static_cast<Eigen::Index>(oa + j) * n_ + ob + k, oP + i) = v;
                B_(static_cast<Eigen::Index>(ob + k) * n_ + oa + j, oP + i) = v;
              }
        }
    }
    // B^Q = sum_P [L^-1]_QP (P|mn), i.e. B <- B L^-T.
    llt.matrixU().solveInPlace<Eigen::OnTheRight>(B_);
  }
  const char* name() const override { return "density-fitted"; }

  void compute(const std::vector<FactoredDensity>& densities, bool want_k,
               std::vector<Eigen::MatrixXd>& J, std::vector<Eigen::MatrixXd>& K) override {
    const int nd = static_cast<int>(densities.size());
    J.assign(nd, Eigen::MatrixXd(n_, n_));
    K.assign(want_k ? nd : 0, Eigen::MatrixXd::Zero(n_, n_));
    for (int d = 0; d < nd; ++d) {
      Eigen::Map<const Eigen::VectorXd> dvec(densities[d].density.data(),
                                             static_cast<Eigen::Index>(n_) * n_);
      Eigen::VectorXd gamma = B_.transpose() * dvec;  // naux
      Eigen::VectorXd jvec = B_ * gamma;
      J[d] = Eigen::Map<Eigen::MatrixXd>(jvec.data(), n_, n_);
      if (!want_k) continue;
      const Eigen::MatrixXd& C = densities[d].factor;
      const int k = static_cast<int>(C.cols());
      if (k == 0) continue;
      const int nthreads = omp_get_max_threads();
      std::vector<Eigen::MatrixXd> Kt(nthreads, Eigen::MatrixXd::Zero(n_, n_));
#pragma omp parallel
      {
        Eigen::MatrixXd X(k, n_);
        auto& Kl = Kt[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (int Q = 0; Q < naux_; ++Q) {
          Eigen::Map<const Eigen::MatrixXd> BQ(B_.col(Q).data(), n_, n_);
          X.noalias() = C.transpose() * BQ;
          Kl.selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
        }
      }
      for (auto& Kl : Kt) K[d] += Kl;
      K[d] = K[d].selfadjointView<Eigen::Lower>();
    }
  }

 private:
  int n_, naux_;
  Eigen::MatrixXd B_;  // n^2 x naux
};

}  // namespace

std::unique_ptr<JKBuilder> make_df_jk(const BasisSet& basis, const BasisSet& auxiliary) {
  return std::make_unique<DensityFittedJK>(basis, auxiliary);
}

}  // namespace hamlet::integrals
