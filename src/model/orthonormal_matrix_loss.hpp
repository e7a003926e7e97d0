#pragma once
// The predicted Fock matrix's error in an orthonormal basis, differentiable in the network's
// outputs: the term `hamlet train` adds to the per-element matrix loss
// (optim.orthonormal_weight).
//
// The per-element loss weighs every AO element alike, but near-linear dependencies amplify a
// matrix error into the orbitals by ~1/s (s: overlap eigenvalue of the direction). In the
// canonical orthonormal basis V of orbital_energy_loss.hpp the error E = V^T (F - F_ref) V is
// what the orbitals see: sum_i (e_i - e_i,ref)^2 <= |E|_F^2 over all orbital energies
// (Hoffman-Wielandt), and the orbitals' rotations are bounded by |E| / gap. With the overlap
// filter's F = H + mu S + P (F_net - H - mu S) P the network sets the kept-kept block,
// G^T (F_net - H) G, alone; the kept-dropped couplings are the filter's, and the dropped
// directions' diagonal, mu, is one number tied to the kept block's diagonal
// (overlap_filter_shift): a term on it pulled the kept diagonal towards the dropped directions'
// mean and made the occupied orbital energies ~2x worse on QM9 (model/README.md). So the term of
// a molecule is the kept block's mean square
//   |G^T (F_net - Delta) G|_F^2 / kept^2,   Delta = F_ref - H,
// in units of the same mean for F_net = 0 (H_SAP alone) over the training set: 1 means "no
// better than H_SAP".
#include <ATen/core/Tensor.h>

#include <vector>

#include "data/dataset.hpp"
#include "model/model_config.hpp"

namespace hamlet::model {

struct OrthonormalMatrixTarget {
  at::Tensor projection;        // [nbf, kept] G = U_kept s_kept^{-1/2}
  at::Tensor reference;         // [kept, kept] G^T Delta G
  double baseline_squares = 0;  // the sum of squares for F_net = 0
  double elements = 0;          // kept^2
};

// From a dataset entry with a restricted F (and H_SAP for delta targets). Throws hamlet::Error
// naming the entry when they are missing.
OrthonormalMatrixTarget make_orthonormal_matrix_target(const data::Entry& entry, const ModelConfig& config);

// The sum of squares of the molecule's kept block error (the numerator above) for the network's
// matrix (F_net - H_SAP for delta targets, F_net for full ones), float64.
at::Tensor orthonormal_matrix_squares(const OrthonormalMatrixTarget& target, const at::Tensor& network_matrix);

// H_SAP's mean square over all targets' elements: the term's unit.
double baseline_mean_square(const std::vector<const OrthonormalMatrixTarget*>& targets);

}  // namespace hamlet::model
