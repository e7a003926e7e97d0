#include "io/molden.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "basis/ao_order.hpp"
#include "core/atomic_file.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet::io {
namespace {
// Undo the primitive normalisation embedded in Shell::coefficients: Molden expects
// coefficients of normalised primitives (readers renormalise the contraction).
double primitive_norm(int l, double a) {
  double dfact = 1.0;
  for (int k = 2 * l - 1; k > 1; k -= 2) dfact *= k;
  return std::sqrt(std::pow(2.0, l) * std::pow(2 * a, l + 1.5) / (std::pow(std::numbers::pi, 1.5) * dfact));
}
}  // namespace

void write_molden(const std::filesystem::path& path, const Molecule& mol, const BasisSet& basis,
                  const scf::ScfResult& r) {
  if (basis.max_l > 4)
    throw Error(path.string(), 0, "Molden format supports shells up to g; basis has l = " +
                                      std::to_string(basis.max_l));
  std::string s = "[Molden Format]\n[Title]\nwritten by hamlet\n[Atoms] AU\n";
  for (int a = 0; a < mol.natoms(); ++a) {
    const auto& at = mol.atoms[a];
    s += fmt::format("{:<3s} {:5d} {:4d} {:20.12f} {:20.12f} {:20.12f}\n", element_symbol(at.Z), a + 1,
                     at.Z, at.position.x(), at.position.y(), at.position.z());
  }
  s += "[GTO]\n";
  const char* letters = "spdfg";
  for (int a = 0; a < mol.natoms(); ++a) {
    s += fmt::format("{:4d} 0\n", a + 1);
    for (int sh = basis.atom_shell_begin[a]; sh < basis.atom_shell_begin[a + 1]; ++sh) {
      const auto& shell = basis.shells[sh];
      s += fmt::format("{} {:4d} 1.00\n", letters[shell.l], static_cast<int>(shell.exponents.size()));
      for (size_t p = 0; p < shell.exponents.size(); ++p)
        s += fmt::format("{:22.12e} {:22.12e}\n", shell.exponents[p],
                         shell.coefficients[p] / primitive_norm(shell.l, shell.exponents[p]));
    }
    s += "\n";
  }
  s += "[5D]\n[7F]\n[9G]\n[MO]\n";
  const auto perm = ao_permutation(basis, AoOrder::molden);
  for (size_t sp = 0; sp < r.coefficients.size(); ++sp) {
    const auto& C = r.coefficients[sp];
    for (int i = 0; i < C.cols(); ++i) {
      const double occ = r.occupations[sp](i) * (r.restricted ? 2.0 : 1.0);
      s += fmt::format(" Sym= A\n Ene= {:.10f}\n Spin= {}\n Occup= {:.6f}\n", r.orbital_energies[sp](i),
                       sp == 0 ? "Alpha" : "Beta", occ);
      for (int mu = 0; mu < basis.nbf; ++mu)
        s += fmt::format("{:6d} {:22.14e}\n", mu + 1, C(perm[mu], i));
    }
  }
  write_file_atomically(path, s);
}
}  // namespace hamlet::io
