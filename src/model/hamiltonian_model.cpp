#include "model/hamiltonian_model.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>

#include "core/error.hpp"
#include "equivariant/spherical_harmonics.hpp"

namespace hamlet::model {
namespace eq = hamlet::equivariant;
using eq::Irrep;
using eq::Irreps;

namespace {

const Irrep kScalar(0, 1);

// Gate around irreps whose 0e part comes first: scalars, one gate per other irrep, the gated.
struct GateSpec {
  Irreps scalars, gates, gated;
  Irreps input() const { return scalars + gates + gated; }
};
GateSpec gate_spec(const Irreps& irreps) {
  std::vector<eq::MulIrrep> s, g;
  for (const auto& e : irreps) (e.ir == kScalar ? s : g).push_back(e);
  GateSpec spec{Irreps(s), Irreps(), Irreps(g)};
  const int n = spec.gated.num_irreps();
  if (n > 0) spec.gates = Irreps(std::vector<eq::MulIrrep>{{n, kScalar}});
  if (!(spec.scalars + spec.gated == irreps))
    throw Error("model: irreps " + irreps.str() + " must list their 0e part first");
  return spec;
}

// Per-column statistics of the rows of [k, U] matrices, gathered in two sweeps without holding
// the rows: the sums (first sweep), then the squares about the centre (second sweep; centring
// first keeps a column of equal values at exactly zero spread).
struct ColumnMoments {
  at::Tensor sum, center, squares;
  int64_t rows = 0;
  explicit ColumnMoments(int64_t columns)
      : sum(at::zeros({columns}, at::kDouble)),
        center(at::zeros({columns}, at::kDouble)),
        squares(at::zeros({columns}, at::kDouble)) {}
  void add_to_sums(const at::Tensor& X) {
    sum += X.to(at::kDouble).sum(0);
    rows += X.size(0);
  }
  // The centre: the mean of each 0e column (scalars are shifted), zero elsewhere.
  void set_center(const Irreps& irreps) {
    if (rows == 0) return;
    for (size_t i = 0; i < irreps.size(); ++i)
      if (irreps[i].ir == kScalar)
        for (int u = 0; u < irreps[i].mul; ++u) {
          const int s = irreps.slice(i).start + u;
          center[s] = sum[s].item<double>() / static_cast<double>(rows);
        }
  }
  void add_to_squares(const at::Tensor& X) { squares += (X.to(at::kDouble) - center).pow(2).sum(0); }
};

// Shift (0e entries only) and scale of each irrep copy over the rows: the mean, and the RMS
// about it.
std::pair<at::Tensor, at::Tensor> entry_stats(const ColumnMoments& X, const Irreps& irreps) {
  at::Tensor shift = X.center.clone(), scale = at::ones_like(X.center);
  if (X.rows == 0) return {shift, scale};
  for (size_t i = 0; i < irreps.size(); ++i) {
    const int d = irreps[i].ir.dim();
    for (int u = 0; u < irreps[i].mul; ++u) {
      const int s = irreps.slice(i).start + u * d;
      const double rms = std::sqrt(X.squares.narrow(0, s, d).sum().item<double>() / static_cast<double>(X.rows * d));
      if (rms > 1e-10) scale.narrow(0, s, d).fill_(rms);
    }
  }
  return {shift, scale};
}

Irreps checked_irreps(const std::string& text, const char* key) {
  try {
    Irreps ir = Irreps(text).canonical();
    if (ir.empty()) throw Error("empty");
    return ir;
  } catch (const std::exception& e) {
    throw Error(std::string("model: ") + key + " '" + text + "': " + e.what());
  }
}

}  // namespace

void ModelConfig::validate() const {
  if (type != "sap" && type != "geometry") throw Error("model.type must be sap or geometry, not '" + type + "'");
  if (target != "delta" && target != "full") throw Error("model.target must be delta or full, not '" + target + "'");
  if (target == "delta" && type == "geometry")
    throw Error("model.target delta (F - H_SAP) needs model.type sap; the geometry-only model learns the full F");
  if (!(cutoff > 0.0)) throw Error("model.cutoff_bohr must be positive");
  if (lmax < 0 || lmax > 8) throw Error("model.lmax must be in 0..8");
  if (layers < 0) throw Error("model.layers must be >= 0");
  if (radial_basis < 1 || radial_hidden < 1) throw Error("model.radial_basis and model.radial_hidden must be >= 1");
  checked_irreps(hidden_irreps, "model.hidden_irreps");
  checked_irreps(pair_irreps, "model.pair_irreps");
}

HamiltonianModelImpl::HamiltonianModelImpl(ModelConfig config, ModelBasis basis)
    : config_(std::move(config)), basis_(std::move(basis)) {
  config_.validate();
  hidden_ = checked_irreps(config_.hidden_irreps, "model.hidden_irreps");
  pair_ = checked_irreps(config_.pair_irreps, "model.pair_irreps");
  sh_ = Irreps::spherical_harmonics(config_.lmax);
  onsite_union_ = basis_.irreps.onsite_union;
  offsite_union_ = basis_.irreps.offsite_union;
  const int nel = basis_.n_elements();
  const int64_t u_on = onsite_union_.dim(), u_off = offsite_union_.dim();
  auto buffer = [&](const char* name, at::Tensor t) { return register_buffer(name, t.to(at::kFloat)); };
  in_on_shift_ = buffer("in_on_shift", at::zeros({nel, u_on}));
  in_on_scale_ = buffer("in_on_scale", at::ones({nel, u_on}));
  in_sap_shift_ = buffer("in_sap_shift", at::zeros({nel * nel, u_off}));
  in_sap_scale_ = buffer("in_sap_scale", at::ones({nel * nel, u_off}));
  in_s_shift_ = buffer("in_s_shift", at::zeros({nel * nel, u_off}));
  in_s_scale_ = buffer("in_s_scale", at::ones({nel * nel, u_off}));
  t_on_shift_ = buffer("t_on_shift", at::zeros({nel, u_on}));
  t_on_scale_ = buffer("t_on_scale", at::ones({nel, u_on}));
  t_off_shift_ = buffer("t_off_shift", at::zeros({nel * nel, u_off}));
  t_off_scale_ = buffer("t_off_scale", at::ones({nel * nel, u_off}));
  on_weight_ = buffer("on_weight", basis_.onsite_multiplicity);
  off_weight_ = buffer("off_weight", basis_.offsite_mask);
  avg_neighbors_ = buffer("avg_neighbors", at::ones({}));

  const Irreps element_irreps(std::vector<eq::MulIrrep>{{nel, kScalar}});
  embed_element_ = register_module("embed_element", eq::Linear(element_irreps, hidden_));
  if (config_.uses_sap()) {
    embed_onsite_ = register_module("embed_onsite", eq::Linear(onsite_union_, hidden_));
    embed_edge_ = register_module("embed_edge", eq::Linear(offsite_union_ + offsite_union_, hidden_));
  }
  radial_ = register_module("radial", eq::BesselBasis(config_.radial_basis, config_.cutoff));
  const int64_t edge_scalars = config_.radial_basis + 2 * nel;
  const GateSpec hidden_gate = gate_spec(hidden_);
  const Irreps message_in = config_.uses_sap() ? hidden_ + hidden_ : hidden_;
  for (int k = 0; k < config_.layers; ++k) {
    const std::string s = std::to_string(k);
    auto spec = eq::channelwise_instructions(message_in, sh_, hidden_);
    message_tp_.push_back(register_module("message_tp" + s,
        eq::TensorProduct(message_in, sh_, spec.irreps_out, spec.instructions)));
    message_weights_.push_back(register_module("message_weights" + s,
        eq::RadialMLP(std::vector<int64_t>{edge_scalars, config_.radial_hidden, config_.radial_hidden,
                                           message_tp_.back()->weight_numel()})));
    message_linear_.push_back(register_module("message_linear" + s, eq::Linear(spec.irreps_out, hidden_gate.input())));
    self_linear_.push_back(register_module("self_linear" + s, eq::Linear(hidden_, hidden_gate.input())));
    message_gate_.push_back(register_module("message_gate" + s,
        eq::Gate(hidden_gate.scalars, hidden_gate.gates, hidden_gate.gated)));
  }

  eq::TensorProductOptions internal;
  internal.internal_weights = true;
  // On-site head: gated MLP of the atom's features plus a channel-wise self product.
  on_in_ = register_module("on_in", eq::Linear(hidden_, hidden_gate.input()));
  on_gate_ = register_module("on_gate", eq::Gate(hidden_gate.scalars, hidden_gate.gates, hidden_gate.gated));
  on_out_ = register_module("on_out", eq::Linear(hidden_, onsite_union_));
  on_pair_a_ = register_module("on_pair_a", eq::Linear(hidden_, pair_));
  on_pair_b_ = register_module("on_pair_b", eq::Linear(hidden_, pair_));
  {
    auto spec = eq::channelwise_instructions(pair_, pair_, onsite_union_);
    on_pair_tp_ = register_module("on_pair_tp", eq::TensorProduct(pair_, pair_, spec.irreps_out, spec.instructions, internal));
    on_pair_out_ = register_module("on_pair_out", eq::Linear(spec.irreps_out, onsite_union_));
  }
  // Off-site head: both atoms' features (and the edge's SAP/S irreps) coupled with the bond
  // direction, plus a channel-wise product of the two atoms' features.
  off_i_ = register_module("off_i", eq::Linear(hidden_, hidden_));
  off_j_ = register_module("off_j", eq::Linear(hidden_, hidden_));
  {
    auto spec = eq::channelwise_instructions(hidden_, sh_, hidden_);
    off_edge_tp_ = register_module("off_edge_tp", eq::TensorProduct(hidden_, sh_, spec.irreps_out, spec.instructions));
    off_weights_ = register_module("off_weights",
        eq::RadialMLP(std::vector<int64_t>{edge_scalars, config_.radial_hidden, config_.radial_hidden,
                                           off_edge_tp_->weight_numel()}));
    off_edge_in_ = register_module("off_edge_in", eq::Linear(spec.irreps_out, hidden_gate.input()));
  }
  off_gate_ = register_module("off_gate", eq::Gate(hidden_gate.scalars, hidden_gate.gates, hidden_gate.gated));
  off_out_ = register_module("off_out", eq::Linear(hidden_, offsite_union_));
  off_pair_a_ = register_module("off_pair_a", eq::Linear(hidden_, pair_));
  off_pair_b_ = register_module("off_pair_b", eq::Linear(hidden_, pair_));
  {
    auto spec = eq::channelwise_instructions(pair_, pair_, offsite_union_);
    off_pair_tp_ = register_module("off_pair_tp", eq::TensorProduct(pair_, pair_, spec.irreps_out, spec.instructions, internal));
    off_pair_out_ = register_module("off_pair_out", eq::Linear(spec.irreps_out, offsite_union_));
  }
}

at::ScalarType HamiltonianModelImpl::dtype() const { return avg_neighbors_.scalar_type(); }

at::Tensor HamiltonianModelImpl::group_rows(const at::Tensor& table, const at::Tensor& group) const {
  return table.index_select(0, group);
}

at::Tensor HamiltonianModelImpl::onsite_target(const GraphBatch& b) const {
  if (!b.onsite_target.defined()) throw Error("model: the batch has no target matrices");
  if (b.target_is_correction && !config_.delta()) throw Error("model: F - H_SAP targets given to a model of F");
  return config_.delta() && !b.target_is_correction ? b.onsite_target - b.onsite_sap : b.onsite_target;
}
at::Tensor HamiltonianModelImpl::offsite_target(const GraphBatch& b) const {
  if (!b.edge_target.defined()) throw Error("model: the batch has no target matrices");
  if (b.target_is_correction && !config_.delta()) throw Error("model: F - H_SAP targets given to a model of F");
  return config_.delta() && !b.target_is_correction ? b.edge_target - b.edge_sap : b.edge_target;
}

void HamiltonianModelImpl::fit_normalization(const std::vector<const MoleculeGraph*>& graphs, bool per_pair_loss) {
  if (graphs.empty()) throw Error("model: no training structures to fit the normalisation on");
  at::NoGradGuard no_grad;
  const int nel = basis_.n_elements();
  const int64_t u_on = onsite_union_.dim(), u_off = offsite_union_.dim();
  // Per element (pair): moments of the inputs and targets, gathered a few molecules at a time so
  // that no copy of the whole training set is made.
  // (Each made on its own: copies of one would share its tensors.)
  const auto moments = [](int groups, int64_t columns) {
    std::vector<ColumnMoments> out;
    for (int g = 0; g < groups; ++g) out.emplace_back(columns);
    return out;
  };
  std::vector<ColumnMoments> on_sap = moments(nel, u_on), on_target = moments(nel, u_on);
  std::vector<ColumnMoments> off_sap = moments(nel * nel, u_off), off_s = moments(nel * nel, u_off),
                             off_target = moments(nel * nel, u_off);
  int64_t atoms = 0, edges = 0;
  const auto sweep = [&](bool sums) {
    constexpr size_t kChunk = 32;
    const auto add = [sums](ColumnMoments& m, const at::Tensor& rows) {
      if (sums) m.add_to_sums(rows);
      else m.add_to_squares(rows);
    };
    for (size_t c = 0; c < graphs.size(); c += kChunk) {
      const std::vector<const MoleculeGraph*> chunk(graphs.begin() + c,
                                                    graphs.begin() + std::min(graphs.size(), c + kChunk));
      const GraphBatch part = collate(chunk);
      const at::Tensor t_on = onsite_target(part), t_off = offsite_target(part);
      const at::Tensor pair = part.element.index_select(0, part.edge_index[0]) * nel +
                              part.element.index_select(0, part.edge_index[1]);
      for (int a = 0; a < nel; ++a) {
        const at::Tensor rows = (part.element == a).nonzero().squeeze(1);
        add(on_sap[a], part.onsite_sap.index_select(0, rows));
        add(on_target[a], t_on.index_select(0, rows));
      }
      for (int g = 0; g < nel * nel; ++g) {
        const at::Tensor rows = (pair == g).nonzero().squeeze(1);
        add(off_sap[g], part.edge_sap.index_select(0, rows));
        add(off_s[g], part.edge_overlap.index_select(0, rows));
        add(off_target[g], t_off.index_select(0, rows));
      }
      if (sums) {
        atoms += part.element.size(0);
        edges += part.edge_index.size(1);
      }
    }
  };
  sweep(true);
  for (int a = 0; a < nel; ++a)
    for (ColumnMoments* m : {&on_sap[a], &on_target[a]}) m->set_center(onsite_union_);
  for (int g = 0; g < nel * nel; ++g)
    for (ColumnMoments* m : {&off_sap[g], &off_s[g], &off_target[g]}) m->set_center(offsite_union_);
  sweep(false);
  auto fill = [&](at::Tensor& shift, at::Tensor& scale, int g, const ColumnMoments& m, const Irreps& ir) {
    auto [s, c] = entry_stats(m, ir);
    shift[g].copy_(s);
    scale[g].copy_(c);
  };
  at::Tensor on_w = basis_.onsite_multiplicity.clone(), off_w = basis_.offsite_mask.clone();
  // Target statistics of group g; the loss weights (block-element multiplicities) are divided
  // by the group's target variance for per-pair losses.
  auto fit_target = [&](at::Tensor& shift, at::Tensor& scale, at::Tensor& weights, int g, const ColumnMoments& t,
                        const Irreps& ir) {
    fill(shift, scale, g, t, ir);
    if (t.rows == 0) {
      scale[g].zero_();  // never seen: predict no correction
      return;
    }
    const at::Tensor w = weights[g].to(at::kDouble);
    const double var = (t.squares * w).sum().item<double>() / (w.sum().item<double>() * static_cast<double>(t.rows));
    if (per_pair_loss && var > 1e-20) weights[g] /= var;
  };
  for (int a = 0; a < nel; ++a) {
    fill(in_on_shift_, in_on_scale_, a, on_sap[a], onsite_union_);
    fit_target(t_on_shift_, t_on_scale_, on_w, a, on_target[a], onsite_union_);
  }
  for (int g = 0; g < nel * nel; ++g) {
    fill(in_sap_shift_, in_sap_scale_, g, off_sap[g], offsite_union_);
    fill(in_s_shift_, in_s_scale_, g, off_s[g], offsite_union_);
    fit_target(t_off_shift_, t_off_scale_, off_w, g, off_target[g], offsite_union_);
  }
  on_weight_.copy_(on_w);
  off_weight_.copy_(off_w);
  avg_neighbors_.fill_(std::max<double>(1.0, static_cast<double>(edges) / static_cast<double>(atoms)));
}

at::Tensor HamiltonianModelImpl::symmetrize(const at::Tensor& off, const at::Tensor& group,
                                            const at::Tensor& reverse) const {
  const int nel = basis_.n_elements();
  at::Tensor out = at::zeros_like(off);
  for (int a = 0; a < nel; ++a)
    for (int b = 0; b < nel; ++b) {
      const at::Tensor idx = (group == a * nel + b).nonzero().squeeze(1);
      if (idx.numel() == 0) continue;
      const int gt = b * nel + a;  // the reverse edges' group; its map gives B^T in group (a, b)
      const at::Tensor other = off.index_select(0, reverse.index_select(0, idx))
                                   .index_select(1, basis_.transpose_index[gt]) *
                               basis_.transpose_sign[gt].to(off.scalar_type());
      out = out.index_copy(0, idx, 0.5 * (off.index_select(0, idx) + other));
    }
  return out;
}

ModelOutput HamiltonianModelImpl::forward(const GraphBatch& b) {
  const auto dt = dtype();
  const int nel = basis_.n_elements();
  const at::Tensor src = b.edge_index[0], dst = b.edge_index[1];
  const at::Tensor onehot = at::one_hot(b.element, nel).to(dt);
  const at::Tensor pos = b.positions.to(dt);
  const at::Tensor vec = pos.index_select(0, dst) - pos.index_select(0, src);
  const at::Tensor r = vec.norm(2, -1);
  const at::Tensor Y = eq::spherical_harmonics(config_.lmax, vec);
  const at::Tensor pair = b.element.index_select(0, src) * nel + b.element.index_select(0, dst);
  const at::Tensor edge_scalars =
      at::cat({radial_->forward(r), onehot.index_select(0, src), onehot.index_select(0, dst)}, -1);
  const double norm = 1.0 / std::sqrt(avg_neighbors_.item<double>());
  const int64_t N = b.element.size(0);

  at::Tensor h = embed_element_->forward(onehot);
  at::Tensor x_edge;
  if (config_.uses_sap()) {
    const at::Tensor on = (b.onsite_sap.to(dt) - group_rows(in_on_shift_, b.element)) / group_rows(in_on_scale_, b.element);
    h = h + embed_onsite_->forward(on);
    const at::Tensor sap = (b.edge_sap.to(dt) - group_rows(in_sap_shift_, pair)) / group_rows(in_sap_scale_, pair);
    const at::Tensor ovl = (b.edge_overlap.to(dt) - group_rows(in_s_shift_, pair)) / group_rows(in_s_scale_, pair);
    x_edge = embed_edge_->forward(at::cat({sap, ovl}, -1));
  }
  for (size_t k = 0; k < message_tp_.size(); ++k) {
    at::Tensor neighbour = h.index_select(0, dst);
    if (config_.uses_sap()) neighbour = at::cat({neighbour, x_edge}, -1);
    const at::Tensor m = message_tp_[k]->forward(neighbour, Y, message_weights_[k]->forward(edge_scalars));
    const at::Tensor agg = at::zeros({N, m.size(1)}, m.options()).index_add(0, src, m) * norm;
    h = h + message_gate_[k]->forward(message_linear_[k]->forward(agg) + self_linear_[k]->forward(h));
  }

  ModelOutput out;
  at::Tensor on = on_out_->forward(on_gate_->forward(on_in_->forward(h))) +
                  on_pair_out_->forward(on_pair_tp_->forward(on_pair_a_->forward(h), on_pair_b_->forward(h)));
  out.onsite = (on * group_rows(t_on_scale_, b.element) + group_rows(t_on_shift_, b.element)) *
               group_rows(basis_.onsite_mask.to(dt), b.element);

  at::Tensor p = off_i_->forward(h).index_select(0, src) + off_j_->forward(h).index_select(0, dst);
  if (config_.uses_sap()) p = p + x_edge;
  const at::Tensor q = off_gate_->forward(
      off_edge_in_->forward(off_edge_tp_->forward(p, Y, off_weights_->forward(edge_scalars))));
  const at::Tensor pa = off_pair_a_->forward(h).index_select(0, src), pb = off_pair_b_->forward(h).index_select(0, dst);
  at::Tensor off = off_out_->forward(q) + off_pair_out_->forward(off_pair_tp_->forward(pa, pb));
  off = (off * group_rows(t_off_scale_, pair) + group_rows(t_off_shift_, pair)) *
        group_rows(basis_.offsite_mask.to(dt), pair);
  out.offsite = symmetrize(off, pair, b.reverse);
  return out;
}

double HamiltonianModelImpl::loss_denominator(const GraphBatch& b) const {
  const auto dt = dtype();
  const int nel = basis_.n_elements();
  const at::Tensor pair = b.element.index_select(0, b.edge_index[0]) * nel + b.element.index_select(0, b.edge_index[1]);
  return (group_rows(basis_.onsite_multiplicity.to(dt), b.element).sum() +
          group_rows(basis_.offsite_mask.to(dt), pair).sum())
      .item<double>();
}

at::Tensor HamiltonianModelImpl::loss(const ModelOutput& out, const GraphBatch& b, const std::string& kind) const {
  const auto dt = dtype();
  const int nel = basis_.n_elements();
  const at::Tensor pair = b.element.index_select(0, b.edge_index[0]) * nel + b.element.index_select(0, b.edge_index[1]);
  const at::Tensor e_on = out.onsite - onsite_target(b).to(dt);
  const at::Tensor e_off = out.offsite - offsite_target(b).to(dt);
  const at::Tensor w_on = group_rows(on_weight_, b.element), w_off = group_rows(off_weight_, pair);
  // Mean over block elements: the multiplicity-weighted component count.
  const at::Tensor count = group_rows(basis_.onsite_multiplicity.to(dt), b.element).sum() +
                           group_rows(basis_.offsite_mask.to(dt), pair).sum();
  at::Tensor total = at::zeros({}, out.onsite.options());
  const bool mse = kind == "mse" || kind == "mse+mae", mae = kind == "mae" || kind == "mse+mae";
  if (!mse && !mae) throw Error("optim.loss must be mse, mae or mse+mae, not '" + kind + "'");
  if (mse) total = total + ((e_on.pow(2) * w_on).sum() + (e_off.pow(2) * w_off).sum()) / count;
  if (mae) {
    // |e| / sigma with the weight w = m / sigma^2: multiply by sqrt(w * m).
    const at::Tensor m_on = group_rows(basis_.onsite_multiplicity.to(dt), b.element);
    const at::Tensor m_off = group_rows(basis_.offsite_mask.to(dt), pair);
    total = total + ((e_on.abs() * (w_on * m_on).sqrt()).sum() + (e_off.abs() * (w_off * m_off).sqrt()).sum()) / count;
  }
  return total;
}

Eigen::MatrixXd predicted_fock(const HamiltonianModelImpl& model, const MoleculeGraph& graph,
                               const at::Tensor& onsite, const at::Tensor& offsite, const Eigen::MatrixXd& H_sap,
                               const Eigen::MatrixXd& S) {
  Eigen::MatrixXd F = assemble_matrix(model.basis(), graph, onsite.detach(), offsite.detach(), Eigen::MatrixXd());
  if (model.config().delta()) F += H_sap;
  // The blocks of (i, j) and (j, i) are transposes in the irreps, but the irreps -> block
  // products may round differently (optimised BLAS kernels order sums by position): average
  // to make F exactly symmetric (fl(a + b) = fl(b + a)); the change is at the rounding level.
  F = (0.5 * (F + F.transpose())).eval();  // eval: no aliasing with the transpose
  if (!model.config().delta()) return F;  // full targets have no baseline to keep
  if (model.config().overlap_filter > 0.0 &&
      (S.rows() != F.rows() || S.cols() != F.cols() || H_sap.rows() != F.rows()))
    throw Error("predicted_fock: the overlap filter needs S and H_SAP of the molecule");
  return overlap_filtered(F, H_sap, S, model.config().overlap_filter);
}

Eigen::MatrixXd overlap_filtered(const Eigen::MatrixXd& F, const Eigen::MatrixXd& H_sap, const Eigen::MatrixXd& S,
                                 double tau) {
  if (tau <= 0.0) return F;
  // Keep the network's correction only where the basis is well conditioned: along overlap
  // eigenvectors with s < tau an error e in F moves orbital energies by ~e / s.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  std::vector<int> kept;
  for (int i = 0; i < es.eigenvalues().size(); ++i)
    if (es.eigenvalues()(i) >= tau) kept.push_back(i);
  if (static_cast<int>(kept.size()) == S.rows()) return F;
  const Eigen::MatrixXd U = es.eigenvectors()(Eigen::all, kept);
  const Eigen::VectorXd s_kept = es.eigenvalues()(kept);
  const Eigen::MatrixXd H = 0.5 * (H_sap + H_sap.transpose());
  Eigen::MatrixXd C = U.transpose() * (F - H) * U;
  // Along the dropped directions H_SAP + mu S: H_SAP's orbital energies lie ~25 eV below the
  // SCF's on QM9, and H_SAP alone there pulled the LUMO down by eV (README, "Overlap filter").
  const double mu = overlap_filter_shift(C, s_kept);
  C.diagonal() -= mu * s_kept;
  Eigen::MatrixXd out = U * C * U.transpose();
  out += mu * S;
  out = (0.5 * (out + out.transpose())).eval();
  return H + out;
}

}  // namespace hamlet::model
