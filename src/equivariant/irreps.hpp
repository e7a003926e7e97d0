#pragma once
// Irreducible representations of O(3) and their direct sums, e3nn style ("32x0e+16x1o").
// Plain value types without libtorch, so non-torch code (e.g. the basis layer) may use them.
//
// Data layout of a feature vector with irreps "a x l1 p1 + b x l2 p2 + ...": entries one after
// the other; inside an entry of multiplicity `mul` and degree l, `mul` consecutive copies of the
// 2l+1 components (channel-major: index = u * (2l+1) + m_index, m = -l..l).
#include <compare>
#include <string>
#include <string_view>
#include <vector>

namespace hamlet::equivariant {

// One irrep: degree l >= 0 and parity p = +1 ("e", even) or -1 ("o", odd).
struct Irrep {
  int l = 0;
  int p = 1;

  Irrep() = default;
  Irrep(int l_, int p_);
  // Parses "2e", "1o" or "3y" (y = the parity of a spherical harmonic, (-1)^l).
  explicit Irrep(std::string_view text);

  int dim() const { return 2 * l + 1; }
  std::string str() const;
  // Parity-allowed irreps of the tensor product: |l1-l2|..l1+l2 with parity p1*p2.
  std::vector<Irrep> operator*(const Irrep& other) const;

  bool operator==(const Irrep&) const = default;
  // Sort order: by l, then even before odd.
  std::strong_ordering operator<=>(const Irrep& other) const;
};

// Parity of the degree-l spherical harmonic, (-1)^l.
inline int spherical_harmonic_parity(int l) { return l % 2 == 0 ? 1 : -1; }

struct MulIrrep {
  int mul = 0;
  Irrep ir;
  int dim() const { return mul * ir.dim(); }
  bool operator==(const MulIrrep&) const = default;
};

// A contiguous range [start, start + size) of a feature vector.
struct Slice {
  int start = 0;
  int size = 0;
  int stop() const { return start + size; }
};

class Irreps {
 public:
  Irreps() = default;
  // Parses e3nn strings: "32x0e+16x1o", "0e + 1o" (multiplicity 1), "" (empty), "0x2e".
  // Throws hamlet::Error on malformed input.
  Irreps(std::string_view text);  // NOLINT(google-explicit-constructor): "1o" reads naturally
  Irreps(const char* text) : Irreps(std::string_view(text)) {}
  Irreps(const std::string& text) : Irreps(std::string_view(text)) {}
  explicit Irreps(std::vector<MulIrrep> entries);

  // 1x0e + 1x1o + ... + 1x(lmax)p with p = (-1)^l, the irreps of spherical harmonics.
  static Irreps spherical_harmonics(int lmax);

  // Total number of components.
  int dim() const { return dim_; }
  // Number of irreps counted with multiplicity.
  int num_irreps() const;
  // Largest l; throws on empty irreps.
  int lmax() const;
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const MulIrrep& operator[](size_t i) const { return entries_[i]; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  const std::vector<MulIrrep>& entries() const { return entries_; }

  // Component range of entry i, and all of them.
  Slice slice(size_t i) const { return slices_[i]; }
  const std::vector<Slice>& slices() const { return slices_; }
  // Total multiplicity of an irrep over all entries.
  int count(const Irrep& ir) const;

  // Sorted entries (stable) with the permutation: sorted[i] = entries[perm[i]], inv = perm^-1.
  struct Sorted;
  Sorted sort() const;
  // Merges neighbouring equal irreps and drops zero multiplicities ("1o+1o+0x0e" -> "2x1o").
  Irreps simplify() const;
  // sort().irreps.simplify(): a canonical form for comparing spaces.
  Irreps canonical() const;

  std::string str() const;
  bool operator==(const Irreps& other) const { return entries_ == other.entries_; }
  Irreps operator+(const Irreps& other) const;

 private:
  void build_slices();
  std::vector<MulIrrep> entries_;
  std::vector<Slice> slices_;
  int dim_ = 0;
};

struct Irreps::Sorted {
  Irreps irreps;
  std::vector<int> perm;
  std::vector<int> inv;
};

}  // namespace hamlet::equivariant
