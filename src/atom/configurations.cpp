// Ground-state configurations as used by NIST SRD 141 (math.nist.gov/DFTdata/atomdata/
// configuration.html): experimental ground states, e.g. Cr 3d5 4s1, Cu 3d10 4s1, Nb 4d4 5s1,
// Pd 4d10.
#include <array>
#include <string>
#include <string_view>

#include "atom/atom.hpp"
#include "core/error.hpp"

namespace hamlet::atom {
namespace {

// Valence part after the noble-gas core written in brackets.
constexpr std::array<std::string_view, kMaxAtomZ + 1> kConfigurations = {
    "",
    "1s1", "1s2",
    "[He] 2s1", "[He] 2s2", "[He] 2s2 2p1", "[He] 2s2 2p2", "[He] 2s2 2p3", "[He] 2s2 2p4",
    "[He] 2s2 2p5", "[He] 2s2 2p6",
    "[Ne] 3s1", "[Ne] 3s2", "[Ne] 3s2 3p1", "[Ne] 3s2 3p2", "[Ne] 3s2 3p3", "[Ne] 3s2 3p4",
    "[Ne] 3s2 3p5", "[Ne] 3s2 3p6",
    "[Ar] 4s1", "[Ar] 4s2", "[Ar] 3d1 4s2", "[Ar] 3d2 4s2", "[Ar] 3d3 4s2", "[Ar] 3d5 4s1",
    "[Ar] 3d5 4s2", "[Ar] 3d6 4s2", "[Ar] 3d7 4s2", "[Ar] 3d8 4s2", "[Ar] 3d10 4s1",
    "[Ar] 3d10 4s2", "[Ar] 3d10 4s2 4p1", "[Ar] 3d10 4s2 4p2", "[Ar] 3d10 4s2 4p3",
    "[Ar] 3d10 4s2 4p4", "[Ar] 3d10 4s2 4p5", "[Ar] 3d10 4s2 4p6",
    "[Kr] 5s1", "[Kr] 5s2", "[Kr] 4d1 5s2", "[Kr] 4d2 5s2", "[Kr] 4d4 5s1", "[Kr] 4d5 5s1",
    "[Kr] 4d5 5s2", "[Kr] 4d7 5s1", "[Kr] 4d8 5s1", "[Kr] 4d10", "[Kr] 4d10 5s1",
    "[Kr] 4d10 5s2", "[Kr] 4d10 5s2 5p1", "[Kr] 4d10 5s2 5p2", "[Kr] 4d10 5s2 5p3",
    "[Kr] 4d10 5s2 5p4", "[Kr] 4d10 5s2 5p5", "[Kr] 4d10 5s2 5p6"};

int core_z(std::string_view symbol) {
  if (symbol == "He") return 2;
  if (symbol == "Ne") return 10;
  if (symbol == "Ar") return 18;
  if (symbol == "Kr") return 36;
  throw Error("internal: unknown core [" + std::string(symbol) + "]");
}

int angular_momentum(char letter) {
  switch (letter) {
    case 's': return 0;
    case 'p': return 1;
    case 'd': return 2;
    case 'f': return 3;
  }
  throw Error(std::string("internal: unknown shell letter ") + letter);
}

void append_configuration(std::string_view text, std::vector<Shell>& shells) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    if (text[pos] == '[') {
      const size_t close = text.find(']', pos);
      append_configuration(kConfigurations[core_z(text.substr(pos + 1, close - pos - 1))], shells);
      pos = close + 1;
      continue;
    }
    // "<n><letter><occupation>", e.g. "3d10"
    Shell s;
    s.n = text[pos] - '0';
    s.l = angular_momentum(text[pos + 1]);
    pos += 2;
    int occupation = 0;
    while (pos < text.size() && text[pos] != ' ')
      occupation = 10 * occupation + (text[pos++] - '0');
    s.occupation = occupation;
    shells.push_back(s);
  }
}

}  // namespace

std::vector<Shell> ground_state_configuration(int Z) {
  if (Z < 1 || Z > kMaxAtomZ)
    throw Error("atomic solver supports Z = 1.." + std::to_string(kMaxAtomZ) + ", got Z = " +
                std::to_string(Z));
  std::vector<Shell> shells;
  append_configuration(kConfigurations[Z], shells);
  return shells;
}

}  // namespace hamlet::atom
