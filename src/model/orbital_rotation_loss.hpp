#pragma once
// The occupied-virtual rotation a predicted Fock matrix makes from the reference orbitals,
// differentiable in the network's outputs: the density term `hamlet train` adds to the matrix
// loss (optim.rotation_weight), aimed at the SCF guess.
//
// The density a guess F gives differs from the reference density, to first order, by the
// rotation kappa_ia = <i|F|a> / (e_a - e_i) of each occupied reference orbital i into each
// virtual a (the reference F has <i|F_ref|a> = 0). The matrix loss weighs every element of F
// alike; most of them (occupied-occupied, virtual-virtual, high virtuals) do not move the
// density, and the SCF's iterations from a guess follow its density error.
//
// With F = H + mu S + P (F_net - H - mu S) P as in orbital_energy_loss.hpp and c the reference
// orbitals in the orthonormal basis V (eigenvectors of V^T F_ref V):
//   kappa = (c_o^T V^T H V c_v + A_o^T (F_net - H) A_v + mu c_o,dropped^T c_v,dropped) o W,
//   A = G c_kept,  W_ia = 1/(e_a - e_i),
// linear in the network's matrix (mu is).
#include <ATen/core/Tensor.h>

#include <vector>

#include "data/dataset.hpp"
#include "model/model_config.hpp"

namespace hamlet::model {

struct OrbitalRotationTarget {
  at::Tensor constant;  // [nocc, nvirt] the baseline's rotation (H_SAP's for delta targets, 0 for full)
  at::Tensor occupied;  // [nbf, nocc] A_o
  at::Tensor virtuals;  // [nbf, nvirt] A_v
  at::Tensor weight;    // [nocc, nvirt] W
  // The overlap filter's shift mu (orbital_energy_loss.hpp) adds mu * shift_rotation, with mu =
  // sum of (F_net - H) * shift_weights; both undefined when no direction is dropped.
  at::Tensor shift_weights;   // [nbf, nbf]
  at::Tensor shift_rotation;  // [nocc, nvirt]
  double sap_squares = 0;  // sum of H_SAP's squared rotations (the loss's unit), when the entry has H_SAP
};

// From a closed-shell dataset entry (S, F, and H_SAP for delta targets). Throws hamlet::Error
// naming the entry for open shells, missing matrices or a zero HOMO-LUMO gap.
OrbitalRotationTarget make_orbital_rotation_target(const data::Entry& entry, const ModelConfig& config);

// kappa [nocc, nvirt] of the network's matrix of the molecule (F_net - H_SAP for delta targets,
// F_net for full ones).
at::Tensor predicted_rotations(const OrbitalRotationTarget& target, const at::Tensor& network_matrix);

// Mean of H_SAP's squared rotations over all targets' occupied-virtual pairs: the loss's unit,
// so that 1 means "no better than the H_SAP guess". Throws when some target has no H_SAP.
double sap_mean_squared_rotation(const std::vector<const OrbitalRotationTarget*>& targets);

}  // namespace hamlet::model
