#include "equivariant/irreps.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <numeric>

#include "core/error.hpp"

namespace hamlet::equivariant {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses a non-negative decimal integer that must span the whole of `s`.
bool parse_count(std::string_view s, int& value) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && ptr == s.data() + s.size();
}

[[noreturn]] void bad_irrep(std::string_view text, const std::string& why) {
  throw Error("malformed irrep '" + std::string(text) + "': " + why +
              " (expected e.g. '0e', '1o', '2y')");
}

}  // namespace

Irrep::Irrep(int l_, int p_) : l(l_), p(p_) {
  if (l < 0) throw Error("irrep degree l must be >= 0, got " + std::to_string(l));
  if (p != 1 && p != -1) throw Error("irrep parity must be +1 or -1, got " + std::to_string(p));
}

Irrep::Irrep(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() < 2) bad_irrep(text, "too short");
  char parity = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
  if (!parse_count(s.substr(0, s.size() - 1), l)) bad_irrep(text, "degree is not an integer");
  if (parity == 'e')
    p = 1;
  else if (parity == 'o')
    p = -1;
  else if (parity == 'y')
    p = spherical_harmonic_parity(l);
  else
    bad_irrep(text, "parity must be 'e', 'o' or 'y'");
}

std::string Irrep::str() const { return std::to_string(l) + (p == 1 ? "e" : "o"); }

std::vector<Irrep> Irrep::operator*(const Irrep& other) const {
  std::vector<Irrep> out;
  for (int L = std::abs(l - other.l); L <= l + other.l; ++L) out.emplace_back(L, p * other.p);
  return out;
}

std::strong_ordering Irrep::operator<=>(const Irrep& other) const {
  if (l != other.l) return l <=> other.l;
  return other.p <=> p;  // +1 (even) first
}

Irreps::Irreps(std::string_view text) {
  std::string_view rest = trim(text);
  if (rest.empty()) return;
  while (true) {
    size_t plus = rest.find('+');
    std::string_view term = trim(rest.substr(0, plus));
    if (term.empty())
      throw Error("malformed irreps '" + std::string(text) + "': empty term between '+' signs");
    int mul = 1;
    size_t x = term.find('x');
    if (x != std::string_view::npos) {
      if (!parse_count(trim(term.substr(0, x)), mul))
        throw Error("malformed irreps '" + std::string(text) + "': multiplicity in '" +
                    std::string(term) + "' is not a non-negative integer");
      term = term.substr(x + 1);
    }
    entries_.push_back({mul, Irrep(term)});
    if (plus == std::string_view::npos) break;
    rest = rest.substr(plus + 1);
  }
  build_slices();
}

Irreps::Irreps(std::vector<MulIrrep> entries) : entries_(std::move(entries)) {
  for (const auto& e : entries_)
    if (e.mul < 0) throw Error("irreps multiplicity must be >= 0, got " + std::to_string(e.mul));
  build_slices();
}

Irreps Irreps::spherical_harmonics(int lmax) {
  if (lmax < 0) throw Error("spherical harmonics need lmax >= 0");
  std::vector<MulIrrep> entries;
  for (int l = 0; l <= lmax; ++l) entries.push_back({1, Irrep(l, spherical_harmonic_parity(l))});
  return Irreps(std::move(entries));
}

void Irreps::build_slices() {
  slices_.clear();
  dim_ = 0;
  for (const auto& e : entries_) {
    slices_.push_back({dim_, e.dim()});
    dim_ += e.dim();
  }
}

int Irreps::num_irreps() const {
  int n = 0;
  for (const auto& e : entries_) n += e.mul;
  return n;
}

int Irreps::lmax() const {
  if (entries_.empty()) throw Error("lmax of empty irreps");
  int lmax = 0;
  for (const auto& e : entries_) lmax = std::max(lmax, e.ir.l);
  return lmax;
}

int Irreps::count(const Irrep& ir) const {
  int n = 0;
  for (const auto& e : entries_)
    if (e.ir == ir) n += e.mul;
  return n;
}

Irreps::Sorted Irreps::sort() const {
  Sorted out;
  out.perm.resize(entries_.size());
  std::iota(out.perm.begin(), out.perm.end(), 0);
  std::stable_sort(out.perm.begin(), out.perm.end(),
                   [&](int a, int b) { return entries_[a].ir < entries_[b].ir; });
  out.inv.resize(entries_.size());
  std::vector<MulIrrep> sorted;
  for (size_t i = 0; i < out.perm.size(); ++i) {
    out.inv[out.perm[i]] = static_cast<int>(i);
    sorted.push_back(entries_[out.perm[i]]);
  }
  out.irreps = Irreps(std::move(sorted));
  return out;
}

Irreps Irreps::simplify() const {
  std::vector<MulIrrep> merged;
  for (const auto& e : entries_) {
    if (e.mul == 0) continue;
    if (!merged.empty() && merged.back().ir == e.ir)
      merged.back().mul += e.mul;
    else
      merged.push_back(e);
  }
  return Irreps(std::move(merged));
}

Irreps Irreps::canonical() const { return sort().irreps.simplify(); }

std::string Irreps::str() const {
  std::string s;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i) s += "+";
    s += std::to_string(entries_[i].mul) + "x" + entries_[i].ir.str();
  }
  return s;
}

Irreps Irreps::operator+(const Irreps& other) const {
  std::vector<MulIrrep> all = entries_;
  all.insert(all.end(), other.entries_.begin(), other.entries_.end());
  return Irreps(std::move(all));
}

}  // namespace hamlet::equivariant
