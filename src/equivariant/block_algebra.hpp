#pragma once
// Hamiltonian block algebra: an AO block B between shells l1 and l2 (hamlet AO order, m = -l..l)
// transforms as D^l1 B D^l2^T; the real Clebsch–Gordan coefficients turn it into the direct sum
// of irreps L = |l1-l2|..l1+l2 with parity (-1)^(l1+l2) by an orthogonal change of basis:
//   coupled[L, M] = sqrt(2L+1) sum_{m1 m2} W^{l1 l2 L}[m1, m2, M] B[m1, m2].
// Atom-pair layouts apply this to every shell pair of two atoms.
#include <ATen/core/Tensor.h>

#include <map>
#include <utility>
#include <vector>

#include "equivariant/irreps.hpp"

namespace hamlet::equivariant {

// 1xL p for L = |l1-l2|..l1+l2, p = (-1)^(l1+l2).
Irreps block_irreps(int l1, int l2);

// Orthogonal Q [(2l1+1)(2l2+1), (2l1+1)(2l2+1)] with coupled = vec(B) Q (vec row-major).
at::Tensor block_coupling_matrix(int l1, int l2, at::ScalarType dtype);

// Batched blocks [n, 2l1+1, 2l2+1] <-> [n, block_irreps(l1, l2).dim()]. Differentiable.
at::Tensor block_to_irreps(const at::Tensor& blocks, int l1, int l2);
at::Tensor irreps_to_block(const at::Tensor& coupled, int l1, int l2);

// One shell pair inside an atom-pair block.
struct ShellPairBlock {
  int shell1 = 0, shell2 = 0;  // shell indices on atom 1 and atom 2
  int l1 = 0, l2 = 0;
  int ao1 = 0, ao2 = 0;        // first AO of each shell inside its atom
  bool symmetric_only = false;  // on-site diagonal shell pair: only the even L (symmetric part)
  Irreps irreps;               // irreps of this shell pair in the layout
  int start = 0;               // first component in the layout's feature vector
};

// The irreps of all shell pairs of an atom pair, concatenated in shell-pair order.
// Off-site (two atoms, shells1 x shells2): every shell pair, all L.
// On-site (one atom, the block is symmetric): shell pairs s1 <= s2; for s1 == s2 only the even L,
// which carry the symmetric part of the block; the other triangle follows by transposition.
// One nonzero of the change of basis: component `component` of the layout's feature vector
// has weight * B[row, col] (B the atom-pair block). `mirror`: an on-site term between two
// different shells, which also stands for B[col, row] when features become a block.
struct CouplingTerm {
  int row = 0, col = 0, component = 0;
  double weight = 0.0;
  bool mirror = false;
};

struct AtomPairLayout {
  std::vector<ShellPairBlock> blocks;
  Irreps irreps;
  int nao1 = 0, nao2 = 0;
  bool onsite = false;
  std::vector<CouplingTerm> terms;  // the conversions below as a sparse map, for plain arrays
};

AtomPairLayout offsite_layout(const std::vector<int>& shell_ls1, const std::vector<int>& shell_ls2);
AtomPairLayout onsite_layout(const std::vector<int>& shell_ls);

// Atom-pair blocks [n, nao1, nao2] <-> [n, layout.irreps.dim()]. Exact (orthogonal) round trip
// for off-site blocks and for symmetric on-site blocks; irreps_to_atom_pair of an on-site layout
// always returns symmetric blocks.
at::Tensor atom_pair_to_irreps(const at::Tensor& blocks, const AtomPairLayout& layout);
at::Tensor irreps_to_atom_pair(const at::Tensor& coupled, const AtomPairLayout& layout);

// The same two conversions for one block in plain arrays, without torch operations (inference
// converts ~10^2 blocks per molecule, and per-block torch calls cost ~10x the arithmetic).
// Element (r, c) of the block is B[r * row_stride + c * col_stride]; `coupled` holds
// layout.irreps.dim() values. irreps_to_atom_pair overwrites the whole nao1 x nao2 block.
void atom_pair_to_irreps(const double* B, int64_t row_stride, int64_t col_stride, const AtomPairLayout& layout,
                         double* coupled);
void irreps_to_atom_pair(const double* coupled, const AtomPairLayout& layout, double* B, int64_t row_stride,
                         int64_t col_stride);

// Layouts of a whole basis given the shell l's of each element (keyed by Z), plus the smallest
// sorted irreps that contain every on-site (resp. off-site) layout: the output irreps a model
// predicts before selecting the components of one element or element pair.
struct BasisIrreps {
  std::map<int, AtomPairLayout> onsite;
  std::map<std::pair<int, int>, AtomPairLayout> offsite;  // every ordered element pair
  Irreps onsite_union;
  Irreps offsite_union;
};
BasisIrreps basis_irreps(const std::map<int, std::vector<int>>& shell_ls_by_element);

// Index of each component of `part` inside a feature vector with irreps `whole`: the k-th copy
// of an irrep in `part` goes to the k-th copy of that irrep in `whole`. Throws if `whole` lacks
// copies. Use with index_select to cut a layout out of a union-irreps prediction.
std::vector<int64_t> embedding_indices(const Irreps& part, const Irreps& whole);

}  // namespace hamlet::equivariant
