#include "model/orbital_energy_loss.hpp"

#include <ATen/ATen.h>

#include <Eigen/Eigenvalues>
#include <string>

#include "core/error.hpp"

namespace hamlet::model {
namespace eq = hamlet::equivariant;
namespace {

at::Tensor to_tensor(const Eigen::MatrixXd& M) {
  at::Tensor t = at::empty({M.rows(), M.cols()}, at::kDouble);
  auto a = t.accessor<double, 2>();
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j) a[i][j] = M(i, j);
  return t;
}

at::Tensor to_tensor(const Eigen::VectorXd& v) {
  at::Tensor t = at::empty({v.size()}, at::kDouble);
  auto a = t.accessor<double, 1>();
  for (Eigen::Index i = 0; i < v.size(); ++i) a[i] = v(i);
  return t;
}

// [U_union, nao1 * nao2]: row u holds the AO block of the unit vector e_u of the union space
// (zero rows outside the group's layout), so blocks = rows @ matrix.
at::Tensor unpacking_matrix(const eq::AtomPairLayout& layout, const at::Tensor& union_index, int64_t union_dim) {
  const int64_t d = layout.irreps.dim();
  const at::Tensor blocks = eq::irreps_to_atom_pair(at::eye(d, at::kDouble), layout).reshape({d, -1});
  return at::zeros({union_dim, blocks.size(1)}, at::kDouble).index_copy(0, union_index, blocks);
}

}  // namespace

at::Tensor to_double_tensor(const Eigen::MatrixXd& M) { return to_tensor(M); }

FilteredOrthonormalBasis filtered_orthonormal_basis(const data::Entry& e, const ModelConfig& config) {
  const std::string where = "entry " + std::to_string(e.index) + " (" + e.source + ")";
  const int nbf = e.nbf;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(e.S);
  if (es.info() != Eigen::Success || es.eigenvalues().minCoeff() <= 0.0)
    throw Error(where + ": the overlap matrix is not positive definite");
  const double tau = config.delta() ? config.overlap_filter : 0.0;
  FilteredOrthonormalBasis b;
  // Kept directions first (largest overlap eigenvalues first), then the dropped ones.
  b.V.resize(nbf, nbf);
  for (int i = nbf - 1; i >= 0; --i, ++b.kept) {
    const double s = es.eigenvalues()(i);
    if (s < tau) break;
    b.V.col(b.kept) = es.eigenvectors().col(i) / std::sqrt(s);
  }
  b.kept_overlap = es.eigenvalues().tail(b.kept).reverse();
  for (int i = nbf - 1 - b.kept, c = b.kept; i >= 0; --i, ++c)
    b.V.col(c) = es.eigenvectors().col(i) / std::sqrt(es.eigenvalues()(i));
  const Eigen::MatrixXd H =
      config.delta() ? Eigen::MatrixXd(0.5 * (e.H_sap + e.H_sap.transpose())) : Eigen::MatrixXd::Zero(nbf, nbf);
  b.baseline = b.V.transpose() * H * b.V;
  b.baseline = (0.5 * (b.baseline + b.baseline.transpose())).eval();
  return b;
}

Eigen::MatrixXd FilteredOrthonormalBasis::shift_weights() const {
  // P = U U^T = G diag(s) G^T with G = U s^{-1/2}, the kept columns of V.
  const Eigen::MatrixXd G = V.leftCols(kept);
  return G * (kept_overlap / kept_overlap.sum()).asDiagonal() * G.transpose();
}

OrbitalEnergyTarget make_orbital_energy_target(const data::Entry& e, const ModelConfig& config, int virtuals) {
  const std::string where = "entry " + std::to_string(e.index) + " (" + e.source + ")";
  if (e.orbital_energies.size() != 1 || e.orbital_energies[0].size() != e.nbf)
    throw Error(where + ": no restricted orbital energies for the orbital-energy loss");
  if (config.delta() && e.H_sap.rows() != e.nbf) throw Error(where + ": no H_SAP for the orbital-energy loss");
  OrbitalEnergyTarget t;
  t.occupied = e.nalpha;
  const int k = std::min(e.nbf, e.nalpha + std::max(0, virtuals));
  const FilteredOrthonormalBasis ob = filtered_orthonormal_basis(e, config);
  const Eigen::MatrixXd& baseline = ob.baseline;
  t.baseline = to_tensor(baseline);
  t.projection = to_tensor(Eigen::MatrixXd(ob.V.leftCols(ob.kept)));
  t.reference = to_tensor(Eigen::VectorXd(e.orbital_energies[0].head(k)));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> base(baseline, Eigen::EigenvaluesOnly);
  t.baseline_energies = to_tensor(Eigen::VectorXd(base.eigenvalues().head(k)));
  if (ob.kept > 0 && ob.kept < e.nbf) {
    t.shift_weights = to_tensor(ob.shift_weights());
    Eigen::VectorXd dropped = Eigen::VectorXd::Zero(e.nbf);
    dropped.tail(e.nbf - ob.kept).setOnes();
    t.dropped = to_tensor(dropped);
  }
  return t;
}

double baseline_mean_squared_error(const std::vector<const OrbitalEnergyTarget*>& targets) {
  double sum = 0, count = 0;
  for (const auto* t : targets) {
    sum += (t->baseline_energies - t->reference).pow(2).sum().item<double>();
    count += static_cast<double>(t->reference.numel());
  }
  return count > 0 ? sum / count : 0.0;
}

BlockUnpacking::BlockUnpacking(const ModelBasis& basis) : basis_(&basis) {
  const int n = basis.n_elements();
  const int64_t u_on = basis.irreps.onsite_union.dim(), u_off = basis.irreps.offsite_union.dim();
  for (int a = 0; a < n; ++a)
    onsite_.push_back(unpacking_matrix(basis.irreps.onsite.at(basis.elements[a]), basis.onsite_index[a], u_on));
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      offsite_.push_back(unpacking_matrix(basis.irreps.offsite.at({basis.elements[a], basis.elements[b]}),
                                          basis.offsite_index[basis.pair_group(a, b)], u_off));
}

std::vector<at::Tensor> BlockUnpacking::matrices(const std::vector<const MoleculeGraph*>& graphs,
                                                 const at::Tensor& onsite, const at::Tensor& offsite) const {
  const ModelBasis& basis = *basis_;
  const int nel = basis.n_elements();
  // Rows of each group and the flat positions (in the concatenated matrices) of their blocks.
  std::vector<std::vector<int64_t>> on_rows(nel), on_pos(nel), off_rows(nel * nel), off_pos(nel * nel);
  std::vector<int64_t> matrix_start{0};
  int64_t node = 0, edge = 0;
  for (const MoleculeGraph* g : graphs) {
    const int64_t nbf = g->ao_begin.back(), start = matrix_start.back();
    const auto el = g->element.accessor<int64_t, 1>();
    auto place = [&](std::vector<int64_t>& pos, int i, int j, int a, int b) {
      for (int p = 0; p < basis.nao[a]; ++p)
        for (int q = 0; q < basis.nao[b]; ++q) pos.push_back(start + (g->ao_begin[i] + p) * nbf + g->ao_begin[j] + q);
    };
    for (int i = 0; i < static_cast<int>(el.size(0)); ++i) {
      const int a = static_cast<int>(el[i]);
      on_rows[a].push_back(node + i);
      place(on_pos[a], i, i, a, a);
    }
    const auto ei = g->edge_index.accessor<int64_t, 2>();
    for (int64_t e = 0; e < ei.size(1); ++e) {
      const int i = static_cast<int>(ei[0][e]), j = static_cast<int>(ei[1][e]);
      const int a = static_cast<int>(el[i]), b = static_cast<int>(el[j]);
      off_rows[basis.pair_group(a, b)].push_back(edge + e);
      place(off_pos[basis.pair_group(a, b)], i, j, a, b);
    }
    node += el.size(0);
    edge += ei.size(1);
    matrix_start.push_back(start + nbf * nbf);
  }
  const at::Tensor on = onsite.to(at::kDouble), off = offsite.to(at::kDouble);
  at::Tensor flat = at::zeros({matrix_start.back()}, on.options());
  auto add = [&](const at::Tensor& rows_of, const std::vector<int64_t>& rows, const std::vector<int64_t>& pos,
                 const at::Tensor& unpack) {
    if (rows.empty()) return;
    const at::Tensor r = at::tensor(at::ArrayRef<int64_t>(rows), at::kLong);
    const at::Tensor p = at::tensor(at::ArrayRef<int64_t>(pos), at::kLong);
    flat = flat.index_add(0, p, at::matmul(rows_of.index_select(0, r), unpack).reshape({-1}));
  };
  for (int a = 0; a < nel; ++a) add(on, on_rows[a], on_pos[a], onsite_[a]);
  for (int g = 0; g < nel * nel; ++g) add(off, off_rows[g], off_pos[g], offsite_[g]);
  std::vector<at::Tensor> out;
  for (size_t k = 0; k < graphs.size(); ++k) {
    const int64_t nbf = graphs[k]->ao_begin.back();
    out.push_back(flat.narrow(0, matrix_start[k], nbf * nbf).view({nbf, nbf}));
  }
  return out;
}

at::Tensor predicted_orbital_energies(const OrbitalEnergyTarget& t, const at::Tensor& network_matrix) {
  const at::Tensor G = t.projection;
  const int64_t nbf = t.baseline.size(0), kept = G.size(1);
  at::Tensor D = network_matrix.to(at::kDouble);
  D = 0.5 * (D + D.transpose(0, 1));
  at::Tensor correction = at::constant_pad_nd(at::matmul(G.t(), at::matmul(D, G)), {0, nbf - kept, 0, nbf - kept});
  if (t.shift_weights.defined()) correction = correction + at::diag(t.dropped * (D * t.shift_weights).sum());
  return at::linalg_eigvalsh(t.baseline + correction, "L").narrow(0, 0, t.reference.size(0));
}

}  // namespace hamlet::model
