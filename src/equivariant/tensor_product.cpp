#include "equivariant/tensor_product.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

#include "core/error.hpp"
#include "equivariant/so3.hpp"

namespace hamlet::equivariant {
namespace {

using detail::TpPath;
using detail::TpPlan;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::string describe(size_t index, const Instruction& ins) {
  return "instruction " + std::to_string(index) + " (in1=" + std::to_string(ins.in1) +
         ", in2=" + std::to_string(ins.in2) + ", out=" + std::to_string(ins.out) + ", " +
         (ins.mode == TpMode::kUVW ? "uvw" : "uvu") + ")";
}

int64_t fan_in(const Instruction& ins, const Irreps& in1, const Irreps& in2) {
  return ins.mode == TpMode::kUVW ? int64_t(in1[ins.in1].mul) * in2[ins.in2].mul
                                  : in2[ins.in2].mul;
}

c10::intrusive_ptr<TpPlan> build_plan(const Irreps& in1, const Irreps& in2, const Irreps& out,
                                      const std::vector<Instruction>& instructions,
                                      PathNormalization normalization) {
  auto in_range = [](int i, const Irreps& irreps) { return i >= 0 && i < int(irreps.size()); };
  std::vector<double> total_fan_in(out.size(), 0.0), paths_into(out.size(), 0.0);
  for (size_t n = 0; n < instructions.size(); ++n) {
    const auto& ins = instructions[n];
    if (!in_range(ins.in1, in1) || !in_range(ins.in2, in2) || !in_range(ins.out, out))
      throw Error("tensor product: " + describe(n, ins) + " indexes past the irreps " +
                  in1.str() + " | " + in2.str() + " | " + out.str());
    const Irrep a = in1[ins.in1].ir, b = in2[ins.in2].ir, c = out[ins.out].ir;
    if (!triangle(a.l, b.l, c.l))
      throw Error("tensor product: " + describe(n, ins) + ": " + a.str() + " x " + b.str() +
                  " cannot give " + c.str() + " (triangle rule)");
    if (a.p * b.p != c.p)
      throw Error("tensor product: " + describe(n, ins) + ": " + a.str() + " x " + b.str() +
                  " cannot give " + c.str() + " (parity rule)");
    if (std::max({a.l, b.l, c.l}) > kMaxL)
      throw Error("tensor product: " + describe(n, ins) + " needs l > " + std::to_string(kMaxL));
    if (ins.mode == TpMode::kUVU && out[ins.out].mul != in1[ins.in1].mul)
      throw Error("tensor product: " + describe(n, ins) +
                  ": channel-wise paths need the output multiplicity to equal input 1's");
    if (!std::isfinite(ins.path_weight))
      throw Error("tensor product: " + describe(n, ins) + " has a non-finite path weight");
    total_fan_in[ins.out] += double(fan_in(ins, in1, in2));
    paths_into[ins.out] += 1.0;
  }
  auto plan = c10::make_intrusive<TpPlan>();
  detail::set_entries(*plan, in1, out);
  plan->dim2 = in2.dim();
  int64_t weight_start = 0;
  for (const auto& ins : instructions) {
    TpPath p;
    p.uvu = ins.mode == TpMode::kUVU;
    p.mul1 = in1[ins.in1].mul;
    p.mul2 = in2[ins.in2].mul;
    p.mul_out = out[ins.out].mul;
    const int l1 = in1[ins.in1].ir.l, l2 = in2[ins.in2].ir.l, l3 = out[ins.out].ir.l;
    p.d1 = 2 * l1 + 1;
    p.d2 = 2 * l2 + 1;
    p.d3 = 2 * l3 + 1;
    p.x1_start = in1.slice(ins.in1).start;
    p.x2_start = in2.slice(ins.in2).start;
    p.out_start = out.slice(ins.out).start;
    p.out_index = ins.out;
    p.weight_start = weight_start;
    weight_start += p.weight_count();
    const double fan = double(fan_in(ins, in1, in2));
    const double denom = normalization == PathNormalization::kElement
                             ? total_fan_in[ins.out]
                             : fan * paths_into[ins.out];
    const double alpha = denom > 0 ? ins.path_weight / std::sqrt(denom) : 0.0;
    const auto& w3j = wigner_3j(l1, l2, l3);
    const double scale = alpha * std::sqrt(double(p.d3));
    for (int i = 0; i < p.d1; ++i)
      for (int j = 0; j < p.d2; ++j)
        for (int k = 0; k < p.d3; ++k) {
          double c = w3j[(i * p.d2 + j) * p.d3 + k];
          if (c != 0.0) p.cg.push_back({i, j, k, c * scale});
        }
    detail::finalize_path(p);
    if (p.weight_count() > 0) plan->paths.push_back(std::move(p));  // empty paths add nothing
  }
  plan->weight_numel = weight_start;
  return plan;
}

// The tensor product with differentiable torch ops. W is [E, numel] or, when shared, [numel].
at::Tensor reference_forward(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                             const at::Tensor& W, bool shared) {
  const int64_t E = x1.size(0);
  std::vector<at::Tensor> parts(plan.out_entries.size());
  for (const auto& p : plan.paths) {
    if (p.mul1 == 0 || p.mul2 == 0 || p.mul_out == 0) continue;
    at::Tensor x1p = x1.narrow(1, p.x1_start, p.mul1 * p.d1).reshape({E, p.mul1, p.d1});
    at::Tensor x2p = x2.narrow(1, p.x2_start, p.mul2 * p.d2).reshape({E, p.mul2, p.d2});
    at::Tensor C = p.cg_dense.to(x1.options());
    const int64_t n = p.weight_count();
    if (p.uvu && shared) {
      // o[e,u,k] = sum_i x1[e,u,i] sum_j C[i,j,k] Y[e,u,j] with Y[e,u,j] = sum_v W[u,v] x2[e,v,j]:
      // two matrix products over all rows and one elementwise sum. The general form below runs
      // E batched products of tiny matrices, which libtorch's CPU bmm does slowly (measured:
      // ~30 % of a QM9 training step in the two pair heads).
      const at::Tensor Wm = W.narrow(0, p.weight_start, n).reshape({p.mul1, p.mul2});
      const at::Tensor Y = at::mm(x2p.transpose(1, 2).reshape({E * p.d2, p.mul2}), Wm.t())
                               .view({E, p.d2, p.mul1})
                               .transpose(1, 2)
                               .reshape({E * p.mul1, p.d2});
      const at::Tensor Z = at::mm(Y, C.permute({1, 0, 2}).reshape({p.d2, p.d1 * p.d3})).view({E, p.mul1, p.d1, p.d3});
      const at::Tensor o = (x1p.unsqueeze(-1) * Z).sum(2).reshape({E, int64_t(p.mul1) * p.d3});
      auto& part = parts[p.out_index];
      part = part.defined() ? part + o : o;
      continue;
    }
    // M[e, v, i, k] = sum_j C[i, j, k] x2[e, v, j]; t[e, u, v, k] = sum_i x1[e, u, i] M[e, v, i, k]
    at::Tensor M = at::matmul(x2p, C.permute({1, 0, 2}).reshape({p.d2, p.d1 * p.d3}))
                       .view({E, p.mul2, p.d1, p.d3});
    at::Tensor t = at::matmul(x1p.unsqueeze(1), M).transpose(1, 2);
    at::Tensor Wp = shared ? W.narrow(0, p.weight_start, n) : W.narrow(1, p.weight_start, n);
    at::Tensor o;
    if (!p.uvu) {
      at::Tensor t2 = t.reshape({E, int64_t(p.mul1) * p.mul2, p.d3});
      at::Tensor Wm = shared ? Wp.reshape({int64_t(p.mul1) * p.mul2, p.mul_out})
                             : Wp.reshape({E, int64_t(p.mul1) * p.mul2, p.mul_out});
      o = at::matmul(Wm.transpose(-1, -2), t2);  // [E, mul_out, d3]
    } else {
      at::Tensor Wm = shared ? Wp.reshape({p.mul1, p.mul2}) : Wp.reshape({E, p.mul1, p.mul2});
      o = (t * Wm.unsqueeze(-1)).sum(2);  // [E, mul1, d3]
    }
    o = o.reshape({E, int64_t(p.mul_out) * p.d3});
    auto& part = parts[p.out_index];
    part = part.defined() ? part + o : o;
  }
  for (size_t o = 0; o < parts.size(); ++o)
    if (!parts[o].defined())
      parts[o] = at::zeros({E, int64_t(plan.out_entries[o].mul) * plan.out_entries[o].d},
                           x1.options());
  if (parts.empty()) return at::zeros({E, 0}, x1.options());
  return at::cat(parts, 1);
}

struct FusedTensorProduct : torch::autograd::Function<FusedTensorProduct> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x1, const at::Tensor& x2,
                            const at::Tensor& W, const c10::intrusive_ptr<TpPlan>& plan, bool shared) {
    ctx->save_for_backward({x1, x2, W});
    ctx->saved_data["plan"] = at::IValue::make_capsule(plan);
    ctx->saved_data["shared"] = shared;
    at::Tensor out = at::empty({x1.size(0), plan->dim_out}, x1.options());
    detail::tp_forward_cpu(*plan, x1, x2, W, shared, out);
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    auto plan = c10::static_intrusive_pointer_cast<TpPlan>(ctx->saved_data["plan"].toCapsule());
    const bool shared = ctx->saved_data["shared"].toBool();
    at::Tensor grad = grad_outputs[0].contiguous();
    if (at::GradMode::is_enabled()) {
      // create_graph: differentiate the torch-op version so that higher orders are exact.
      variable_list wrt;
      std::vector<int> where;
      for (int i = 0; i < 3; ++i)
        if (saved[i].requires_grad()) {
          wrt.push_back(saved[i]);
          where.push_back(i);
        }
      variable_list result(5);
      if (wrt.empty()) return result;
      at::Tensor out = reference_forward(*plan, saved[0], saved[1], saved[2], shared);
      auto grads = torch::autograd::grad({out}, wrt, {grad}, true, true, true);
      for (size_t n = 0; n < where.size(); ++n) result[where[n]] = grads[n];
      return result;
    }
    at::Tensor gx1 = at::empty_like(saved[0]), gx2 = at::empty_like(saved[1]), gW;
    // The weight gradient is as large as the weights: only make it when someone needs it.
    if (ctx->needs_input_grad(2))
      gW = detail::empty_huge_pages(saved[2].sizes(), saved[2].options());
    detail::tp_backward_cpu(*plan, saved[0], saved[1], saved[2], shared, grad, gx1, gx2, gW);
    return {ctx->needs_input_grad(0) ? gx1 : at::Tensor(),
            ctx->needs_input_grad(1) ? gx2 : at::Tensor(), gW, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor detail::apply_plan(const c10::intrusive_ptr<TpPlan>& plan, const at::Tensor& x1,
                              const at::Tensor& x2, const at::Tensor& weights, bool shared_weights,
                              bool fused) {
  if (fused && x1.device().is_cpu() && x1.size(0) > 0 &&
      (!shared_weights || detail::all_paths_channelwise(*plan)))
    return FusedTensorProduct::apply(x1.contiguous(), x2.contiguous(), weights.contiguous(), plan,
                                     shared_weights);
  return reference_forward(*plan, x1, x2, weights, shared_weights);
}

std::vector<Instruction> fully_connected_instructions(const Irreps& in1, const Irreps& in2,
                                                      const Irreps& out) {
  std::vector<Instruction> ins;
  for (int a = 0; a < int(in1.size()); ++a)
    for (int b = 0; b < int(in2.size()); ++b)
      for (int c = 0; c < int(out.size()); ++c) {
        const Irrep x = in1[a].ir, y = in2[b].ir, z = out[c].ir;
        if (triangle(x.l, y.l, z.l) && x.p * y.p == z.p) ins.push_back({a, b, c, TpMode::kUVW, 1.0});
      }
  return ins;
}

ChannelwiseSpec channelwise_instructions(const Irreps& in1, const Irreps& in2,
                                         const Irreps& filter) {
  ChannelwiseSpec spec;
  std::vector<MulIrrep> out;
  for (int a = 0; a < int(in1.size()); ++a)
    for (int b = 0; b < int(in2.size()); ++b)
      for (const Irrep& ir : in1[a].ir * in2[b].ir) {
        if (!filter.empty() && filter.count(ir) == 0) continue;
        if (ir.l > kMaxL) continue;
        spec.instructions.push_back({a, b, int(out.size()), TpMode::kUVU, 1.0});
        out.push_back({in1[a].mul, ir});
      }
  spec.irreps_out = Irreps(std::move(out));
  return spec;
}

TensorProductImpl::TensorProductImpl(Irreps irreps_in1, Irreps irreps_in2, Irreps irreps_out,
                                     std::vector<Instruction> instructions,
                                     TensorProductOptions options)
    : in1_(std::move(irreps_in1)),
      in2_(std::move(irreps_in2)),
      out_(std::move(irreps_out)),
      instructions_(std::move(instructions)),
      options_(options),
      plan_(build_plan(in1_, in2_, out_, instructions_, options.path_normalization)) {
  if (options_.internal_weights)
    weight = register_parameter("weight", at::randn({plan_->weight_numel}));
}

int64_t TensorProductImpl::weight_numel() const { return plan_->weight_numel; }

at::Tensor TensorProductImpl::resolve_weights(const at::Tensor& weights, int64_t rows) const {
  if (options_.internal_weights) {
    if (weights.defined())
      throw Error("tensor product: weights are internal, do not pass them to forward()");
    return weight;
  }
  if (!weights.defined())
    throw Error("tensor product: per-row weights [N, " + std::to_string(weight_numel()) +
                "] are required (internal_weights = false)");
  if (weights.size(-1) != weight_numel() || weights.numel() != rows * weight_numel())
    throw Error("tensor product: weights must be [..., " + std::to_string(weight_numel()) +
                "] with one row per input row");
  return weights.reshape({rows, weight_numel()});
}

int64_t TensorProductImpl::check_inputs(const at::Tensor& x1, const at::Tensor& x2) const {
  const int64_t rows1 = in1_.dim() ? x1.numel() / in1_.dim() : 0;
  const int64_t rows2 = in2_.dim() ? x2.numel() / in2_.dim() : 0;
  if (x1.dim() < 1 || x2.dim() < 1 || x1.size(-1) != in1_.dim() || x2.size(-1) != in2_.dim() ||
      rows1 != rows2)
    throw Error("tensor product: inputs must be [..., " + std::to_string(in1_.dim()) +
                "] and [..., " + std::to_string(in2_.dim()) + "] with the same number of rows");
  if (x2.scalar_type() != x1.scalar_type())
    throw Error("tensor product: both inputs must share one dtype");
  return rows1;
}

at::Tensor TensorProductImpl::forward(const at::Tensor& x1, const at::Tensor& x2,
                                      const at::Tensor& weights) {
  return run(x1, x2, weights, options_.fused);
}

at::Tensor TensorProductImpl::forward_reference(const at::Tensor& x1, const at::Tensor& x2,
                                                const at::Tensor& weights) {
  return run(x1, x2, weights, false);
}

at::Tensor TensorProductImpl::run(const at::Tensor& x1, const at::Tensor& x2,
                                  const at::Tensor& weights, bool fused) {
  const int64_t rows = check_inputs(x1, x2);
  at::Tensor W = resolve_weights(weights, rows);
  if (W.scalar_type() != x1.scalar_type())
    throw Error("tensor product: inputs and weights must share one dtype");
  at::Tensor out = detail::apply_plan(plan_, x1.reshape({rows, in1_.dim()}),
                                      x2.reshape({rows, in2_.dim()}), W,
                                      options_.internal_weights, fused);
  auto shape = x1.sizes().vec();
  shape.back() = out_.dim();
  return out.view(shape);
}

TensorProduct fully_connected_tensor_product(const Irreps& in1, const Irreps& in2,
                                             const Irreps& out, TensorProductOptions options) {
  return TensorProduct(in1, in2, out, fully_connected_instructions(in1, in2, out), options);
}

}  // namespace hamlet::equivariant
