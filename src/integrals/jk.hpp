#pragma once
// Coulomb (J) and exchange (K) matrices from densities: the two-electron part of every Fock
// build. J[D]_mn = sum_ls (mn|ls) D_ls, K[D]_mn = sum_ls (ml|ns) D_ls.
// Two builders share this interface: exact 4-index integrals (integral-direct, Schwarz screened)
// and density fitting with an auxiliary basis (Coulomb metric).
#include <Eigen/Core>
#include <memory>
#include <vector>

#include "basis/basis_set.hpp"

namespace hamlet::integrals {

// A symmetric density with a factor: density = factor * factor^T (factor nbf x k, e.g. the
// occupied MO coefficients scaled by sqrt(occupation)). DF exchange uses the factor.
struct FactoredDensity {
  Eigen::MatrixXd density;
  Eigen::MatrixXd factor;
};

class JKBuilder {
 public:
  virtual ~JKBuilder() = default;
  // J[i] and (when want_k) K[i] for every density i.
  virtual void compute(const std::vector<FactoredDensity>& densities, bool want_k,
                       std::vector<Eigen::MatrixXd>& J, std::vector<Eigen::MatrixXd>& K) = 0;
  virtual const char* name() const = 0;
};

struct ExactJKOptions {
  double schwarz_threshold = 1e-12;  // skip quartets with sqrt((ab|ab)(cd|cd)) * max|D| below this
};
std::unique_ptr<JKBuilder> make_exact_jk(const BasisSet& basis, ExactJKOptions options = {});
std::unique_ptr<JKBuilder> make_df_jk(const BasisSet& basis, const BasisSet& auxiliary);

// All (mn|ls) as an nbf^2 x nbf^2 matrix, row (m*nbf+n), column (l*nbf+s): a slow, simple
// reference for tests (small molecules only).
Eigen::MatrixXd eri_tensor_reference(const BasisSet& basis);

}  // namespace hamlet::integrals
