#include "data/split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "core/atomic_file.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "data/dataset_reader.hpp"

namespace hamlet::data {
namespace {

// Covalent radii in Å, Z = 1..36 (Cordero et al., Dalton Trans. 2008, 2832; sp3 C, low-spin
// Mn/Fe/Co).
constexpr std::array<double, 37> kCovalentRadius = {
    0.0,  0.31, 0.28, 1.28, 0.96, 0.84, 0.76, 0.71, 0.66, 0.57, 0.58, 1.66, 1.41,
    1.21, 1.11, 1.07, 1.05, 1.02, 1.06, 2.03, 1.76, 1.70, 1.60, 1.53, 1.39, 1.39,
    1.32, 1.26, 1.24, 1.32, 1.22, 1.22, 1.20, 1.19, 1.20, 1.20, 1.16};
// Bonded when closer than r_A + r_B + 0.45 Å (Open Babel's rule). An additive margin, because a
// relative one is too tight for short bonds: H2 at 300 K in the 1000 cm^-1 model stretches by
// 0.12 Å (one sigma), and the margin keeps it bonded to 2.8 sigma, C-H to 5 sigma.
constexpr double kBondMarginAngstrom = 0.45;

double covalent_radius_bohr(int Z) {
  if (Z < 1 || Z >= static_cast<int>(kCovalentRadius.size()))
    throw Error(std::string("no covalent radius for ") + std::string(element_symbol(Z)) + " (H to Kr)");
  return kCovalentRadius[Z] * units::kAngstromToBohr;
}

// FNV-1a: a fixed, portable hash (std::hash may differ between libraries).
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Hill order: C, H, then alphabetical; without carbon, all alphabetical.
std::string formula(const std::vector<int>& Z) {
  std::map<std::string, int> count;
  for (int z : Z) ++count[std::string(element_symbol(z))];
  std::string f;
  auto take = [&](const std::string& sym) {
    auto it = count.find(sym);
    if (it == count.end()) return;
    f += sym + (it->second > 1 ? std::to_string(it->second) : "");
    count.erase(it);
  };
  if (count.count("C")) {
    take("C");
    take("H");
  }
  for (const auto& [sym, n] : count) f += sym + (n > 1 ? std::to_string(n) : "");
  return f;
}

// Deterministic Fisher–Yates (std::shuffle's algorithm is left to each library).
template <class T>
void seeded_shuffle(std::vector<T>& v, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = v.size(); i > 1; --i) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % i;  // reject to avoid modulo bias
    std::uint64_t r;
    do r = rng();
    while (r >= limit);
    std::swap(v[i - 1], v[r % i]);
  }
}

struct Group {
  std::string identity;
  int natoms = 0;
  std::vector<std::int64_t> indices;
};

// Assigns whole groups in order: to train until it holds its share, then validation, then test.
Split cut(const std::vector<Group>& groups, size_t total, const SplitOptions& o) {
  Split s;
  const double train_end = o.train * total, val_end = (o.train + o.validation) * total;
  size_t assigned = 0;
  for (const auto& g : groups) {
    // The group goes where its middle falls: shares end up as close as whole groups allow.
    const double middle = assigned + 0.5 * g.indices.size();
    auto& target = middle <= train_end ? s.train : middle <= val_end ? s.validation : s.test;
    target.insert(target.end(), g.indices.begin(), g.indices.end());
    assigned += g.indices.size();
  }
  for (auto* v : {&s.train, &s.validation, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

}  // namespace

std::string molecule_identity(const Entry& e) {
  const int n = e.natoms();
  std::vector<std::vector<int>> neighbours(n);
  for (int a = 0; a < n; ++a)
    for (int b = a + 1; b < n; ++b) {
      const double r = (e.positions.row(a) - e.positions.row(b)).norm();
      const double limit = covalent_radius_bohr(e.atomic_numbers[a]) + covalent_radius_bohr(e.atomic_numbers[b]) +
                           kBondMarginAngstrom * units::kAngstromToBohr;
      if (r < limit) {
        neighbours[a].push_back(b);
        neighbours[b].push_back(a);
      }
    }
  std::vector<std::string> label(n);
  for (int a = 0; a < n; ++a) label[a] = std::to_string(e.atomic_numbers[a]);
  for (int round = 0; round < 3; ++round) {  // each round sees one bond further
    std::vector<std::string> next(n);
    for (int a = 0; a < n; ++a) {
      std::vector<std::string> around;
      for (int b : neighbours[a]) around.push_back(label[b]);
      std::sort(around.begin(), around.end());
      std::string text = label[a] + "(";
      for (const auto& l : around) text += l + ",";
      next[a] = fmt::format("{:016x}", fnv1a(text + ")"));
    }
    label = std::move(next);
  }
  std::sort(label.begin(), label.end());
  std::string all;
  for (const auto& l : label) all += l;
  return fmt::format("{}|q={}|m={}|{:016x}", formula(e.atomic_numbers), e.charge, e.multiplicity, fnv1a(all));
}

Split make_split(const DatasetReader& reader, const SplitOptions& o) {
  if (o.train < 0 || o.validation < 0 || o.test < 0 || std::abs(o.train + o.validation + o.test - 1.0) > 1e-9)
    throw Error(fmt::format("split fractions {}, {}, {} must be non-negative and sum to 1", o.train, o.validation,
                            o.test));
  std::map<std::string, Group> by_identity;
  std::vector<Group> groups;
  size_t total = 0;
  for (size_t i : reader.training_entries()) {
    const Entry e = reader.read(i, EntryParts::header);
    ++total;
    if (o.mode == SplitMode::entry) {
      groups.push_back({"", e.natoms(), {e.index}});
      continue;
    }
    Group& g = by_identity[molecule_identity(e)];
    g.natoms = e.natoms();
    g.indices.push_back(e.index);
  }
  for (auto& [identity, g] : by_identity) {
    g.identity = identity;
    groups.push_back(std::move(g));
  }
  if (o.mode == SplitMode::size)
    std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) { return a.natoms < b.natoms; });
  else
    seeded_shuffle(groups, o.seed);
  return cut(groups, total, o);
}

SplitMode split_mode_from_name(const std::string& name) {
  if (name == "molecule") return SplitMode::molecule;
  if (name == "size") return SplitMode::size;
  if (name == "entry") return SplitMode::entry;
  throw Error("unknown split mode '" + name + "' (molecule, size, entry)");
}

std::string split_mode_name(SplitMode mode) {
  switch (mode) {
    case SplitMode::molecule: return "molecule";
    case SplitMode::size: return "size";
    case SplitMode::entry: return "entry";
  }
  return "?";
}

void write_split(const std::filesystem::path& path, const std::filesystem::path& dataset, const SplitOptions& o,
                 const Split& s) {
  nlohmann::json j;
  j["dataset"] = dataset.string();
  j["mode"] = split_mode_name(o.mode);
  j["seed"] = o.seed;
  j["fractions"] = {{"train", o.train}, {"validation", o.validation}, {"test", o.test}};
  j["counts"] = {{"train", s.train.size()}, {"validation", s.validation.size()}, {"test", s.test.size()}};
  j["train"] = s.train;
  j["validation"] = s.validation;
  j["test"] = s.test;
  write_file_atomically(path, j.dump(1) + "\n");
}

Split read_split(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string(), 0, "cannot open split file");
  try {
    const auto j = nlohmann::json::parse(in);
    Split s;
    s.train = j.at("train").get<std::vector<std::int64_t>>();
    s.validation = j.at("validation").get<std::vector<std::int64_t>>();
    s.test = j.at("test").get<std::vector<std::int64_t>>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string(), 0, std::string("not a split file: ") + e.what());
  }
}

}  // namespace hamlet::data
