#include "basis/gaussian94.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet {
namespace {

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

bool to_double(std::string s, double& v) {
  for (auto& c : s)
    if (c == 'D' || c == 'd') c = 'E';
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

bool to_int(const std::string& s, long& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

int angular_momentum(const std::string& label) {
  static const std::string kLetters = "SPDFGHIKLM";
  if (label.size() != 1) return -1;
  auto pos = kLetters.find(static_cast<char>(std::toupper(static_cast<unsigned char>(label[0]))));
  return pos == std::string::npos ? -1 : static_cast<int>(pos);
}

class LineReader {
 public:
  LineReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  // Next non-blank, non-comment line (comments start with '!' or '#').
  bool next(std::string& line) {
    while (std::getline(in_, line)) {
      ++lineno_;
      auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos) continue;
      if (line[first] == '!' || line[first] == '#') continue;
      return true;
    }
    return false;
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error(name_, lineno_, what); }
  // An error inside an element's block: that element becomes unusable, the others stay.
  [[noreturn]] void fail_block(const std::string& what) const { throw MalformedBlock{lineno_, what}; }
  int lineno() const { return lineno_; }

 private:
  std::istream& in_;
  std::string name_;
  int lineno_ = 0;
};

// One shell ("S 3 1.00" or "SP 3 1.00" and its primitive lines) into `shells`; `line` is the
// header (`f` its words, `lower` its first word in lower case) and then the last line read.
void read_shell(LineReader& reader, std::string& line, const std::vector<std::string>& f, const std::string& lower,
                std::vector<ShellDefinition>& shells) {
  long nprim = 0;
  if (f.size() < 2 || !to_int(f[1], nprim) || nprim < 1)
    reader.fail_block("expected a shell header such as 'S 3 1.00', found '" + line + "'");
  const bool sp = lower == "sp" || lower == "l";
  const int l = sp ? 0 : angular_momentum(f[0]);
  if (l < 0) reader.fail_block("unknown angular momentum '" + f[0] + "'");
  ShellDefinition s, p;
  s.l = l;
  p.l = 1;
  for (long k = 0; k < nprim; ++k) {
    if (!reader.next(line)) reader.fail_block("file ends inside a shell");
    auto g = split_ws(line);
    const size_t want = sp ? 3 : 2;
    double e = 0, c = 0, cp = 0;
    if (g.size() < want || !to_double(g[0], e) || !to_double(g[1], c) || (sp && !to_double(g[2], cp)))
      reader.fail_block("expected " + std::string(sp ? "'exponent s-coef p-coef'" : "'exponent coefficient'") +
                        ", found '" + line + "'");
    if (e <= 0) reader.fail_block("exponent must be positive");
    s.exponents.push_back(e);
    s.coefficients.push_back(c);
    if (sp) {
      p.exponents.push_back(e);
      p.coefficients.push_back(cp);
    }
  }
  shells.push_back(std::move(s));
  if (sp) shells.push_back(std::move(p));
}

// Skips the rest of an element's block, up to and including its "****"; `line` (already read)
// may itself be that terminator.
void skip_block(LineReader& reader, std::string& line) {
  auto block_end = [](const std::string& l) {
    const auto w = split_ws(l);
    return !w.empty() && w[0] == "****";
  };
  if (block_end(line)) return;
  while (reader.next(line) && !block_end(line)) {
  }
}

}  // namespace

BasisLibrary parse_gaussian94(std::istream& in, const std::string& name) {
  BasisLibrary lib;
  lib.name = name;
  LineReader reader(in, name);
  std::string line;
  int current_Z = 0;       // element whose block we are in; 0 = between blocks
  bool in_ecp = false;      // skipping an ECP block until the next element header
  int repeated_Z = 0;       // element header seen again: legal only right before its ECP block
  int repeated_line = 0;
  while (reader.next(line)) {
    auto f = split_ws(line);
    std::string first = f[0];
    std::string lower;
    for (char c : first) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "spherical" || lower == "cartesian") {
      lib.file_says_cartesian = lower == "cartesian";
      continue;
    }
    const bool ecp_header = lower.size() > 4 && lower.ends_with("-ecp");
    if (repeated_Z != 0 && !ecp_header) {
      // Two blocks for one element (def2-QZVP-RI's Ge): which one was meant is unknown.
      lib.malformed[repeated_Z] = {repeated_line,
                                   "element " + std::string(element_symbol(repeated_Z)) + " appears twice"};
      lib.shells.erase(repeated_Z);
      repeated_Z = 0;
      skip_block(reader, line);
      continue;
    }
    repeated_Z = 0;
    if (first == "****") {
      current_Z = 0;
      in_ecp = false;
      continue;
    }
    // ECP block header "RB-ECP  3  28": record and skip until the next element header.
    if (ecp_header) {
      int Z = atomic_number_or_zero(first.substr(0, first.size() - 4));
      if (Z == 0) reader.fail("ECP block for unknown element '" + first + "'");
      lib.ecp_elements.insert(Z);
      in_ecp = true;
      current_Z = 0;
      continue;
    }
    if (current_Z == 0) {
      // Element header "O 0" (element symbol, then 0).
      int Z = atomic_number_or_zero(first);
      long zero = 0;
      if (Z != 0 && f.size() == 2 && to_int(f[1], zero)) {
        if (lib.shells.count(Z) || lib.malformed.count(Z)) {  // e.g. "RB 0" introducing Rb's ECP block
          repeated_Z = Z;
          repeated_line = reader.lineno();
          continue;
        }
        current_Z = Z;
        in_ecp = false;
        lib.shells[Z];
        continue;
      }
      if (in_ecp) continue;
      // Something shaped like a header ("Xx 0") must name a real element; other text between
      // blocks is prose (some Psi4 files carry a description line) and is skipped.
      if (f.size() == 2 && to_int(f[1], zero))
        reader.fail("unknown element '" + first + "' in element header");
      continue;
    }
    try {
      read_shell(reader, line, f, lower, lib.shells[current_Z]);
    } catch (const MalformedBlock& bad) {
      // Psi4's library has a few such blocks (def2-TZVPP's Rb: an f exponent without its
      // coefficient); the file's other elements stay usable.
      lib.malformed[current_Z] = bad;
      lib.shells.erase(current_Z);
      skip_block(reader, line);
      current_Z = 0;
    }
  }
  if (lib.shells.empty()) {
    if (!lib.malformed.empty()) {
      const MalformedBlock& bad = lib.malformed.begin()->second;
      throw Error(name, bad.line, bad.cause);
    }
    throw Error(name, 0, "no basis functions found (not a Gaussian94 file?)");
  }
  return lib;
}

std::string BasisLibrary::unusable_reason(int Z) const {
  const std::string element(element_symbol(Z));
  if (ecp_elements.count(Z))
    return "element " + element + " uses an effective core potential in basis '" + name +
           "'; ECPs are not supported yet";
  if (auto bad = malformed.find(Z); bad != malformed.end())
    return "basis '" + name + "': the block of element " + element + " cannot be read (line " +
           std::to_string(bad->second.line) + ": " + bad->second.cause + ")";
  if (!shells.count(Z)) return "basis '" + name + "' has no functions for element " + element;
  return "";
}

BasisLibrary read_gaussian94(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string(), 0, "cannot open basis file");
  auto lib = parse_gaussian94(in, path.string());
  lib.file = path;
  return lib;
}

}  // namespace hamlet
