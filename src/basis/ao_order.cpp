#include "basis/ao_order.hpp"

namespace hamlet {
namespace {
// Position (0-based, hamlet order m=-l..l) of the m-th function of `order` within a shell.
std::vector<int> shell_order(int l, AoOrder order) {
  std::vector<int> idx;
  auto pos = [l](int m) { return m + l; };
  switch (order) {
    case AoOrder::hamlet:
      for (int m = -l; m <= l; ++m) idx.push_back(pos(m));
      break;
    case AoOrder::pyscf:
      if (l == 1)
        idx = {pos(1), pos(-1), pos(0)};
      else
        for (int m = -l; m <= l; ++m) idx.push_back(pos(m));
      break;
    case AoOrder::molden:
      if (l == 1) return {pos(1), pos(-1), pos(0)};
      [[fallthrough]];
    case AoOrder::psi4:
      idx.push_back(pos(0));
      for (int m = 1; m <= l; ++m) {
        idx.push_back(pos(m));
        idx.push_back(pos(-m));
      }
      break;
  }
  return idx;
}
}  // namespace

std::vector<int> ao_permutation(const BasisSet& basis, AoOrder order) {
  std::vector<int> perm;
  perm.reserve(basis.nbf);
  for (size_t s = 0; s < basis.shells.size(); ++s)
    for (int k : shell_order(basis.shells[s].l, order)) perm.push_back(basis.shell_offset[s] + k);
  return perm;
}

Eigen::MatrixXd to_ao_order(const Eigen::MatrixXd& m, const BasisSet& basis, AoOrder order) {
  auto p = ao_permutation(basis, order);
  Eigen::MatrixXd out(m.rows(), m.cols());
  for (int i = 0; i < basis.nbf; ++i)
    for (int j = 0; j < basis.nbf; ++j) out(i, j) = m(p[i], p[j]);
  return out;
}

Eigen::MatrixXd from_ao_order(const Eigen::MatrixXd& m, const BasisSet& basis, AoOrder order) {
  auto p = ao_permutation(basis, order);
  Eigen::MatrixXd out(m.rows(), m.cols());
  for (int i = 0; i < basis.nbf; ++i)
    for (int j = 0; j < basis.nbf; ++j) out(p[i], p[j]) = m(i, j);
  return out;
}

Eigen::MatrixXd rows_to_ao_order(const Eigen::MatrixXd& c, const BasisSet& basis, AoOrder order) {
  auto p = ao_permutation(basis, order);
  Eigen::MatrixXd out(c.rows(), c.cols());
  for (int i = 0; i < basis.nbf; ++i) out.row(i) = c.row(p[i]);
  return out;
}

}  // namespace hamlet
