#include "equivariant/layers.hpp"

#include <algorithm>
#include <ATen/ATen.h>

#include <cmath>

#include "core/error.hpp"

namespace hamlet::equivariant {
namespace {

int64_t rows_of(const at::Tensor& x, int64_t dim, const char* what) {
  if (x.dim() < 1 || x.size(-1) != dim)
    throw Error(std::string(what) + ": expected features [..., " + std::to_string(dim) + "]");
  return dim ? x.numel() / dim : 0;
}

at::Tensor restore_shape(const at::Tensor& flat, const at::Tensor& like, int64_t dim) {
  auto shape = like.sizes().vec();
  shape.back() = dim;
  return flat.reshape(shape);
}

bool is_odd_activation(Activation act) {
  return act == Activation::kTanh || act == Activation::kIdentity;
}

}  // namespace

at::Tensor activate(Activation act, const at::Tensor& x) {
  switch (act) {
    case Activation::kIdentity:
      return x;
    case Activation::kSiLU:
      return at::silu(x);
    case Activation::kSigmoid:
      return at::sigmoid(x);
    case Activation::kTanh:
      return at::tanh(x);
  }
  throw Error("unknown activation");
}

// ---------------------------------------------------------------- Linear

LinearImpl::LinearImpl(Irreps irreps_in, Irreps irreps_out, bool use_bias)
    : in_(std::move(irreps_in)), out_(std::move(irreps_out)) {
  int64_t offset = 0;
  for (int o = 0; o < int(out_.size()); ++o)
    for (int i = 0; i < int(in_.size()); ++i)
      if (in_[i].ir == out_[o].ir && in_[i].mul > 0 && out_[o].mul > 0) {
        blocks_.push_back({i, o, offset});
        offset += int64_t(in_[i].mul) * out_[o].mul;
      }
  weight = register_parameter("weight", at::randn({offset}));
  int64_t nbias = 0;
  for (const auto& e : out_) {
    const bool scalar = use_bias && e.ir == Irrep(0, 1);
    bias_offset_.push_back(scalar ? nbias : -1);
    if (scalar) nbias += e.mul;
  }
  if (nbias > 0) bias = register_parameter("bias", at::zeros({nbias}));

  // Groups by irrep: W_ir [sum of input muls, sum of output muls] assembled from the blocks.
  std::vector<int64_t> out_pos(out_.dim(), -1);
  int64_t cat_offset = 0;
  std::vector<Irrep> seen;
  for (const auto& e : out_) {
    if (std::find(seen.begin(), seen.end(), e.ir) != seen.end()) continue;
    seen.push_back(e.ir);
    Group g;
    g.dim = e.ir.dim();
    std::vector<int64_t> in_cols, in_start, out_start;
    for (int i = 0; i < int(in_.size()); ++i) {
      in_start.push_back(g.mul_in);
      if (in_[i].ir != e.ir) continue;
      for (int64_t c = 0; c < in_[i].dim(); ++c) in_cols.push_back(in_.slice(i).start + c);
      g.mul_in += in_[i].mul;
    }
    for (int o = 0; o < int(out_.size()); ++o) {
      out_start.push_back(g.mul_out);
      if (out_[o].ir == e.ir) g.mul_out += out_[o].mul;
    }
    if (g.mul_in == 0 || g.mul_out == 0) continue;  // these outputs stay unreached (zero)
    std::vector<int64_t> windex(g.mul_in * g.mul_out, 0);
    for (const auto& b : blocks_) {
      if (in_[b.in].ir != e.ir) continue;
      const int mi = in_[b.in].mul, mo = out_[b.out].mul;
      for (int u = 0; u < mi; ++u)
        for (int v = 0; v < mo; ++v)
          windex[(in_start[b.in] + u) * g.mul_out + out_start[b.out] + v] = b.offset + int64_t(u) * mo + v;
    }
    for (int o = 0; o < int(out_.size()); ++o) {
      if (out_[o].ir != e.ir) continue;
      for (int64_t c = 0; c < out_[o].dim(); ++c) out_pos[out_.slice(o).start + c] = cat_offset + out_start[o] * g.dim + c;
    }
    cat_offset += g.mul_out * g.dim;
    g.in_cols = at::tensor(in_cols, at::kLong);
    bool range = true;
    for (size_t k = 0; k < in_cols.size(); ++k) range = range && in_cols[k] == in_cols[0] + int64_t(k);
    if (range) g.in_first = in_cols[0];
    g.weight_index = at::tensor(windex, at::kLong);
    groups_.push_back(std::move(g));
  }
  for (auto& p : out_pos)
    if (p < 0) p = cat_offset + unreached_++;
  out_index_ = at::tensor(out_pos, at::kLong);
  out_identity_ = true;
  for (size_t k = 0; k < out_pos.size(); ++k) out_identity_ = out_identity_ && out_pos[k] == int64_t(k);
  std::vector<int64_t> bias_cols;
  for (size_t o = 0; o < out_.size(); ++o)
    if (bias_offset_[o] >= 0)
      for (int u = 0; u < out_[o].mul; ++u) bias_cols.push_back(out_.slice(o).start + u);
  bias_cols_ = at::tensor(bias_cols, at::kLong);
}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
  const int64_t N = rows_of(x, in_.dim(), "Linear");
  const at::Tensor X = x.reshape({N, in_.dim()});
  std::vector<at::Tensor> parts;
  for (const auto& g : groups_) {
    // Contiguous ranges by narrow (whose gradient is a slice, not a scatter).
    const at::Tensor xi = (g.in_first >= 0 ? X.narrow(1, g.in_first, g.mul_in * g.dim) : X.index_select(1, g.in_cols))
                              .view({N, g.mul_in, g.dim});
    const at::Tensor W = weight.index_select(0, g.weight_index).view({g.mul_in, g.mul_out}) /
                         std::sqrt(static_cast<double>(g.mul_in));
    // One [N dim, mul_in] x [mul_in, mul_out] product. Not at::matmul on the transposed 3-D
    // view: with gradients, libtorch 1.13 runs that as a batched product of N small matrices
    // (7-13x slower forward + backward for dim 3 and 5, measured).
    const at::Tensor rows = g.dim == 1 ? xi.view({N, g.mul_in}) : xi.transpose(1, 2).reshape({N * g.dim, g.mul_in});
    const at::Tensor yi = at::mm(rows, W);
    parts.push_back(g.dim == 1 ? yi : yi.view({N, g.dim, g.mul_out}).transpose(1, 2).reshape({N, g.mul_out * g.dim}));
  }
  if (unreached_ > 0) parts.push_back(at::zeros({N, unreached_}, x.options()));
  at::Tensor y = parts.empty() ? at::zeros({N, 0}, x.options())
                 : parts.size() == 1 && out_identity_ ? parts[0]
                 : out_identity_ ? at::cat(parts, 1)
                                 : at::cat(parts, 1).index_select(1, out_index_);
  if (bias.defined()) y = y.index_add(1, bias_cols_, bias.unsqueeze(0).expand({N, bias.size(0)}));
  return restore_shape(y, x, out_.dim());
}

// ---------------------------------------------------------------- Gate

GateImpl::GateImpl(Irreps scalars, Irreps gates, Irreps gated, Activation act_scalars,
                   Activation act_gates)
    : scalars_(std::move(scalars)),
      gates_(std::move(gates)),
      gated_(std::move(gated)),
      act_scalars_(act_scalars),
      act_gates_(act_gates) {
  for (const auto* part : {&scalars_, &gates_})
    for (const auto& e : *part)
      if (e.ir.l != 0) throw Error("Gate: scalars and gates must be l = 0, got " + part->str());
  if (gates_.num_irreps() != gated_.num_irreps())
    throw Error("Gate: " + std::to_string(gates_.num_irreps()) + " gates for " +
                std::to_string(gated_.num_irreps()) + " gated irreps (" + gated_.str() + ")");
  std::vector<MulIrrep> out;
  for (const auto& e : scalars_) {
    if (e.ir.p == -1 && !is_odd_activation(act_scalars_))
      throw Error("Gate: odd scalars (0o) need an odd activation (tanh or identity)");
    out.push_back(e);
  }
  std::vector<int> gate_parity;
  for (const auto& e : gates_) {
    if (e.ir.p == -1 && !is_odd_activation(act_gates_))
      throw Error("Gate: odd gates (0o) need an odd gate activation (tanh or identity)");
    gate_parity.insert(gate_parity.end(), e.mul, e.ir.p);
  }
  std::vector<int64_t> index;
  int copy = 0;
  for (const auto& e : gated_)
    for (int u = 0; u < e.mul; ++u, ++copy) {
      out.push_back({1, Irrep(e.ir.l, e.ir.p * gate_parity[copy])});
      index.insert(index.end(), e.ir.dim(), copy);
    }
  out_ = Irreps(std::move(out)).simplify();
  in_ = scalars_ + gates_ + gated_;
  gate_index_ = at::tensor(index, at::kLong);
}

at::Tensor GateImpl::forward(const at::Tensor& x) {
  rows_of(x, in_.dim(), "Gate");
  const int64_t ds = scalars_.dim(), dg = gates_.dim();
  at::Tensor s = activate(act_scalars_, x.narrow(-1, 0, ds));
  at::Tensor g = activate(act_gates_, x.narrow(-1, ds, dg));
  at::Tensor v = x.narrow(-1, ds + dg, gated_.dim());
  return at::cat({s, v * g.index_select(-1, gate_index_.to(x.device()))}, -1);
}

// ---------------------------------------------------------------- EquivariantLayerNorm

EquivariantLayerNormImpl::EquivariantLayerNormImpl(Irreps irreps, double eps, bool affine)
    : irreps_(std::move(irreps)), eps_(eps), affine_(affine) {
  if (affine_) {
    weight = register_parameter("weight", at::ones({irreps_.num_irreps()}));
    bias = register_parameter("bias", at::zeros({irreps_.count(Irrep(0, 1))}));
  }
}

at::Tensor EquivariantLayerNormImpl::forward(const at::Tensor& x) {
  rows_of(x, irreps_.dim(), "EquivariantLayerNorm");
  std::vector<at::Tensor> parts;
  int64_t channel = 0, scalar_channel = 0;
  for (size_t i = 0; i < irreps_.size(); ++i) {
    const auto& e = irreps_[i];
    if (e.mul == 0) continue;
    at::Tensor xe = x.narrow(-1, irreps_.slice(i).start, e.dim()).unflatten(-1, {e.mul, e.ir.dim()});
    const bool even_scalar = e.ir == Irrep(0, 1);
    if (even_scalar) xe = xe - xe.mean(-2, true);
    xe = xe * at::rsqrt(xe.pow(2).mean({-2, -1}, true) + eps_);
    if (affine_) {
      xe = xe * weight.narrow(0, channel, e.mul).unsqueeze(-1);
      if (even_scalar) xe = xe + bias.narrow(0, scalar_channel, e.mul).unsqueeze(-1);
    }
    channel += e.mul;
    if (even_scalar) scalar_channel += e.mul;
    parts.push_back(xe.flatten(-2, -1));
  }
  if (parts.empty()) return x;
  return at::cat(parts, -1);
}

// ---------------------------------------------------------------- radial part

at::Tensor polynomial_cutoff(const at::Tensor& r, double cutoff, int p) {
  if (cutoff <= 0 || p < 1) throw Error("polynomial_cutoff: need cutoff > 0 and p >= 1");
  at::Tensor d = r / cutoff;
  const double P = p;
  at::Tensor u = 1.0 - (P + 1) * (P + 2) / 2 * d.pow(p) + P * (P + 2) * d.pow(p + 1) -
                 P * (P + 1) / 2 * d.pow(p + 2);
  return at::where(d < 1.0, u, at::zeros_like(u));
}

BesselBasisImpl::BesselBasisImpl(int num_basis, double cutoff, int p, bool trainable)
    : num_basis_(num_basis), cutoff_(cutoff), p_(p) {
  if (num_basis < 1 || cutoff <= 0) throw Error("BesselBasis: need num_basis >= 1 and cutoff > 0");
  if (trainable)
    frequencies = register_parameter(
        "frequencies", at::arange(1, num_basis + 1, at::kDouble).mul(M_PI / cutoff).to(at::kFloat));
}

at::Tensor BesselBasisImpl::forward(const at::Tensor& r) {
  at::Tensor rr = r.unsqueeze(-1);
  // Fixed frequencies are made in the input's dtype, so float64 keeps full precision.
  at::Tensor freq = frequencies.defined()
                        ? frequencies.to(r.options())
                        : at::arange(1, num_basis_ + 1, r.options()).mul(M_PI / cutoff_);
  const double norm = std::sqrt(2.0 / cutoff_);
  // sin(f r) / r tends to f as r -> 0; the safe denominator keeps gradients finite there.
  at::Tensor small = rr.abs() < 1e-9;
  at::Tensor safe_r = at::where(small, at::ones_like(rr), rr);
  at::Tensor value = at::where(small, freq.expand_as(rr * freq), at::sin(freq * rr) / safe_r);
  return norm * value * polynomial_cutoff(rr, cutoff_, p_);
}

RadialMLPImpl::RadialMLPImpl(std::vector<int64_t> sizes, Activation act) : act_(act) {
  if (sizes.size() < 2) throw Error("RadialMLP: need at least input and output sizes");
  for (size_t k = 0; k + 1 < sizes.size(); ++k) {
    weights_.push_back(register_parameter("weight" + std::to_string(k),
                                          at::randn({sizes[k + 1], sizes[k]})));
    biases_.push_back(register_parameter("bias" + std::to_string(k), at::zeros({sizes[k + 1]})));
  }
}

at::Tensor RadialMLPImpl::forward(const at::Tensor& x) {
  at::Tensor h = x;
  for (size_t k = 0; k < weights_.size(); ++k) {
    h = at::linear(h, weights_[k] / std::sqrt(double(weights_[k].size(1))), biases_[k]);
    if (k + 1 < weights_.size()) h = activate(act_, h);
  }
  return h;
}

}  // namespace hamlet::equivariant
