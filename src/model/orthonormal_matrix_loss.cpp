#include "model/orthonormal_matrix_loss.hpp"

#include <ATen/ATen.h>

#include <string>

#include "core/error.hpp"
#include "model/orbital_energy_loss.hpp"

namespace hamlet::model {

OrthonormalMatrixTarget make_orthonormal_matrix_target(const data::Entry& e, const ModelConfig& config) {
  const std::string where = "entry " + std::to_string(e.index) + " (" + e.source + ")";
  if (e.fock.size() != 1 || e.fock[0].rows() != e.nbf)
    throw Error(where + ": the orthonormal-basis loss needs a restricted Fock matrix");
  if (config.delta() && e.H_sap.rows() != e.nbf) throw Error(where + ": no H_SAP for the orthonormal-basis loss");
  const FilteredOrthonormalBasis ob = filtered_orthonormal_basis(e, config);
  Eigen::MatrixXd delta = 0.5 * (e.fock[0] + e.fock[0].transpose());
  if (config.delta()) delta -= 0.5 * (e.H_sap + e.H_sap.transpose());
  const Eigen::MatrixXd G = ob.V.leftCols(ob.kept);
  const Eigen::MatrixXd kept_block = G.transpose() * delta * G;
  OrthonormalMatrixTarget t;
  t.projection = to_double_tensor(G);
  t.reference = to_double_tensor(kept_block);
  t.baseline_squares = kept_block.squaredNorm();
  t.elements = static_cast<double>(ob.kept) * ob.kept;
  return t;
}

at::Tensor orthonormal_matrix_squares(const OrthonormalMatrixTarget& t, const at::Tensor& network_matrix) {
  at::Tensor N = network_matrix.to(at::kDouble);
  N = 0.5 * (N + N.transpose(0, 1));
  const at::Tensor kept = at::matmul(t.projection.t(), at::matmul(N, t.projection));
  return (kept - t.reference).pow(2).sum();
}

double baseline_mean_square(const std::vector<const OrthonormalMatrixTarget*>& targets) {
  double sum = 0, count = 0;
  for (const auto* t : targets) {
    sum += t->baseline_squares;
    count += t->elements;
  }
  return count > 0 ? sum / count : 0.0;
}

}  // namespace hamlet::model
