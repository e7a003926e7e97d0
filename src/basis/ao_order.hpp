#pragma once
// Converters between hamlet's AO order (m = -l..l per shell, see ARCHITECTURE.md) and the
// orders of PySCF and Psi4. Both use the same real solid harmonics as libint2 (same signs),
// only the order within a shell differs:
//   PySCF: p shells (x, y, z) = m (+1, -1, 0); l >= 2: m = -l..l (as hamlet).
//   Psi4:  m = 0, +1, -1, +2, -2, ...  (p shells: z, x, y).
//   Molden: p shells (x, y, z); l >= 2: m = 0, +1, -1, +2, -2, ...
#include <Eigen/Core>
#include <vector>

#include "basis/basis_set.hpp"

namespace hamlet {

enum class AoOrder { hamlet, pyscf, psi4, molden };

// perm[i] = hamlet index of the AO at position i in `order`.
std::vector<int> ao_permutation(const BasisSet& basis, AoOrder order);
// Matrix in hamlet order -> matrix in `order` (rows and columns), and back.
Eigen::MatrixXd to_ao_order(const Eigen::MatrixXd& m, const BasisSet& basis, AoOrder order);
Eigen::MatrixXd from_ao_order(const Eigen::MatrixXd& m, const BasisSet& basis, AoOrder order);
// MO coefficients (AO rows only) -> `order`.
Eigen::MatrixXd rows_to_ao_order(const Eigen::MatrixXd& c, const BasisSet& basis, AoOrder order);

}  // namespace hamlet
