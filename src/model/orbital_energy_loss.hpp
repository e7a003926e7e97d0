#pragma once
// Orbital energies of predicted Fock matrices, differentiable in the network's outputs: the
// orbital-energy term `hamlet train` adds to the matrix loss (optim.eigenvalue_weight).
//
// predicted_fock gives F = H + mu S + P (F_net - H - mu S) P, with H = H_SAP for delta targets
// (0 for full ones), P the projector on the overlap eigenvectors with s >= overlap_filter and mu
// the shift of the dropped directions (overlap_filter_shift), linear in F_net - H:
// mu = <F_net - H, P> / sum s_kept. With the canonical orthogonaliser V = U s^{-1/2} (all overlap
// eigenvectors, the kept ones first) the orbital energies are the eigenvalues of
//   V^T F V = V^T H V + [G^T (F_net - H) G, 0; 0, mu 1],   G = U_kept s_kept^{-1/2},
// where only the network's part changes during training: the rest is fixed per molecule.
// Eigenvalues alone have a well-conditioned derivative (c_i c_i^T), also for degenerate ones.
#include <ATen/core/Tensor.h>

#include <vector>

#include "data/dataset.hpp"
#include "model/graph.hpp"
#include "model/model_config.hpp"

namespace hamlet::model {

// V = [G, the dropped directions]: V^T S V = 1, the directions with overlap eigenvalue >=
// overlap_filter (delta targets; all for full ones) first; baseline = V^T H V.
struct FilteredOrthonormalBasis {
  Eigen::MatrixXd V, baseline;
  Eigen::VectorXd kept_overlap;  // overlap eigenvalues of the kept directions
  int kept = 0;
  // [nbf, nbf] P / sum s_kept: mu = sum of (F_net - H) * shift_weights (elementwise).
  Eigen::MatrixXd shift_weights() const;
};
FilteredOrthonormalBasis filtered_orthonormal_basis(const data::Entry& entry, const ModelConfig& config);
at::Tensor to_double_tensor(const Eigen::MatrixXd& M);

// The fixed parts for one molecule (float64).
struct OrbitalEnergyTarget {
  at::Tensor baseline;           // [nbf, nbf] V^T H V
  at::Tensor projection;         // [nbf, m] G
  at::Tensor reference;          // [k] reference orbital energies: the occupied and `virtuals` more
  at::Tensor baseline_energies;  // [k] the same orbitals of H alone (H_SAP's, or 0 for full targets)
  at::Tensor shift_weights;      // [nbf, nbf] FilteredOrthonormalBasis::shift_weights; undefined if none dropped
  at::Tensor dropped;            // [nbf] 1 on the dropped directions of V, else 0
  int occupied = 0;
};

// From a closed-shell dataset entry (S, H_SAP, orbital energies). Throws hamlet::Error when the
// entry lacks what is needed (H_SAP for delta targets, orbital energies).
OrbitalEnergyTarget make_orbital_energy_target(const data::Entry& entry, const ModelConfig& config, int virtuals);

// Mean squared error of the baseline energies over all targets' orbitals: the loss's unit, so
// that a loss of 1 means "no better than H_SAP" (as the per-pair matrix loss).
double baseline_mean_squared_error(const std::vector<const OrbitalEnergyTarget*>& targets);

// Union-space outputs back to AO blocks as one matrix product per element (pair) group.
class BlockUnpacking {
 public:
  explicit BlockUnpacking(const ModelBasis& basis);
  // The network's matrix of every molecule of a batch ([nbf_k, nbf_k], float64, differentiable):
  // on-site [N, U_on] and off-site [E, U_off] rows of the batch of `graphs`; zero for pairs
  // beyond the cutoff.
  std::vector<at::Tensor> matrices(const std::vector<const MoleculeGraph*>& graphs, const at::Tensor& onsite,
                                   const at::Tensor& offsite) const;

 private:
  const ModelBasis* basis_;
  std::vector<at::Tensor> onsite_;   // per element: [U_on, nao * nao]
  std::vector<at::Tensor> offsite_;  // per ordered pair group: [U_off, nao_a * nao_b]
};

// Predicted orbital energies [k] from the network's matrix of the molecule (F_net - H_SAP for
// delta targets, F_net for full ones).
at::Tensor predicted_orbital_energies(const OrbitalEnergyTarget& target, const at::Tensor& network_matrix);

}  // namespace hamlet::model
