#include "chem/xyz.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace hamlet {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

bool parse_double(const std::string& s, double& v) {
  std::string t = s;
  for (auto& c : t)
    if (c == 'D' || c == 'd') c = 'e';  // Fortran exponents
  const char* b = t.data();
  const char* e = b + t.size();
  auto [p, ec] = std::from_chars(b, e, v);
  return ec == std::errc() && p == e && std::isfinite(v);
}

bool parse_int(const std::string& s, long& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// extxyz comment line: key=value, key="quoted value", bare flags.
std::map<std::string, std::string> parse_comment_keys(const std::string& line) {
  std::map<std::string, std::string> kv;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t ks = i;
    while (i < line.size() && line[i] != '=' && !std::isspace(static_cast<unsigned char>(line[i])))
      ++i;
    std::string key = line.substr(ks, i - ks);
    if (key.empty()) {
      ++i;
      continue;
    }
    if (i < line.size() && line[i] == '=') {
      ++i;
      std::string value;
      if (i < line.size() && (line[i] == '"' || line[i] == '\'')) {
        const char q = line[i++];
        size_t vs = i;
        while (i < line.size() && line[i] != q) ++i;
        value = line.substr(vs, i - vs);
        if (i < line.size()) ++i;
      } else {
        size_t vs = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        value = line.substr(vs, i - vs);
      }
      std::string lower;
      for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      kv[lower] = value;
    }
  }
  return kv;
}

struct Columns {
  int species = 0;
  int pos = 1;
};

// Properties=species:S:1:pos:R:3:forces:R:3 -> column offsets of species and pos.
Columns parse_properties(const std::string& props, const std::string& name, int line) {
  std::vector<std::string> f;
  std::stringstream ss(props);
  for (std::string t; std::getline(ss, t, ':');) f.push_back(t);
  if (f.size() % 3 != 0) throw Error(name, line, "malformed Properties= value '" + props + "'");
  Columns c{-1, -1};
  int col = 0;
  for (size_t k = 0; k < f.size(); k += 3) {
    long n = 0;
    if (!parse_int(f[k + 2], n) || n < 1)
      throw Error(name, line, "malformed Properties= value '" + props + "'");
    if (f[k] == "species") c.species = col;
    if (f[k] == "pos") c.pos = col;
    col += static_cast<int>(n);
  }
  if (c.species < 0 || c.pos < 0)
    throw Error(name, line, "Properties= must name 'species' and 'pos' columns");
  return c;
}

}  // namespace

std::vector<Molecule> parse_xyz_frames(std::istream& in, const std::string& name) {
  std::vector<Molecule> frames;
  std::string line;
  int lineno = 0;
  while (true) {
    // Skip blank lines between frames.
    bool got = false;
    while (std::getline(in, line)) {
      ++lineno;
      if (!trim(line).empty()) {
        got = true;
        break;
      }
    }
    if (!got) break;
    long natoms = 0;
    if (!parse_int(trim(line), natoms) || natoms < 1)
      throw Error(name, lineno, "expected the atom count of a frame, found '" + trim(line) + "'");
    if (!std::getline(in, line))
      throw Error(name, lineno + 1, "file ends before the comment line of the frame");
    ++lineno;
    const int comment_line = lineno;
    Molecule mol;
    mol.source = name + ":frame " + std::to_string(frames.size());
    auto keys = parse_comment_keys(line);
    Columns cols;
    if (auto it = keys.find("properties"); it != keys.end())
      cols = parse_properties(it->second, name, comment_line);
    for (const char* k : {"charge", "multiplicity", "mult"}) {
      auto it = keys.find(k);
      if (it == keys.end()) continue;
      long v = 0;
      double dv = 0;
      // Accept "1", "1.0"; reject fractional values.
      if (!parse_int(it->second, v)) {
        if (parse_double(it->second, dv) && dv == std::round(dv))
          v = static_cast<long>(dv);
        else
          throw Error(name, comment_line,
                      std::string(k) + "= must be an integer, found '" + it->second + "'");
      }
      if (std::string(k) == "charge")
        mol.charge = static_cast<int>(v);
      else
        mol.multiplicity = static_cast<int>(v);
    }
    mol.comment = trim(line);
    const int needed = std::max(cols.species, cols.pos + 2) + 1;
    for (long a = 0; a < natoms; ++a) {
      if (!std::getline(in, line))
        throw Error(name, lineno + 1,
                    "file ends after " + std::to_string(a) + " of " + std::to_string(natoms) +
                        " atoms of the frame");
      ++lineno;
      auto f = split_ws(line);
      if (static_cast<int>(f.size()) < needed)
        throw Error(name, lineno,
                    "expected 'element x y z', found '" + trim(line) + "'");
      std::string sym = f[cols.species];
      int Z = atomic_number_or_zero(sym);
      long zi = 0;
      if (Z == 0 && parse_int(sym, zi) && zi >= 1 && zi <= kMaxAtomicNumber) Z = static_cast<int>(zi);
      if (Z == 0) throw Error(name, lineno, "unknown element '" + sym + "'");
      Atom atom;
      atom.Z = Z;
      for (int d = 0; d < 3; ++d) {
        double v = 0;
        if (!parse_double(f[cols.pos + d], v))
          throw Error(name, lineno, "coordinate '" + f[cols.pos + d] + "' is not a finite number");
        atom.position[d] = v * units::kAngstromToBohr;
      }
      mol.atoms.push_back(atom);
    }
    frames.push_back(std::move(mol));
  }
  if (frames.empty()) throw Error(name, 0, "no molecule found (empty file)");
  return frames;
}

std::vector<Molecule> read_xyz_frames(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string(), 0, "cannot open file");
  return parse_xyz_frames(in, path.string());
}

Molecule read_xyz(const std::filesystem::path& path) {
  auto frames = read_xyz_frames(path);
  if (frames.size() != 1)
    throw Error(path.string(), 0,
                "expected one molecule, found " + std::to_string(frames.size()) + " frames");
  return frames.front();
}

std::string format_xyz(const Molecule& mol) {
  std::string s = fmt::format("{}\ncharge={} multiplicity={}\n", mol.natoms(), mol.charge,
                              mol.multiplicity);
  for (const auto& a : mol.atoms)
    s += fmt::format("{:<3s} {:18.10f} {:18.10f} {:18.10f}\n", element_symbol(a.Z),
                     a.position.x() * units::kBohrInAngstrom,
                     a.position.y() * units::kBohrInAngstrom,
                     a.position.z() * units::kBohrInAngstrom);
  return s;
}

}  // namespace hamlet
