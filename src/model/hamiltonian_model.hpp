#pragma once
// The SAP-informed equivariant Hamiltonian model: message passing over the atom graph, then an
// on-site head per atom and an off-site head per directed atom pair, both producing coupled
// irreps in the basis' union layouts (graph.hpp) that the block algebra turns into AO blocks.
//
// Inputs: elements, positions and (model type "sap") the H_SAP and S blocks as irreps. Target:
// F, or F - H_SAP ("delta"). Off-site outputs are symmetrised, F_ij = (B_ij + B_ji^T) / 2, so
// the predicted matrix is exactly symmetric and atom permutations permute its blocks.
// Per-group (element, element pair) normalisation of inputs and targets is fitted on the
// training set and stored in buffers, so a checkpoint carries it. Elements or element pairs
// absent from the training set get a zero output scale: a delta model then falls back to H_SAP
// for those blocks instead of extrapolating (a full model predicts zero blocks).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "equivariant/layers.hpp"
#include "equivariant/tensor_product.hpp"
#include "model/graph.hpp"
#include "model/model_config.hpp"

namespace hamlet::model {


// Union-space predictions in target units (Hartree): F or F - H_SAP per `config.target`.
struct ModelOutput {
  at::Tensor onsite;   // [N, U_on]
  at::Tensor offsite;  // [E, U_off], symmetrised
};

class HamiltonianModelImpl : public torch::nn::Module {
 public:
  HamiltonianModelImpl(ModelConfig config, ModelBasis basis);

  // Input/target statistics per element and element pair from training graphs (with targets).
  // per_pair_loss: each element pair's errors are divided by its target RMS in the loss
  // (otherwise errors count in Hartree, so the large elements dominate).
  void fit_normalization(const std::vector<const MoleculeGraph*>& graphs, bool per_pair_loss = true);
  ModelOutput forward(const GraphBatch& batch);

  // The training loss: squared ("mse") or absolute ("mae") errors over every element of the
  // predicted blocks (coupled components weighted as the block elements they carry), each
  // divided by its element pair's target RMS when fitted so; "mse+mae" adds both.
  at::Tensor loss(const ModelOutput& out, const GraphBatch& batch, const std::string& kind) const;
  // What `loss` divides by: the batch's multiplicity-weighted count of block elements. It adds
  // over molecules, so the loss of a batch split in parts is sum_k loss_k count_k / count.
  double loss_denominator(const GraphBatch& batch) const;
  // Target of a batch in union space (F or F - H_SAP), float64.
  at::Tensor onsite_target(const GraphBatch& batch) const;
  at::Tensor offsite_target(const GraphBatch& batch) const;

  const ModelConfig& config() const { return config_; }
  // A post-processing setting (not a weight): evaluation may try another value.
  void set_overlap_filter(double tau) { config_.overlap_filter = tau; }
  const ModelBasis& basis() const { return basis_; }
  at::ScalarType dtype() const;

 private:
  at::Tensor group_rows(const at::Tensor& table, const at::Tensor& group) const;
  at::Tensor symmetrize(const at::Tensor& offsite, const at::Tensor& group, const at::Tensor& reverse) const;

  ModelConfig config_;
  ModelBasis basis_;
  equivariant::Irreps hidden_, pair_, sh_, onsite_union_, offsite_union_;

  // Normalisation buffers: [n_elements or n_elements^2, U] (shift only on 0e components).
  at::Tensor in_on_shift_, in_on_scale_, in_sap_shift_, in_sap_scale_, in_s_shift_, in_s_scale_;
  at::Tensor t_on_shift_, t_on_scale_, t_off_shift_, t_off_scale_;
  at::Tensor on_weight_, off_weight_;  // loss weight per component: multiplicity / sigma_group^2
  at::Tensor avg_neighbors_;           // scalar

  equivariant::Linear embed_element_{nullptr}, embed_onsite_{nullptr}, embed_edge_{nullptr};
  equivariant::BesselBasis radial_{nullptr};
  std::vector<equivariant::RadialMLP> message_weights_;
  std::vector<equivariant::TensorProduct> message_tp_;
  std::vector<equivariant::Linear> message_linear_, self_linear_;
  std::vector<equivariant::Gate> message_gate_;

  equivariant::Linear on_in_{nullptr}, on_out_{nullptr}, on_pair_a_{nullptr}, on_pair_b_{nullptr}, on_pair_out_{nullptr};
  equivariant::Gate on_gate_{nullptr};
  equivariant::TensorProduct on_pair_tp_{nullptr};

  equivariant::Linear off_i_{nullptr}, off_j_{nullptr}, off_edge_in_{nullptr}, off_out_{nullptr};
  equivariant::Linear off_pair_a_{nullptr}, off_pair_b_{nullptr}, off_pair_out_{nullptr};
  equivariant::RadialMLP off_weights_{nullptr};
  equivariant::TensorProduct off_edge_tp_{nullptr}, off_pair_tp_{nullptr};
  equivariant::Gate off_gate_{nullptr};
};
TORCH_MODULE(HamiltonianModel);

// The overlap filter's shift mu of the dropped directions: the s-weighted mean Rayleigh quotient
// of the network's correction on the kept overlap eigenvectors U (eigenvalues s), sum_i C_ii /
// sum_i s_i with C = U^T (F_net - H_SAP) U. Rotation- and permutation-invariant.
inline double overlap_filter_shift(const Eigen::MatrixXd& kept_correction, const Eigen::VectorXd& kept_overlap) {
  return kept_overlap.size() > 0 ? kept_correction.trace() / kept_overlap.sum() : 0.0;
}

// The overlap filter (ModelConfig::overlap_filter = tau > 0) applied to a Fock matrix F of a
// delta model's molecule: H_SAP + mu S + P (F - H_SAP - mu S) P (model/README.md). F itself when
// tau <= 0 or no overlap eigenvalue is below tau.
Eigen::MatrixXd overlap_filtered(const Eigen::MatrixXd& F, const Eigen::MatrixXd& H_sap, const Eigen::MatrixXd& S,
                                 double tau);

// The predicted F of one molecule from its rows of a model output (on-site [n, U_on], off-site
// [E, U_off]): H_SAP plus the predicted difference for "delta" models (H_SAP alone for pairs
// beyond the cutoff), the prediction itself (zero beyond the cutoff) for "full" models; then
// the overlap filter (ModelConfig::overlap_filter) with the molecule's overlap matrix S.
Eigen::MatrixXd predicted_fock(const HamiltonianModelImpl& model, const MoleculeGraph& graph,
                               const at::Tensor& onsite, const at::Tensor& offsite, const Eigen::MatrixXd& H_sap,
                               const Eigen::MatrixXd& S);

}  // namespace hamlet::model
