#include "model/orbital_rotation_loss.hpp"

#include <ATen/ATen.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "model/orbital_energy_loss.hpp"

namespace hamlet::model {

OrbitalRotationTarget make_orbital_rotation_target(const data::Entry& e, const ModelConfig& config) {
  const std::string where = "entry " + std::to_string(e.index) + " (" + e.source + ")";
  if (e.fock.size() != 1 || e.fock[0].rows() != e.nbf || e.nalpha != e.nbeta)
    throw Error(where + ": the rotation loss needs a closed-shell (restricted) Fock matrix");
  if (config.delta() && e.H_sap.rows() != e.nbf) throw Error(where + ": no H_SAP for the rotation loss");
  const int nocc = e.nalpha, nvirt = e.nbf - nocc;
  if (nocc == 0 || nvirt == 0) throw Error(where + ": the rotation loss needs occupied and virtual orbitals");
  const FilteredOrthonormalBasis ob = filtered_orthonormal_basis(e, config);
  const Eigen::MatrixXd& V = ob.V;
  Eigen::MatrixXd Fo = V.transpose() * e.fock[0] * V;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (Fo + Fo.transpose()));
  const Eigen::VectorXd& eps = es.eigenvalues();
  const double gap = eps(nocc) - eps(nocc - 1);
  if (!(gap > 1e-6)) throw Error(where + ": the reference HOMO-LUMO gap is " + std::to_string(gap) + " Eh; the rotation loss needs a gap");
  const Eigen::MatrixXd c_o = es.eigenvectors().leftCols(nocc), c_v = es.eigenvectors().rightCols(nvirt);
  Eigen::MatrixXd W(nocc, nvirt);
  for (int a = 0; a < nvirt; ++a)
    for (int i = 0; i < nocc; ++i) W(i, a) = 1.0 / (eps(nocc + a) - eps(i));
  const Eigen::MatrixXd G = V.leftCols(ob.kept);
  OrbitalRotationTarget t;
  t.constant = to_double_tensor(Eigen::MatrixXd((c_o.transpose() * ob.baseline * c_v).cwiseProduct(W)));
  t.occupied = to_double_tensor(Eigen::MatrixXd(G * c_o.topRows(ob.kept)));
  t.virtuals = to_double_tensor(Eigen::MatrixXd(G * c_v.topRows(ob.kept)));
  t.weight = to_double_tensor(W);
  if (ob.kept > 0 && ob.kept < e.nbf) {
    const int dropped = e.nbf - ob.kept;
    t.shift_weights = to_double_tensor(ob.shift_weights());
    t.shift_rotation = to_double_tensor(
        Eigen::MatrixXd((c_o.bottomRows(dropped).transpose() * c_v.bottomRows(dropped)).cwiseProduct(W)));
  }
  if (e.H_sap.rows() == e.nbf) {
    const Eigen::MatrixXd H = 0.5 * (e.H_sap + e.H_sap.transpose());
    t.sap_squares = (c_o.transpose() * V.transpose() * H * V * c_v).cwiseProduct(W).squaredNorm();
  } else {
    t.sap_squares = std::nan("");
  }
  return t;
}

at::Tensor predicted_rotations(const OrbitalRotationTarget& t, const at::Tensor& network_matrix) {
  at::Tensor D = network_matrix.to(at::kDouble);
  D = 0.5 * (D + D.transpose(0, 1));
  at::Tensor kappa = t.constant + at::matmul(t.occupied.t(), at::matmul(D, t.virtuals)) * t.weight;
  if (t.shift_weights.defined()) kappa = kappa + (D * t.shift_weights).sum() * t.shift_rotation;
  return kappa;
}

double sap_mean_squared_rotation(const std::vector<const OrbitalRotationTarget*>& targets) {
  double sum = 0, count = 0;
  for (const auto* t : targets) {
    if (std::isnan(t->sap_squares)) throw Error("the rotation loss's unit needs H_SAP in every training entry");
    sum += t->sap_squares;
    count += static_cast<double>(t->weight.numel());
  }
  return count > 0 ? sum / count : 0.0;
}

}  // namespace hamlet::model
