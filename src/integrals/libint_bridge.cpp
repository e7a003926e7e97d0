#include "integrals/libint_bridge.hpp"

#include <mutex>

#include "core/error.hpp"

namespace hamlet::integrals::detail {

void ensure_libint_initialized() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    libint2::initialize();
    // libint2 keeps one shared Boys-function table and *replaces* it whenever a caller asks for
    // a higher order than it holds; a replacement racing with another thread's read crashed
    // concurrent datagen jobs. Growing it once here, to the highest order any engine or
    // gaussian_charge_attraction can ask for (4 l_max for Coulomb quartets), means no
    // replacement happens once integrals run in parallel.
    libint2::FmEval_Chebyshev7<double>::instance(4 * LIBINT_MAX_AM + 2);
  });
}

std::vector<libint2::Shell> to_libint_shells(const BasisSet& basis) {
  ensure_libint_initialized();
  if (basis.max_l > LIBINT_MAX_AM)
    throw Error("basis '" + basis.name + "' has l = " + std::to_string(basis.max_l) +
                " functions; the installed libint2 supports l <= " + std::to_string(LIBINT_MAX_AM));
  std::vector<libint2::Shell> out;
  out.reserve(basis.shells.size());
  for (const auto& s : basis.shells) {
    libint2::svector<double> alpha(s.exponents.begin(), s.exponents.end());
    libint2::svector<double> coeff(s.coefficients.begin(), s.coefficients.end());
    // Coefficients are already normalised exactly as libint2 would (basis_library.cpp).
    out.emplace_back(std::move(alpha),
                     libint2::svector<libint2::Shell::Contraction>{{s.l, true, std::move(coeff)}},
                     std::array<double, 3>{s.center.x(), s.center.y(), s.center.z()},
                     /*embed_normalization_into_coefficients=*/false);
  }
  return out;
}

int max_nprim(const std::vector<libint2::Shell>& shells) {
  size_t n = 0;
  for (const auto& s : shells) n = std::max(n, s.nprim());
  return static_cast<int>(n);
}

}  // namespace hamlet::integrals::detail
