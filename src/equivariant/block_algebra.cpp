#include "equivariant/block_algebra.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/error.hpp"
#include "equivariant/so3.hpp"

namespace hamlet::equivariant {
namespace {

void check_shell_pair(int l1, int l2) {
  if (l1 < 0 || l2 < 0 || l1 + l2 > kMaxL)
    throw Error("block algebra: shell pair (" + std::to_string(l1) + ", " + std::to_string(l2) +
                ") needs L up to " + std::to_string(l1 + l2) + " > " + std::to_string(kMaxL));
}

const at::Tensor& coupling_matrix_double(int l1, int l2) {
  check_shell_pair(l1, l2);
  static std::mutex mutex;
  static std::map<std::pair<int, int>, at::Tensor> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find({l1, l2});
  if (it != cache.end()) return it->second;
  const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1;
  at::Tensor Q = at::zeros({n1 * n2, n1 * n2}, at::kDouble);
  auto q = Q.accessor<double, 2>();
  int col = 0;
  for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
    const int n3 = 2 * L + 1;
    const auto& w = wigner_3j(l1, l2, L);
    const double scale = std::sqrt(static_cast<double>(n3));
    for (int ab = 0; ab < n1 * n2; ++ab)
      for (int M = 0; M < n3; ++M) q[ab][col + M] = scale * w[ab * n3 + M];
    col += n3;
  }
  return cache.emplace(std::make_pair(l1, l2), Q).first->second;
}

// Columns of Q kept for a shell pair: all, or the even L of a diagonal on-site pair.
at::Tensor kept_coupling_matrix(const ShellPairBlock& b, const at::TensorOptions& opts) {
  at::Tensor Q = coupling_matrix_double(b.l1, b.l2);
  if (b.symmetric_only) {
    std::vector<at::Tensor> cols;
    int col = 0;
    for (int L = 0; L <= 2 * b.l1; ++L) {
      if (L % 2 == 0) cols.push_back(Q.narrow(1, col, 2 * L + 1));
      col += 2 * L + 1;
    }
    Q = at::cat(cols, 1);
  }
  return Q.to(opts);
}

void check_block_shape(const at::Tensor& t, int64_t rows, int64_t cols, const char* what) {
  if (t.dim() < 2 || t.size(-2) != rows || t.size(-1) != cols)
    throw Error(std::string(what) + ": expected blocks [..., " + std::to_string(rows) + ", " +
                std::to_string(cols) + "]");
}

void check_last_dim(const at::Tensor& t, int64_t dim, const char* what) {
  if (t.dim() < 1 || t.size(-1) != dim)
    throw Error(std::string(what) + ": expected features [..., " + std::to_string(dim) + "]");
}

std::vector<int> shell_offsets(const std::vector<int>& ls, int& nao) {
  std::vector<int> offsets;
  nao = 0;
  for (int l : ls) {
    if (l < 0) throw Error("block algebra: negative shell angular momentum");
    offsets.push_back(nao);
    nao += 2 * l + 1;
  }
  return offsets;
}

// Irreps present in any of the layouts, with the largest multiplicity found, sorted.
Irreps union_of(const std::vector<const AtomPairLayout*>& layouts) {
  std::map<Irrep, int> most;
  for (const auto* layout : layouts) {
    std::map<Irrep, int> here;
    for (const auto& e : layout->irreps) here[e.ir] += e.mul;
    for (const auto& [ir, n] : here) most[ir] = std::max(most[ir], n);
  }
  std::vector<MulIrrep> entries;
  for (const auto& [ir, n] : most) entries.push_back({n, ir});
  return Irreps(std::move(entries));
}

}  // namespace

Irreps block_irreps(int l1, int l2) {
  check_shell_pair(l1, l2);
  std::vector<MulIrrep> entries;
  const int p = (l1 + l2) % 2 == 0 ? 1 : -1;
  for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) entries.push_back({1, Irrep(L, p)});
  return Irreps(std::move(entries));
}

at::Tensor block_coupling_matrix(int l1, int l2, at::ScalarType dtype) {
  return coupling_matrix_double(l1, l2).to(dtype);
}

at::Tensor block_to_irreps(const at::Tensor& blocks, int l1, int l2) {
  const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1;
  check_block_shape(blocks, n1, n2, "block_to_irreps");
  at::Tensor Q = coupling_matrix_double(l1, l2).to(blocks.options());
  return at::matmul(blocks.flatten(-2, -1), Q);
}

at::Tensor irreps_to_block(const at::Tensor& coupled, int l1, int l2) {
  const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1;
  check_last_dim(coupled, n1 * n2, "irreps_to_block");
  at::Tensor Q = coupling_matrix_double(l1, l2).to(coupled.options());
  return at::matmul(coupled, Q.t()).unflatten(-1, {n1, n2});
}

namespace {

// The nonzeros of each block's (kept) coupling matrix, in the order of the layout's components.
void add_coupling_terms(AtomPairLayout& layout) {
  for (const auto& b : layout.blocks) {
    const at::Tensor Q = kept_coupling_matrix(b, at::TensorOptions().dtype(at::kDouble)).contiguous();
    const auto q = Q.accessor<double, 2>();
    const int n2 = 2 * b.l2 + 1;
    for (int64_t c = 0; c < Q.size(1); ++c)
      for (int64_t ab = 0; ab < Q.size(0); ++ab)
        if (q[ab][c] != 0.0)
          layout.terms.push_back({b.ao1 + static_cast<int>(ab) / n2, b.ao2 + static_cast<int>(ab) % n2,
                                  b.start + static_cast<int>(c), q[ab][c], layout.onsite && b.shell1 != b.shell2});
  }
}

}  // namespace

void atom_pair_to_irreps(const double* B, int64_t row_stride, int64_t col_stride, const AtomPairLayout& layout,
                         double* coupled) {
  std::fill(coupled, coupled + layout.irreps.dim(), 0.0);
  for (const auto& t : layout.terms) coupled[t.component] += t.weight * B[t.row * row_stride + t.col * col_stride];
}

void irreps_to_atom_pair(const double* coupled, const AtomPairLayout& layout, double* B, int64_t row_stride,
                         int64_t col_stride) {
  for (int r = 0; r < layout.nao1; ++r)
    for (int c = 0; c < layout.nao2; ++c) B[r * row_stride + c * col_stride] = 0.0;
  for (const auto& t : layout.terms) {
    const double v = t.weight * coupled[t.component];
    B[t.row * row_stride + t.col * col_stride] += v;
    if (t.mirror) B[t.col * row_stride + t.row * col_stride] += v;
  }
}

AtomPairLayout offsite_layout(const std::vector<int>& shell_ls1, const std::vector<int>& shell_ls2) {
  AtomPairLayout layout;
  auto off1 = shell_offsets(shell_ls1, layout.nao1);
  auto off2 = shell_offsets(shell_ls2, layout.nao2);
  int start = 0;
  for (size_t s1 = 0; s1 < shell_ls1.size(); ++s1)
    for (size_t s2 = 0; s2 < shell_ls2.size(); ++s2) {
      ShellPairBlock b;
      b.shell1 = static_cast<int>(s1);
      b.shell2 = static_cast<int>(s2);
      b.l1 = shell_ls1[s1];
      b.l2 = shell_ls2[s2];
      b.ao1 = off1[s1];
      b.ao2 = off2[s2];
      b.irreps = block_irreps(b.l1, b.l2);
      b.start = start;
      start += b.irreps.dim();
      layout.irreps = layout.irreps + b.irreps;
      layout.blocks.push_back(std::move(b));
    }
  add_coupling_terms(layout);
  return layout;
}

AtomPairLayout onsite_layout(const std::vector<int>& shell_ls) {
  AtomPairLayout layout;
  layout.onsite = true;
  auto off = shell_offsets(shell_ls, layout.nao1);
  layout.nao2 = layout.nao1;
  int start = 0;
  for (size_t s1 = 0; s1 < shell_ls.size(); ++s1)
    for (size_t s2 = s1; s2 < shell_ls.size(); ++s2) {
      ShellPairBlock b;
      b.shell1 = static_cast<int>(s1);
      b.shell2 = static_cast<int>(s2);
      b.l1 = shell_ls[s1];
      b.l2 = shell_ls[s2];
      b.ao1 = off[s1];
      b.ao2 = off[s2];
      b.symmetric_only = s1 == s2;
      if (b.symmetric_only) {
        check_shell_pair(b.l1, b.l2);
        std::vector<MulIrrep> even;
        for (int L = 0; L <= 2 * b.l1; L += 2) even.push_back({1, Irrep(L, 1)});
        b.irreps = Irreps(std::move(even));
      } else {
        b.irreps = block_irreps(b.l1, b.l2);
      }
      b.start = start;
      start += b.irreps.dim();
      layout.irreps = layout.irreps + b.irreps;
      layout.blocks.push_back(std::move(b));
    }
  add_coupling_terms(layout);
  return layout;
}

at::Tensor atom_pair_to_irreps(const at::Tensor& blocks, const AtomPairLayout& layout) {
  check_block_shape(blocks, layout.nao1, layout.nao2, "atom_pair_to_irreps");
  std::vector<at::Tensor> parts;
  for (const auto& b : layout.blocks) {
    at::Tensor sub = blocks.narrow(-2, b.ao1, 2 * b.l1 + 1).narrow(-1, b.ao2, 2 * b.l2 + 1);
    parts.push_back(at::matmul(sub.flatten(-2, -1), kept_coupling_matrix(b, blocks.options())));
  }
  if (parts.empty()) {
    auto shape = blocks.sizes().vec();
    shape.resize(shape.size() - 2);
    shape.push_back(0);
    return at::zeros(shape, blocks.options());
  }
  return at::cat(parts, -1);
}

at::Tensor irreps_to_atom_pair(const at::Tensor& coupled, const AtomPairLayout& layout) {
  check_last_dim(coupled, layout.irreps.dim(), "irreps_to_atom_pair");
  auto shape = coupled.sizes().vec();
  shape.back() = layout.nao1;
  shape.push_back(layout.nao2);
  at::Tensor out = at::zeros(shape, coupled.options());
  for (const auto& b : layout.blocks) {
    const int n1 = 2 * b.l1 + 1, n2 = 2 * b.l2 + 1;
    at::Tensor Q = kept_coupling_matrix(b, coupled.options());
    at::Tensor block = at::matmul(coupled.narrow(-1, b.start, b.irreps.dim()), Q.t())
                           .unflatten(-1, {n1, n2});
    out.narrow(-2, b.ao1, n1).narrow(-1, b.ao2, n2).copy_(block);
    if (layout.onsite && b.shell1 != b.shell2)
      out.narrow(-2, b.ao2, n2).narrow(-1, b.ao1, n1).copy_(block.transpose(-1, -2));
  }
  return out;
}

BasisIrreps basis_irreps(const std::map<int, std::vector<int>>& shell_ls_by_element) {
  BasisIrreps out;
  std::vector<const AtomPairLayout*> on, off;
  for (const auto& [z, ls] : shell_ls_by_element) {
    on.push_back(&out.onsite.emplace(z, onsite_layout(ls)).first->second);
    for (const auto& [z2, ls2] : shell_ls_by_element)
      off.push_back(&out.offsite.emplace(std::make_pair(z, z2), offsite_layout(ls, ls2)).first->second);
  }
  out.onsite_union = union_of(on);
  out.offsite_union = union_of(off);
  return out;
}

std::vector<int64_t> embedding_indices(const Irreps& part, const Irreps& whole) {
  // Start offsets of each copy of each irrep in `whole`, consumed in order.
  std::map<Irrep, std::vector<int>> copies;
  for (size_t i = 0; i < whole.size(); ++i)
    for (int u = 0; u < whole[i].mul; ++u)
      copies[whole[i].ir].push_back(whole.slice(i).start + u * whole[i].ir.dim());
  std::map<Irrep, size_t> used;
  std::vector<int64_t> index;
  for (const auto& e : part)
    for (int u = 0; u < e.mul; ++u) {
      size_t k = used[e.ir]++;
      const auto& c = copies[e.ir];
      if (k >= c.size())
        throw Error("embedding_indices: " + whole.str() + " has fewer than " +
                    std::to_string(k + 1) + " copies of " + e.ir.str());
      for (int m = 0; m < e.ir.dim(); ++m) index.push_back(c[k] + m);
    }
  return index;
}

}  // namespace hamlet::equivariant
