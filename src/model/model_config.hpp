#pragma once
// Architecture settings of the Hamiltonian model (no libtorch: the CLI includes it).
#include <string>

namespace hamlet::model {

struct ModelConfig {
  std::string type = "sap";     // "sap" (H_SAP and S blocks as inputs) or "geometry"
  std::string target = "delta"; // "delta" (F - H_SAP) or "full" (F)
  double cutoff = 10.0;         // Bohr, graph and predicted off-site blocks
  std::string hidden_irreps = "32x0e+16x1o+16x1e+8x2e+8x2o+4x3o+4x3e+4x4e";
  std::string pair_irreps = "16x0e+8x1o+8x1e+4x2e+4x2o+2x3o+2x3e+2x4e";
  int lmax = 4;                 // edge spherical harmonics
  int layers = 3;               // message-passing layers
  int radial_basis = 8;         // Bessel functions
  int radial_hidden = 32;       // radial MLP width
  // Predicted F = H_SAP + mu S + P (F_net - H_SAP - mu S) P, P the projector on the overlap
  // eigenvectors with eigenvalue >= overlap_filter, mu the correction's mean shift there
  // (overlap_filter_shift): near-linear dependencies (small eigenvalues s) amplify matrix errors
  // by ~1/s in the orbital energies. Delta targets only; 0 disables. Chosen on QM9 data (README).
  double overlap_filter = 0.1;
  bool uses_sap() const { return type == "sap"; }
  bool delta() const { return target == "delta"; }
  // Throws hamlet::Error naming the bad value.
  void validate() const;
};

}  // namespace hamlet::model
