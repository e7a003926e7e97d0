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

// The orthonormalised three-index factors of density fitting, (mn|ls) ~ sum_Q B^Q_mn B^Q_ls:
// a density's fitted Coulomb coefficients and their potential, for models of the SCF's
// Coulomb response (scf/coulomb_response.hpp).
class FittedCoulomb {
 public:
  virtual ~FittedCoulomb() = default;
  virtual Eigen::Index naux() const = 0;
  // u_Q = sum_mn B^Q_mn D_mn for a symmetric D: J[D] = expand(project(D)).
  virtual Eigen::VectorXd project(const Eigen::MatrixXd& D) const = 0;
  // sum_Q u_Q B^Q (nbf x nbf).
  virtual Eigen::MatrixXd expand(const Eigen::VectorXd& u) const = 0;
  // (Cl^T B^Q Cr) for every Q as the columns of an (l r) x naux matrix, element (i + l j, Q)
  // for column i of Cl and column j of Cr.
  virtual Eigen::MatrixXd transform(const Eigen::MatrixXd& Cl, const Eigen::MatrixXd& Cr) const = 0;
};

class JKBuilder {
 public:
  // The fitted Coulomb factors of a density-fitted builder; nullptr for exact integrals.
  virtual const FittedCoulomb* fitted_coulomb() const { return nullptr; }
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
