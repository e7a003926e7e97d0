#include "basis/basis_library.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet {

std::vector<std::filesystem::path> basis_search_path() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("HAMLET_BASIS_PATH")) {
    std::string s(env);
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) dirs.emplace_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.emplace_back("/usr/share/psi4/basis");
  return dirs;
}

std::string basis_file_stem(const std::string& name) {
  std::string out;
  for (char c : name) {
    switch (c) {
      case '*': out += 's'; break;
      case '+': out += 'p'; break;
      case '(': case ')': case ',': out += '_'; break;
      default: out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string default_jkfit_basis(const std::string& orbital_basis) {
  std::string stem = basis_file_stem(orbital_basis);
  if (stem.find("cc-pv") != std::string::npos &&
      std::filesystem::exists(std::filesystem::path("/usr/share/psi4/basis") / (stem + "-jkfit.gbs")))
    return stem + "-jkfit";
  return "def2-universal-jkfit";
}

std::filesystem::path find_basis_file(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".gbs")) {
    if (fs::is_regular_file(name_or_path)) return name_or_path;
    throw Error(name_or_path, 0, "basis file does not exist");
  }
  std::string stem = basis_file_stem(name_or_path);
  if (stem == "def2-universal-jkfit") stem = "def2-qzvpp-jkfit";  // same set, Psi4 1.3 file name
  std::string searched;
  for (const auto& dir : basis_search_path()) {
    fs::path p = dir / (stem + ".gbs");
    if (fs::is_regular_file(p)) return p;
    searched += "\n  " + dir.string();
  }
  throw Error("unknown basis set '" + name_or_path + "': no file " + stem +
              ".gbs in the basis search path:" + searched +
              "\n(set HAMLET_BASIS_PATH, give a file path, or install psi4-data)");
}

const BasisLibrary& basis_library(const std::string& name_or_path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<BasisLibrary>> cache;
  auto path = std::filesystem::weakly_canonical(find_basis_file(name_or_path)).string();
  std::lock_guard lock(mutex);
  auto& entry = cache[path];
  if (!entry) {
    entry = std::make_unique<BasisLibrary>(read_gaussian94(path));
    entry->name = name_or_path;
  }
  return *entry;
}

std::vector<double> normalized_coefficients(int l, const std::vector<double>& exponents,
                                            const std::vector<double>& coefficients) {
  // (2l-1)!! with (-1)!! = 1
  double dfact = 1.0;
  for (int k = 2 * l - 1; k > 1; k -= 2) dfact *= k;
  const double pi32 = std::pow(std::numbers::pi, 1.5);
  std::vector<double> c(coefficients);
  for (size_t p = 0; p < c.size(); ++p) {
    const double two_a = 2 * exponents[p];
    c[p] *= std::sqrt(std::pow(2.0, l) * std::pow(two_a, l + 1.5) / (pi32 * dfact));
  }
  double norm = 0.0;
  for (size_t p = 0; p < c.size(); ++p)
    for (size_t q = 0; q < c.size(); ++q) {
      const double g = exponents[p] + exponents[q];
      norm += dfact * pi32 * c[p] * c[q] / (std::pow(2.0, l) * std::pow(g, l + 1.5));
    }
  for (auto& x : c) x /= std::sqrt(norm);
  return c;
}

BasisSet make_basis(const Molecule& mol, const BasisLibrary& library) {
  BasisSet basis;
  basis.name = library.name;
  basis.atom_shell_begin.push_back(0);
  basis.atom_ao_begin.push_back(0);
  for (int a = 0; a < mol.natoms(); ++a) {
    const int Z = mol.atoms[a].Z;
    if (const std::string why = library.unusable_reason(Z); !why.empty())
      throw Error(library.file.string(), 0, why + " (atom " + std::to_string(a + 1) + ")");
    for (const auto& def : library.shells.at(Z)) {
      Shell s;
      s.l = def.l;
      s.exponents = def.exponents;
      s.coefficients = normalized_coefficients(def.l, def.exponents, def.coefficients);
      s.center = mol.atoms[a].position;
      s.atom = a;
      basis.shell_offset.push_back(basis.nbf);
      basis.nbf += s.size();
      basis.max_l = std::max(basis.max_l, s.l);
      basis.shells.push_back(std::move(s));
    }
    basis.atom_shell_begin.push_back(static_cast<int>(basis.shells.size()));
    basis.atom_ao_begin.push_back(basis.nbf);
  }
  return basis;
}

BasisSet load_basis(const Molecule& mol, const std::string& name_or_path) {
  return make_basis(mol, basis_library(name_or_path));
}

}  // namespace hamlet
