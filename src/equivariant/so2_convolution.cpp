#include "equivariant/so2_convolution.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <map>
#include <mutex>

#include "core/error.hpp"
#include "equivariant/spherical_harmonics.hpp"

namespace hamlet::equivariant {
namespace {

using detail::TpPath;
using detail::TpPlan;

// Offset of D^l in the flattened [D^0 | D^1 | ...] rows.
int64_t wigner_offset(int l) {
  int64_t off = 0;
  for (int k = 0; k < l; ++k) off += int64_t(2 * k + 1) * (2 * k + 1);
  return off;
}

// Rotation of each irrep by the per-row D^l as a channel-wise product with unit weights:
// out[u, k] = sum_i D[k, i] x[u, i] (or D[i, k] when transposed). The second input is the
// flattened D blocks up to lmax, so the fused kernels also give the gradient with respect to D.
c10::intrusive_ptr<TpPlan> rotation_plan(const Irreps& irreps, int lmax, bool transpose) {
  auto plan = c10::make_intrusive<TpPlan>();
  detail::set_entries(*plan, irreps, irreps);
  plan->dim2 = wigner_offset(lmax + 1);
  int64_t weight_start = 0;
  for (size_t e = 0; e < irreps.size(); ++e) {
    if (irreps[e].mul == 0) continue;
    const int d = irreps[e].ir.dim();
    TpPath p;
    p.uvu = true;
    p.mul1 = p.mul_out = irreps[e].mul;
    p.mul2 = 1;
    p.d1 = p.d3 = d;
    p.d2 = d * d;
    p.x1_start = p.out_start = irreps.slice(e).start;
    p.x2_start = wigner_offset(irreps[e].ir.l);
    p.out_index = int(e);
    p.weight_start = weight_start;
    weight_start += p.weight_count();
    for (int i = 0; i < d; ++i)
      for (int k = 0; k < d; ++k) p.cg.push_back({i, transpose ? i * d + k : k * d + i, k, 1.0});
    detail::finalize_path(p);
    plan->paths.push_back(std::move(p));
  }
  plan->weight_numel = weight_start;
  return plan;
}

// The in-frame linear map of so2_convolution.hpp as paths with a constant second input 1.
c10::intrusive_ptr<TpPlan> mixing_plan(const Irreps& in, const Irreps& out, int mmax) {
  auto plan = c10::make_intrusive<TpPlan>();
  detail::set_entries(*plan, in, out);
  plan->dim2 = 1;
  auto max_m = [&](int li, int lo) { return std::min({li, lo, mmax < 0 ? li : mmax}); };
  auto even = [&](const Irrep& a, const Irrep& b) { return a.p * b.p == ((a.l + b.l) % 2 ? -1 : 1); };
  // Fan-in of each output (o, m) for the normalisation.
  std::vector<std::vector<double>> fan(out.size());
  for (size_t o = 0; o < out.size(); ++o) {
    fan[o].assign(out[o].ir.l + 1, 0.0);
    for (const auto& e : in)
      for (int m = even(e.ir, out[o].ir) ? 0 : 1; m <= max_m(e.ir.l, out[o].ir.l); ++m)
        fan[o][m] += e.mul;
  }
  int64_t weight_start = 0;
  for (size_t o = 0; o < out.size(); ++o)
    for (size_t i = 0; i < in.size(); ++i) {
      const Irrep a = in[i].ir, b = out[o].ir;
      const bool is_even = even(a, b);
      for (int m = is_even ? 0 : 1; m <= max_m(a.l, b.l); ++m) {
        TpPath p;
        p.mul1 = in[i].mul;
        p.mul2 = 1;
        p.mul_out = out[o].mul;
        p.d1 = a.dim();
        p.d2 = 1;
        p.d3 = b.dim();
        p.x1_start = in.slice(i).start;
        p.out_start = out.slice(o).start;
        p.out_index = int(o);
        p.weight_start = weight_start;
        if (p.weight_count() == 0) continue;
        weight_start += p.weight_count();
        const double alpha = 1.0 / std::sqrt(fan[o][m]);
        if (m == 0) {
          p.cg.push_back({a.l, 0, b.l, alpha});
        } else if (is_even) {
          p.cg.push_back({a.l + m, 0, b.l + m, alpha});
          p.cg.push_back({a.l - m, 0, b.l - m, alpha});
        } else {
          p.cg.push_back({a.l - m, 0, b.l + m, -alpha});
          p.cg.push_back({a.l + m, 0, b.l - m, alpha});
        }
        detail::finalize_path(p);
        plan->paths.push_back(std::move(p));
      }
    }
  plan->weight_numel = weight_start;
  return plan;
}

at::Tensor flatten_wigner(const std::vector<at::Tensor>& D, int lmax, int64_t rows) {
  if (int(D.size()) <= lmax) throw Error("rotate_irreps: need Wigner-D blocks up to l = " + std::to_string(lmax));
  std::vector<at::Tensor> flat;
  for (int l = 0; l <= lmax; ++l) {
    if (D[l].dim() != 3 || D[l].size(0) != rows || D[l].size(1) != 2 * l + 1 || D[l].size(2) != 2 * l + 1)
      throw Error("rotate_irreps: D[" + std::to_string(l) + "] must be [rows, " +
                  std::to_string(2 * l + 1) + ", " + std::to_string(2 * l + 1) + "]");
    flat.push_back(D[l].reshape({rows, -1}));
  }
  return at::cat(flat, 1);
}

at::Tensor apply_rotation(const c10::intrusive_ptr<TpPlan>& plan, const at::Tensor& x,
                          const at::Tensor& flat_D, bool fused) {
  at::Tensor ones = at::ones({x.size(0), plan->weight_numel}, x.options());
  return detail::apply_plan(plan, x, flat_D, ones, false, fused);
}

}  // namespace

at::Tensor rotate_irreps(const Irreps& irreps, const at::Tensor& x, const std::vector<at::Tensor>& D,
                         bool transpose) {
  if (x.dim() != 2 || x.size(1) != irreps.dim())
    throw Error("rotate_irreps: x must be [rows, " + std::to_string(irreps.dim()) + "]");
  static std::mutex mutex;
  static std::map<std::pair<std::string, bool>, c10::intrusive_ptr<TpPlan>> cache;
  c10::intrusive_ptr<TpPlan> plan;
  const int lmax = irreps.empty() ? 0 : irreps.lmax();
  {
    std::lock_guard lock(mutex);
    auto& slot = cache[{irreps.str(), transpose}];
    if (!slot) slot = rotation_plan(irreps, lmax, transpose);
    plan = slot;
  }
  return apply_rotation(plan, x, flatten_wigner(D, lmax, x.size(0)), true);
}

So2ConvolutionImpl::So2ConvolutionImpl(Irreps irreps_in, Irreps irreps_out,
                                       So2ConvolutionOptions options)
    : in_(std::move(irreps_in)), out_(std::move(irreps_out)), options_(options) {
  lmax_ = std::max(in_.empty() ? 0 : in_.lmax(), out_.empty() ? 0 : out_.lmax());
  rotate_in_ = rotation_plan(in_, lmax_, false);
  mix_ = mixing_plan(in_, out_, options_.mmax);
  rotate_back_ = rotation_plan(out_, lmax_, true);
}

int64_t So2ConvolutionImpl::weight_numel() const { return mix_->weight_numel; }

at::Tensor So2ConvolutionImpl::forward(const at::Tensor& x, const at::Tensor& edge_vectors,
                                       const at::Tensor& weights) {
  if (x.dim() != 2 || x.size(1) != in_.dim())
    throw Error("SO(2) convolution: x must be [E, " + std::to_string(in_.dim()) + "]");
  const int64_t E = x.size(0);
  if (edge_vectors.dim() != 2 || edge_vectors.size(0) != E || edge_vectors.size(1) != 3)
    throw Error("SO(2) convolution: edge vectors must be [E, 3]");
  if (weights.dim() != 2 || weights.size(0) != E || weights.size(1) != weight_numel())
    throw Error("SO(2) convolution: weights must be [E, " + std::to_string(weight_numel()) + "]");
  if (edge_vectors.scalar_type() != x.scalar_type() || weights.scalar_type() != x.scalar_type())
    throw Error("SO(2) convolution: inputs must share one dtype");
  at::Tensor flat_D = flatten_wigner(edge_frame_wigner_D(lmax_, edge_vectors), lmax_, E);
  at::Tensor in_frame = apply_rotation(rotate_in_, x, flat_D, options_.fused);
  at::Tensor mixed = detail::apply_plan(mix_, in_frame, at::ones({E, 1}, x.options()), weights,
                                        false, options_.fused);
  return apply_rotation(rotate_back_, mixed, flat_D, options_.fused);
}

}  // namespace hamlet::equivariant
