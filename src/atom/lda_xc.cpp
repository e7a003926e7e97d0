#include "atom/lda_xc.hpp"

#include <xc.h>

#include <string>

#include "core/error.hpp"

namespace hamlet::atom::detail {
namespace {

constexpr double kDensityThreshold = 1e-30;  // electrons/Bohr^3

xc_func_type* init_functional(int id) {
  xc_func_type* f = xc_func_alloc();
  if (f == nullptr) throw Error("libxc: out of memory allocating a functional");
  if (xc_func_init(f, id, XC_UNPOLARIZED) != 0) {
    xc_func_free(f);
    throw Error("libxc: cannot initialise functional id " + std::to_string(id));
  }
  // libxc zeroes e_xc and v_xc below its default density threshold (1e-15 for these), which
  // puts a step into the potential tail (at 22 Bohr for H). Keep the smooth low-density form.
  xc_func_set_dens_threshold(f, kDensityThreshold);
  return f;
}

void release(xc_func_type* f) {
  if (f == nullptr) return;
  xc_func_end(f);
  xc_func_free(f);
}

}  // namespace

LdaXc::LdaXc(Functional functional) {
  exchange_ = init_functional(XC_LDA_X);
  if (functional == Functional::lda_vwn) {
    try {
      // VWN5 ("VWN" in libxc) reproduces NIST SRD 141; VWN_RPA misses it by 0.11 Eh for C and
      // 0.37 Eh for Ar.
      correlation_ = init_functional(XC_LDA_C_VWN);
    } catch (...) {
      release(exchange_);
      throw;
    }
  }
}

LdaXc::~LdaXc() {
  release(exchange_);
  release(correlation_);
}

void LdaXc::evaluate(const Eigen::VectorXd& density, Eigen::VectorXd& energy_per_electron,
                     Eigen::VectorXd& potential) const {
  const auto n = static_cast<size_t>(density.size());
  energy_per_electron.resize(density.size());
  potential.resize(density.size());
  xc_lda_exc_vxc(exchange_, n, density.data(), energy_per_electron.data(), potential.data());
  if (correlation_ != nullptr) {
    Eigen::VectorXd ec(density.size()), vc(density.size());
    xc_lda_exc_vxc(correlation_, n, density.data(), ec.data(), vc.data());
    energy_per_electron += ec;
    potential += vc;
  }
}

}  // namespace hamlet::atom::detail
