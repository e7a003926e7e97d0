#pragma once
// Internal: RAII owner of the libxc LDA functionals used by the atomic solver (spin-unpolarised).
// Kept private to src/atom so that the atom layer does not depend on src/xc.
#include <Eigen/Dense>

#include "atom/atom.hpp"

struct xc_func_type;

namespace hamlet::atom::detail {

class LdaXc {
 public:
  explicit LdaXc(Functional functional);
  ~LdaXc();
  LdaXc(const LdaXc&) = delete;
  LdaXc& operator=(const LdaXc&) = delete;

  // Energy per electron e_xc(n) and potential v_xc(n) = d(n e_xc)/dn for densities n >= 0.
  void evaluate(const Eigen::VectorXd& density, Eigen::VectorXd& energy_per_electron,
                Eigen::VectorXd& potential) const;

 private:
  xc_func_type* exchange_ = nullptr;
  xc_func_type* correlation_ = nullptr;  // null for exchange-only
};

}  // namespace hamlet::atom::detail
