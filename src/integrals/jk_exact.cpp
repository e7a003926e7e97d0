#include <omp.h>

#include <cmath>

#include "core/error.hpp"
#include "integrals/jk.hpp"
#include "integrals/libint_bridge.hpp"

namespace hamlet::integrals {
namespace {

using RowMajorMap =
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

class ExactJK final : public JKBuilder {
 public:
  ExactJK(const BasisSet& basis, ExactJKOptions options)
      : basis_(basis), shells_(detail::to_libint_shells(basis)), options_(options) {
    engine_ = libint2::Engine(libint2::Operator::coulomb, detail::max_nprim(shells_), basis.max_l, 0);
    engine_.set_precision(std::min(1e-15, options_.schwarz_threshold * 1e-3));
    compute_schwarz();
  }
  const char* name() const override { return "exact"; }

  void compute(const std::vector<FactoredDensity>& densities, bool want_k,
               std::vector<Eigen::MatrixXd>& J, std::vector<Eigen::MatrixXd>& K) override {
    const int nd = static_cast<int>(densities.size());
    const int n = basis_.nbf;
    const int nsh = static_cast<int>(shells_.size());
    // Largest |D| per shell pair, for density-weighted screening.
    Eigen::MatrixXd dmax = Eigen::MatrixXd::Zero(nsh, nsh);
    for (int a = 0; a < nsh; ++a)
      for (int b = 0; b < nsh; ++b)
        for (const auto& d : densities)
          dmax(a, b) = std::max(dmax(a, b), d.density.block(basis_.shell_offset[a], basis_.shell_offset[b],
                                                            shells_[a].size(), shells_[b].size())
                                                .cwiseAbs()
                                                .maxCoeff());
    const int nthreads = omp_get_max_threads();
    std::vector<std::vector<Eigen::MatrixXd>> Jt(nthreads), Kt(nthreads);
    std::vector<libint2::Engine> engines(nthreads, engine_);
    const double thr = options_.schwarz_threshold;
#pragma omp parallel
    {
      const int t = omp_get_thread_num();
      Jt[t].assign(nd, Eigen::MatrixXd::Zero(n, n));
      if (want_k) Kt[t].assign(nd, Eigen::MatrixXd::Zero(n, n));
      auto& engine = engines[t];
      const auto& buf = engine.results();
#pragma omp for schedule(static, 1)  // fixed batch-to-thread map: reproducible sums
      for (size_t p12 = 0; p12 < pairs_.size(); ++p12) {
        const int s1 = pairs_[p12].first, s2 = pairs_[p12].second;
        const int n1 = shells_[s1].size(), n2 = shells_[s2].size();
        const int o1 = basis_.shell_offset[s1], o2 = basis_.shell_offset[s2];
        for (int s3 = 0; s3 <= s1; ++s3) {
          const int s4max = (s3 == s1) ? s2 : s3;
          const int n3 = shells_[s3].size(), o3 = basis_.shell_offset[s3];
          for (int s4 = 0; s4 <= s4max; ++s4) {
            const double q = schwarz_(s1, s2) * schwarz_(s3, s4);
            if (q < thr) continue;
            double dm = std::max({dmax(s1, s2), dmax(s3, s4)});
            if (want_k)
              dm = std::max({dm, dmax(s1, s3), dmax(s1, s4), dmax(s2, s3), dmax(s2, s4)});
            if (q * dm < thr) continue;
            engine.compute2<libint2::Operator::coulomb, libint2::BraKet::xx_xx, 0>(
                shells_[s1], shells_[s2], shells_[s3], shells_[s4]);
            const double* v = buf[0];
            if (v == nullptr) continue;
            const int n4 = shells_[s4].size(), o4 = basis_.shell_offset[s4];
            // Degeneracy of this unique quartet among the 8 permutations.
            const double deg = (s1 == s2 ? 1.0 : 2.0) * (s3 == s4 ? 1.0 : 2.0) *
                               (s1 == s3 ? (s2 == s4 ? 1.0 : 2.0) : 2.0);
            for (int d = 0; d < nd; ++d) {
              const auto& D = densities[d].density;
              auto& Jd = Jt[t][d];
              for (int f1 = 0, f1234 = 0; f1 < n1; ++f1) {
                const int b1 = o1 + f1;
                for (int f2 = 0; f2 < n2; ++f2) {
                  const int b2 = o2 + f2;
                  for (int f3 = 0; f3 < n3; ++f3) {
                    const int b3 = o3 + f3;
                    for (int f4 = 0; f4 < n4; ++f4, ++f1234) {
                      const int b4 = o4 + f4;
                      const double x = v[f1234] * deg;
                      Jd(b1, b2) += D(b3, b4) * x;
                      Jd(b3, b4) += D(b1, b2) * x;
                      if (want_k) {
                        auto& Kd = Kt[t][d];
                        Kd(b1, b3) += D(b2, b4) * x;
                        Kd(b2, b4) += D(b1, b3) * x;
                        Kd(b1, b4) += D(b2, b3) * x;
                        Kd(b2, b3) += D(b1, b4) * x;
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    J.assign(nd, Eigen::MatrixXd::Zero(n, n));
    K.assign(want_k ? nd : 0, Eigen::MatrixXd::Zero(n, n));
    for (int d = 0; d < nd; ++d) {
      for (int t = 0; t < nthreads; ++t) {
        J[d] += Jt[t][d];
        if (want_k) K[d] += Kt[t][d];
      }
      // Symmetrise and remove the factors introduced by the degeneracy weights.
      J[d] = 0.25 * (J[d] + J[d].transpose()).eval();
      if (want_k) K[d] = 0.125 * (K[d] + K[d].transpose()).eval();
    }
  }

 private:
  void compute_schwarz() {
    const int nsh = static_cast<int>(shells_.size());
    schwarz_ = Eigen::MatrixXd::Zero(nsh, nsh);
    auto engine = engine_;
    engine.set_precision(0.0);
    const auto& buf = engine.results();
    for (int a = 0; a < nsh; ++a)
      for (int b = 0; b <= a; ++b) {
        engine.compute2<libint2::Operator::coulomb, libint2::BraKet::xx_xx, 0>(
            shells_[a], shells_[b], shells_[a], shells_[b]);
        double m = 0;
        if (buf[0]) {
          const int na = shells_[a].size(), nb = shells_[b].size();
          for (int i = 0; i < na * nb; ++i) m = std::max(m, std::abs(buf[0][i * na * nb + i]));
        }
        schwarz_(a, b) = schwarz_(b, a) = std::sqrt(m);
      }
    const double qmax = schwarz_.maxCoeff();
    for (int a = 0; a < nsh; ++a)
      for (int b = 0; b <= a; ++b)
        if (schwarz_(a, b) * qmax >= options_.schwarz_threshold) pairs_.push_back({a, b});
  }

  const BasisSet& basis_;
  std::vector<libint2::Shell> shells_;
  ExactJKOptions options_;
  libint2::Engine engine_;
  Eigen::MatrixXd schwarz_;
  std::vector<std::pair<int, int>> pairs_;
};

}  // namespace

std::unique_ptr<JKBuilder> make_exact_jk(const BasisSet& basis, ExactJKOptions options) {
  return std::make_unique<ExactJK>(basis, options);
}

Eigen::MatrixXd eri_tensor_reference(const BasisSet& basis) {
  auto shells = detail::to_libint_shells(basis);
  const int n = basis.nbf;
  Eigen::MatrixXd eri(n * n, n * n);
  libint2::Engine engine(libint2::Operator::coulomb, detail::max_nprim(shells), basis.max_l, 0);
  engine.set_precision(0.0);
  const auto& buf = engine.results();
  const int nsh = static_cast<int>(shells.size());
  for (int a = 0; a < nsh; ++a)
    for (int b = 0; b < nsh; ++b)
      for (int c = 0; c < nsh; ++c)
        for (int d = 0; d < nsh; ++d) {
          engine.compute(shells[a], shells[b], shells[c], shells[d]);
          int idx = 0;
          for (int i = 0; i < (int)shells[a].size(); ++i)
            for (int j = 0; j < (int)shells[b].size(); ++j)
              for (int k = 0; k < (int)shells[c].size(); ++k)
                for (int l = 0; l < (int)shells[d].size(); ++l, ++idx) {
                  const int p = basis.shell_offset[a] + i, q = basis.shell_offset[b] + j;
                  const int r = basis.shell_offset[c] + k, s = basis.shell_offset[d] + l;
                  eri(p * n + q, r * n + s) = buf[0] ? buf[0][idx] : 0.0;
                }
        }
  return eri;
}

}  // namespace hamlet::integrals
