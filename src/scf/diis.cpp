#include "scf/diis.hpp"

#include <Eigen/Dense>

namespace hamlet::scf {

std::vector<Eigen::MatrixXd> Diis::extrapolate(const std::vector<Eigen::MatrixXd>& fock,
                                               const std::vector<Eigen::MatrixXd>& error,
                                               const std::vector<Eigen::MatrixXd>& density) {
  focks_.push_back(fock);
  errors_.push_back(error);
  densities_.push_back(density);
  if (static_cast<int>(focks_.size()) > max_vectors_) {
    focks_.pop_front();
    errors_.pop_front();
    densities_.pop_front();
  }
  const int n = size();
  coefficients_ = Eigen::VectorXd::Ones(1);
  if (n == 1) return fock;
  Eigen::MatrixXd B(n + 1, n + 1);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      double v = 0;
      for (size_t s = 0; s < fock.size(); ++s) v += errors_[i][s].cwiseProduct(errors_[j][s]).sum();
      B(i, j) = B(j, i) = v;
    }
  // Scale for conditioning; the constraint row is unaffected in the solution.
  const double scale = B.topLeftCorner(n, n).diagonal().maxCoeff();
  if (scale > 0) B.topLeftCorner(n, n) /= scale;
  B.row(n).setConstant(-1.0);
  B.col(n).setConstant(-1.0);
  B(n, n) = 0.0;
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n + 1);
  rhs(n) = -1.0;
  Eigen::VectorXd c = B.colPivHouseholderQr().solve(rhs);
  if (!c.allFinite()) {  // singular subspace: restart from the newest vector
    auto f = focks_.back();
    auto e = errors_.back();
    auto d = densities_.back();
    reset();
    coefficients_ = Eigen::VectorXd::Ones(1);
    focks_.push_back(f);
    errors_.push_back(e);
    densities_.push_back(d);
    return f;
  }
  coefficients_ = c.head(n);
  std::vector<Eigen::MatrixXd> out(fock.size());
  for (size_t s = 0; s < fock.size(); ++s) {
    out[s] = Eigen::MatrixXd::Zero(fock[s].rows(), fock[s].cols());
    for (int i = 0; i < n; ++i) out[s] += c(i) * focks_[i][s];
  }
  return out;
}

std::vector<Eigen::MatrixXd> Diis::extrapolated_density() const {
  const int n = static_cast<int>(coefficients_.size());
  const int first = size() - n;
  std::vector<Eigen::MatrixXd> out(densities_.back().size());
  for (size_t s = 0; s < out.size(); ++s) {
    out[s] = Eigen::MatrixXd::Zero(densities_.back()[s].rows(), densities_.back()[s].cols());
    for (int i = 0; i < n; ++i) out[s] += coefficients_(i) * densities_[first + i][s];
  }
  return out;
}

void Diis::update(int keep_newest, const EntryUpdate& update) {
  for (int i = 0; i + keep_newest < size(); ++i) update(focks_[i], errors_[i], densities_[i]);
}

}  // namespace hamlet::scf
