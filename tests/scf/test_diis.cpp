// Pulay DIIS on constructed inputs: exact extrapolation when the error vectors can cancel, and
// updating stored entries (the corrected start grid's change of correction) equals storing the
// updated entries in the first place.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "scf/diis.hpp"

using hamlet::scf::Diis;

namespace {
Eigen::MatrixXd random_matrix(int n, unsigned seed) {
  std::srand(seed);
  return Eigen::MatrixXd::Random(n, n);
}
}  // namespace

TEST(Diis, ErrorsThatCancelGiveTheFixedPoint) {
  // F_i = F* + E_i with error E_i: E_1 = A, E_2 = -A cancel at c = (1/2, 1/2), so the
  // extrapolation is F* itself.
  const Eigen::MatrixXd F_star = random_matrix(6, 1), A = random_matrix(6, 2);
  Diis diis(8);
  diis.extrapolate({F_star + A}, {A});
  const auto F = diis.extrapolate({F_star - A}, {-A});
  EXPECT_LT((F[0] - F_star).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Diis, UpdatedEntriesEqualEntriesStoredUpdated) {
  const int n = 5;
  std::vector<Eigen::MatrixXd> F, E, D;
  for (unsigned k = 0; k < 4; ++k) {
    F.push_back(random_matrix(n, 10 + k));
    E.push_back(1e-2 * random_matrix(n, 20 + k));
    D.push_back(random_matrix(n, 30 + k));
  }
  const Eigen::MatrixXd dF = 1e-3 * random_matrix(n, 40);
  const auto error_change = [&](const Eigen::MatrixXd& density) { return Eigen::MatrixXd(dF * density - density * dF); };

  Diis updated(8), stored(8);
  for (int k = 0; k < 3; ++k) updated.extrapolate({F[k]}, {E[k]}, {D[k]});
  updated.update(1, [&](std::vector<Eigen::MatrixXd>& f, std::vector<Eigen::MatrixXd>& e,
                        const std::vector<Eigen::MatrixXd>& d) {
    f[0] += dF;
    e[0] += error_change(d[0]);
  });
  for (int k = 0; k < 3; ++k) {
    const bool old = k < 2;  // the newest entry is kept as it was
    stored.extrapolate({old ? Eigen::MatrixXd(F[k] + dF) : F[k]}, {old ? Eigen::MatrixXd(E[k] + error_change(D[k])) : E[k]},
                       {D[k]});
  }
  const auto a = updated.extrapolate({F[3]}, {E[3]}, {D[3]});
  const auto b = stored.extrapolate({F[3]}, {E[3]}, {D[3]});
  EXPECT_LT((a[0] - b[0]).cwiseAbs().maxCoeff(), 1e-13);
  // And the update mattered: without it the extrapolation differs.
  Diis plain(8);
  for (int k = 0; k < 3; ++k) plain.extrapolate({F[k]}, {E[k]}, {D[k]});
  const auto c = plain.extrapolate({F[3]}, {E[3]}, {D[3]});
  EXPECT_GT((a[0] - c[0]).cwiseAbs().maxCoeff(), 1e-6);
}
