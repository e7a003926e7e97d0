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

// An element block that could not be read: where and why (reported when the element is used).
struct MalformedBlock {
  int line = 0;
  std::string cause;
};

struct BasisLibrary {
  std::string name;                                   // as requested
  std::filesystem::path file;                         // where it was read from
  bool file_says_cartesian = false;                   // header line "cartesian"
  std::map<int, std::vector<ShellDefinition>> shells; // by atomic number, file order
  std::set<int> ecp_elements;                         // elements with an ECP block
  std::map<int, MalformedBlock> malformed;            // elements whose block could not be read
  // Why element Z cannot be used ("" when it can): an ECP, a malformed block (with its
  // file:line), or no block at all.
  std::string unusable_reason(int Z) const;
};

// Parses Gaussian94 text; `name` labels error messages (file name). An error inside an element's
// block makes only that element unusable (BasisLibrary::malformed); errors outside the blocks,
// or a file with no usable block, throw hamlet::Error naming the line.
BasisLibrary parse_gaussian94(std::istream& in, const std::string& name);
BasisLibrary read_gaussian94(const std::filesystem::path& path);

}  // namespace hamlet
