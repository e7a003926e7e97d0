#pragma once
// Test helper (libtorch tests only): the AO representation of an O(3) element on a basis.
#include <torch/torch.h>

#include <Eigen/Core>

#include "basis/basis_set.hpp"
#include "equivariant/spherical_harmonics.hpp"

namespace hamlet::test {

// "Rotate by R, then invert if asked": block diagonal over shells, D^l(R) times (-1)^l under
// inversion, so that an AO matrix M of the transformed molecule is D M D^T.
inline Eigen::MatrixXd ao_representation(const BasisSet& basis, const torch::Tensor& R, bool inversion) {
  const auto D = equivariant::wigner_D(basis.max_l, R);
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(basis.nbf, basis.nbf);
  for (size_t s = 0; s < basis.shells.size(); ++s) {
    const int l = basis.shells[s].l, o = basis.shell_offset[s];
    const double parity = (inversion && l % 2 == 1) ? -1.0 : 1.0;
    for (int i = 0; i <= 2 * l; ++i)
      for (int j = 0; j <= 2 * l; ++j) out(o + i, o + j) = parity * D[l][i][j].item<double>();
  }
  return out;
}

}  // namespace hamlet::test
