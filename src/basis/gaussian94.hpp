#pragma once
// Gaussian94 basis-set files (the format of Psi4's basis library, /usr/share/psi4/basis).
#include <filesystem>
#include <istream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace hamlet {

// One contracted shell as written in the file (coefficients of unnormalised primitives
// as the file gives them, i.e. for normalised primitives; normalisation is applied later).
struct ShellDefinition {
  int l = 0;
  std::vector<double> exponents;
  std::vector<double> coefficients;
};

struct BasisLibrary {
  std::string name;                                   // as requested
  std::filesystem::path file;                         // where it was read from
  bool file_says_cartesian = false;                   // header line "cartesian"
  std::map<int, std::vector<ShellDefinition>> shells; // by atomic number, file order
  std::set<int> ecp_elements;                         // elements with an ECP block
};

// Parses Gaussian94 text; `name` labels error messages (file name).
BasisLibrary parse_gaussian94(std::istream& in, const std::string& name);
BasisLibrary read_gaussian94(const std::filesystem::path& path);

}  // namespace hamlet
