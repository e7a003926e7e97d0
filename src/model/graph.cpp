#include "model/graph.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet::model {
namespace eq = hamlet::equivariant;
namespace {

at::Tensor index_tensor(const std::vector<int64_t>& v) {
  return at::tensor(at::ArrayRef<int64_t>(v), at::kLong);
}

// Index tensor as a vector (component positions of a layout inside the union irreps).
std::vector<int64_t> to_vector(const at::Tensor& index) {
  const at::Tensor i = index.to(at::kLong).contiguous();
  return {i.data_ptr<int64_t>(), i.data_ptr<int64_t>() + i.numel()};
}

// The atoms of each element (group a) or the edges of each element pair (group a * ne + b),
// with the AO origins of their blocks: block conversions run once per group, not per row.
struct BlockGroup {
  std::vector<int64_t> rows;
  std::vector<std::pair<int, int>> origins;
};

std::vector<BlockGroup> onsite_groups(int n_elements, const std::vector<int>& el, const std::vector<int>& ao_begin) {
  std::vector<BlockGroup> groups(n_elements);
  for (size_t i = 0; i < el.size(); ++i) {
    groups[el[i]].rows.push_back(static_cast<int64_t>(i));
    groups[el[i]].origins.emplace_back(ao_begin[i], ao_begin[i]);
  }
  return groups;
}

std::vector<BlockGroup> offsite_groups(int n_elements, const std::vector<int>& el, const std::vector<int64_t>& src,
                                       const std::vector<int64_t>& dst, const std::vector<int>& ao_begin) {
  std::vector<BlockGroup> groups(n_elements * n_elements);
  for (size_t e = 0; e < src.size(); ++e) {
    BlockGroup& g = groups[el[src[e]] * n_elements + el[dst[e]]];
    g.rows.push_back(static_cast<int64_t>(e));
    g.origins.emplace_back(ao_begin[src[e]], ao_begin[dst[e]]);
  }
  return groups;
}

void check_matrix(const Eigen::MatrixXd& M, int nbf, const char* what) {
  if (M.rows() != nbf || M.cols() != nbf)
    throw Error(std::string("model input: ") + what + " is " + std::to_string(M.rows()) + "x" +
                std::to_string(M.cols()) + ", the basis has " + std::to_string(nbf) + " functions");
  if (!M.allFinite()) throw Error(std::string("model input: ") + what + " contains NaN or Inf");
}

}  // namespace

int ModelBasis::element_index(int Z) const {
  auto it = std::lower_bound(elements.begin(), elements.end(), Z);
  if (it == elements.end() || *it != Z)
    throw Error("the model was not trained on element " + std::string(element_symbol(Z)) + " (knows " +
                [&] {
                  std::string s;
                  for (int e : elements) s += std::string(s.empty() ? "" : " ") + std::string(element_symbol(e));
                  return s;
                }() + ")");
  return static_cast<int>(it - elements.begin());
}

ModelBasis make_model_basis(const BasisLibrary& library, const std::string& name,
                            std::vector<int> elements) {
  std::sort(elements.begin(), elements.end());
  elements.erase(std::unique(elements.begin(), elements.end()), elements.end());
  if (elements.empty()) throw Error("model basis: no elements");
  ModelBasis b;
  b.name = name;
  b.elements = elements;
  for (int Z : elements) {
    auto it = library.shells.find(Z);
    if (it == library.shells.end())
      throw Error("basis " + name + " has no functions for element " + std::string(element_symbol(Z)));
    for (const auto& sh : it->second) b.shell_ls[Z].push_back(sh.l);
  }
  b.irreps = eq::basis_irreps(b.shell_ls);
  const int n = b.n_elements();
  const int64_t u_on = b.irreps.onsite_union.dim(), u_off = b.irreps.offsite_union.dim();
  b.onsite_mask = at::zeros({n, u_on}, at::kDouble);
  b.onsite_multiplicity = at::zeros({n, u_on}, at::kDouble);
  b.offsite_mask = at::zeros({n * n, u_off}, at::kDouble);
  for (int a = 0; a < n; ++a) {
    const auto& layout = b.irreps.onsite.at(elements[a]);
    b.nao.push_back(layout.nao1);
    const auto idx = eq::embedding_indices(layout.irreps, b.irreps.onsite_union);
    b.onsite_index.push_back(index_tensor(idx));
    for (const auto& blk : layout.blocks)
      for (int c = 0; c < blk.irreps.dim(); ++c) {
        const int64_t u = idx[blk.start + c];
        b.onsite_mask[a][u] = 1.0;
        b.onsite_multiplicity[a][u] = blk.shell1 == blk.shell2 ? 1.0 : 2.0;
      }
  }
  for (int a = 0; a < n; ++a)
    for (int c = 0; c < n; ++c) {
      const auto& layout = b.irreps.offsite.at({elements[a], elements[c]});
      b.offsite_index.push_back(index_tensor(eq::embedding_indices(layout.irreps, b.irreps.offsite_union)));
      b.offsite_mask[a * n + c].index_fill_(0, b.offsite_index.back(), 1.0);
    }
  // Transposition maps, derived through the block algebra itself (exact signed permutations).
  for (int a = 0; a < n; ++a)
    for (int c = 0; c < n; ++c) {
      const auto& lab = b.irreps.offsite.at({elements[a], elements[c]});
      const auto& lba = b.irreps.offsite.at({elements[c], elements[a]});
      const int64_t d = lab.irreps.dim();
      at::Tensor blocks = eq::irreps_to_atom_pair(at::eye(d, at::kDouble), lab);
      at::Tensor T = eq::atom_pair_to_irreps(blocks.transpose(1, 2).contiguous(), lba).round();
      at::Tensor M = at::zeros({u_off, u_off}, at::kDouble);
      const auto& ia = b.offsite_index[a * n + c];
      const auto& ib = b.offsite_index[c * n + a];
      M.index_put_({ia.unsqueeze(1), ib.unsqueeze(0)}, T);
      // One nonzero (+-1) per column inside the layout: the column sum is its sign.
      b.transpose_index.push_back(M.abs().argmax(0));
      b.transpose_sign.push_back(M.sum(0));
      b.transpose_map.push_back(M);
    }
  return b;
}

MoleculeGraph make_graph(const ModelBasis& basis, const std::vector<int>& atomic_numbers,
                         const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions_bohr,
                         const Eigen::MatrixXd& S, const Eigen::MatrixXd& H_sap,
                         const Eigen::MatrixXd& target, double cutoff) {
  const int n = static_cast<int>(atomic_numbers.size());
  if (n == 0) throw Error("model input: a structure without atoms");
  if (positions_bohr.rows() != n) throw Error("model input: positions and atomic numbers differ in length");
  if (!positions_bohr.allFinite()) throw Error("model input: positions contain NaN or Inf");
  MoleculeGraph g;
  std::vector<int> el(n);
  g.ao_begin.assign(1, 0);
  for (int i = 0; i < n; ++i) {
    el[i] = basis.element_index(atomic_numbers[i]);
    g.ao_begin.push_back(g.ao_begin.back() + basis.nao[el[i]]);
  }
  const int nbf = g.ao_begin.back();
  check_matrix(S, nbf, "overlap matrix S");
  check_matrix(H_sap, nbf, "SAP matrix H_SAP");
  const bool has_target = target.size() > 0;
  if (has_target) check_matrix(target, nbf, "target matrix");

  g.element = at::tensor(std::vector<int64_t>(el.begin(), el.end()), at::kLong);
  g.positions = at::empty({n, 3}, at::kDouble);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 3; ++k) g.positions[i][k] = positions_bohr(i, k);

  std::vector<int64_t> src, dst;
  std::map<std::pair<int, int>, int64_t> edge_of;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j && (positions_bohr.row(i) - positions_bohr.row(j)).norm() < cutoff) {
        edge_of[{i, j}] = static_cast<int64_t>(src.size());
        src.push_back(i);
        dst.push_back(j);
      }
  const int64_t E = static_cast<int64_t>(src.size());
  std::vector<int64_t> rev(E);
  for (int64_t e = 0; e < E; ++e) rev[e] = edge_of.at({static_cast<int>(dst[e]), static_cast<int>(src[e])});
  g.edge_index = at::stack({index_tensor(src), index_tensor(dst)});
  g.reverse = index_tensor(rev);

  const int64_t u_on = basis.irreps.onsite_union.dim(), u_off = basis.irreps.offsite_union.dim();
  const int ne = basis.n_elements();
  const std::vector<BlockGroup> on_groups = onsite_groups(ne, el, g.ao_begin);
  const std::vector<BlockGroup> off_groups = offsite_groups(ne, el, src, dst, g.ao_begin);
  // Features of each atom (pair) at its layout's positions in the union irreps; plain loops over
  // the layouts' coupling terms (torch operations per group cost ~5 ms per QM9 molecule).
  auto features = [&](const Eigen::MatrixXd& M, const std::vector<BlockGroup>& groups, int64_t rows, int64_t width,
                      auto&& layout_of, auto&& index_of) {
    at::Tensor out = at::zeros({rows, width}, at::kDouble);
    double* o = out.data_ptr<double>();
    std::vector<double> coupled;
    for (size_t k = 0; k < groups.size(); ++k) {
      const BlockGroup& group = groups[k];
      if (group.rows.empty()) continue;
      const eq::AtomPairLayout& layout = layout_of(k);
      const std::vector<int64_t> index = to_vector(index_of(k));
      coupled.resize(index.size());
      for (size_t r = 0; r < group.rows.size(); ++r) {
        const auto [o1, o2] = group.origins[r];
        eq::atom_pair_to_irreps(M.data() + o1 + static_cast<int64_t>(o2) * nbf, 1, nbf, layout, coupled.data());
        double* row = o + group.rows[r] * width;
        for (size_t c = 0; c < index.size(); ++c) row[index[c]] = coupled[c];
      }
    }
    return out;
  };
  auto onsite_features = [&](const Eigen::MatrixXd& M) {
    return features(
        M, on_groups, n, u_on,
        [&](size_t a) -> const eq::AtomPairLayout& { return basis.irreps.onsite.at(basis.elements[a]); },
        [&](size_t a) -> const at::Tensor& { return basis.onsite_index[a]; });
  };
  auto edge_features = [&](const Eigen::MatrixXd& M) {
    return features(
        M, off_groups, E, u_off,
        [&](size_t k) -> const eq::AtomPairLayout& {
          return basis.irreps.offsite.at({basis.elements[k / ne], basis.elements[k % ne]});
        },
        [&](size_t k) -> const at::Tensor& { return basis.offsite_index[k]; });
  };
  g.onsite_sap = onsite_features(H_sap);
  g.edge_sap = edge_features(H_sap);
  g.edge_overlap = edge_features(S);
  if (has_target) {
    g.onsite_target = onsite_features(target);
    g.edge_target = edge_features(target);
  }
  return g;
}

void compact_for_training(MoleculeGraph& g, bool delta, at::ScalarType dtype) {
  if (delta && g.onsite_target.defined() && !g.target_is_correction) {
    g.onsite_target = g.onsite_target - g.onsite_sap;
    g.edge_target = g.edge_target - g.edge_sap;
    g.target_is_correction = true;
  }
  for (at::Tensor* t : {&g.onsite_sap, &g.edge_sap, &g.edge_overlap, &g.onsite_target, &g.edge_target})
    if (t->defined()) *t = t->to(dtype);
}

MoleculeGraph make_graph(const ModelBasis& basis, const Molecule& molecule, const Eigen::MatrixXd& S,
                         const Eigen::MatrixXd& H_sap, double cutoff) {
  std::vector<int> Z;
  Eigen::Matrix<double, Eigen::Dynamic, 3> positions(molecule.natoms(), 3);
  for (int i = 0; i < molecule.natoms(); ++i) {
    Z.push_back(molecule.atoms[i].Z);
    positions.row(i) = molecule.atoms[i].position.transpose();
  }
  return make_graph(basis, Z, positions, S, H_sap, Eigen::MatrixXd(), cutoff);
}

GraphBatch collate(const std::vector<const MoleculeGraph*>& graphs) {
  if (graphs.empty()) throw Error("collate: no molecules");
  GraphBatch b;
  std::vector<at::Tensor> el, pos, ei, rev, osap, esap, eov, ot, et, mol;
  int64_t node_offset = 0, edge_offset = 0;
  bool targets = true;
  if (!graphs.empty()) b.target_is_correction = graphs.front()->target_is_correction;
  for (size_t m = 0; m < graphs.size(); ++m) {
    const auto& g = *graphs[m];
    if (g.target_is_correction != b.target_is_correction)
      throw Error("model: a batch mixes graphs whose targets are F with graphs whose targets are F - H_SAP");
    const int64_t n = g.element.size(0);
    el.push_back(g.element);
    pos.push_back(g.positions);
    ei.push_back(g.edge_index + node_offset);
    rev.push_back(g.reverse + edge_offset);
    osap.push_back(g.onsite_sap);
    esap.push_back(g.edge_sap);
    eov.push_back(g.edge_overlap);
    targets = targets && g.onsite_target.defined();
    if (targets) {
      ot.push_back(g.onsite_target);
      et.push_back(g.edge_target);
    }
    mol.push_back(at::full({n}, static_cast<int64_t>(m), at::kLong));
    node_offset += n;
    edge_offset += g.edge_index.size(1);
  }
  b.element = at::cat(el);
  b.positions = at::cat(pos);
  b.edge_index = at::cat(ei, 1);
  b.reverse = at::cat(rev);
  b.onsite_sap = at::cat(osap);
  b.edge_sap = at::cat(esap);
  b.edge_overlap = at::cat(eov);
  if (targets) {
    b.onsite_target = at::cat(ot);
    b.edge_target = at::cat(et);
  }
  b.node_molecule = at::cat(mol);
  b.n_molecules = static_cast<int64_t>(graphs.size());
  return b;
}

Eigen::MatrixXd assemble_matrix(const ModelBasis& basis, const MoleculeGraph& graph,
                                const at::Tensor& onsite, const at::Tensor& offsite,
                                const Eigen::MatrixXd& outside) {
  const int nbf = graph.ao_begin.back();
  const int ne = basis.n_elements();
  Eigen::MatrixXd M = outside.size() ? outside : Eigen::MatrixXd::Zero(nbf, nbf);
  const at::Tensor on = onsite.to(at::kDouble).contiguous(), off = offsite.to(at::kDouble).contiguous();
  const at::Tensor element = graph.element.contiguous(), edges = graph.edge_index.contiguous();
  const std::vector<int> el(element.data_ptr<int64_t>(), element.data_ptr<int64_t>() + element.numel());
  const std::vector<int64_t> src(edges[0].data_ptr<int64_t>(), edges[0].data_ptr<int64_t>() + edges.size(1));
  const std::vector<int64_t> dst(edges[1].data_ptr<int64_t>(), edges[1].data_ptr<int64_t>() + edges.size(1));
  // Plain loops over the layouts' coupling terms: torch operations per atom and per edge cost
  // ~15 ms for a QM9 molecule, per element (pair) group ~3 ms.
  std::vector<double> coupled;
  auto put = [&](const at::Tensor& features, const BlockGroup& group, const at::Tensor& positions,
                 const eq::AtomPairLayout& layout) {
    if (group.rows.empty()) return;
    const std::vector<int64_t> index = to_vector(positions);
    const double* f = features.data_ptr<double>();
    const int64_t width = features.size(1);
    coupled.resize(index.size());
    for (size_t r = 0; r < group.rows.size(); ++r) {
      const double* row = f + group.rows[r] * width;
      for (size_t c = 0; c < index.size(); ++c) coupled[c] = row[index[c]];
      const auto [o1, o2] = group.origins[r];
      eq::irreps_to_atom_pair(coupled.data(), layout, M.data() + o1 + static_cast<int64_t>(o2) * nbf, 1, nbf);
    }
  };
  const std::vector<BlockGroup> on_groups = onsite_groups(ne, el, graph.ao_begin);
  for (int a = 0; a < ne; ++a)
    put(on, on_groups[a], basis.onsite_index[a], basis.irreps.onsite.at(basis.elements[a]));
  const std::vector<BlockGroup> off_groups = offsite_groups(ne, el, src, dst, graph.ao_begin);
  for (int a = 0; a < ne; ++a)
    for (int b = 0; b < ne; ++b)
      put(off, off_groups[basis.pair_group(a, b)], basis.offsite_index[basis.pair_group(a, b)],
          basis.irreps.offsite.at({basis.elements[a], basis.elements[b]}));
  return M;
}

}  // namespace hamlet::model
