#include "equivariant/tensor_product_kernels.hpp"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

namespace hamlet::equivariant::detail {
namespace {

// Edges per parallel task: enough work to amortise scheduling, small enough to balance.
constexpr int64_t kEdgeGrain = 16;

size_t max_md(const TpPlan& plan) {
  size_t n = 1;
  for (const auto& p : plan.paths) n = std::max(n, size_t(p.d1) * p.d3);
  return n;
}

// M[i, k] = sum_j C[i, j, k] x2[j] for one channel of input 2 (unused in direct mode).
template <typename scalar_t>
inline void contract_input2(const TpPath& p, const scalar_t* __restrict x2v, scalar_t* __restrict M) {
  if (p.direct) return;
  std::fill(M, M + p.d1 * p.d3, scalar_t(0));
  for (const auto& e : p.cg) M[e.i * p.d3 + e.k] += scalar_t(e.c) * x2v[e.j];
}

// t[k] = sum_{i,j} C[i, j, k] x1[i] x2[j] on the active k, through M or coefficient by
// coefficient.
template <typename scalar_t>
inline void contract(const TpPath& p, const scalar_t* __restrict x1u, const scalar_t* __restrict x2v,
                     const scalar_t* __restrict M, scalar_t* __restrict t) {
  for (int k : p.active_k) t[k] = 0;
  if (p.direct) {
    for (const auto& e : p.cg) t[e.k] += scalar_t(e.c) * x1u[e.i] * x2v[e.j];
    return;
  }
  for (int i = 0; i < p.d1; ++i) {
    const scalar_t xi = x1u[i];
    const scalar_t* Mi = M + i * p.d3;
    for (int k : p.active_k) t[k] += xi * Mi[k];
  }
}

// Given dt = d<g, out>/dt, accumulates the gradients of x1 (this channel) and of M, or of x2
// directly in direct mode.
template <typename scalar_t>
inline void contract_backward(const TpPath& p, const scalar_t* __restrict x1u,
                              const scalar_t* __restrict x2v, const scalar_t* __restrict M,
                              const scalar_t* __restrict dt, scalar_t* __restrict gx1u,
                              scalar_t* __restrict gx2v, scalar_t* __restrict dM) {
  if (p.direct) {
    for (const auto& e : p.cg) {
      const scalar_t c = scalar_t(e.c) * dt[e.k];
      gx1u[e.i] += c * x2v[e.j];
      gx2v[e.j] += c * x1u[e.i];
    }
    return;
  }
  for (int i = 0; i < p.d1; ++i) {
    const scalar_t* Mi = M + i * p.d3;
    scalar_t* dMi = dM + i * p.d3;
    scalar_t s = 0;
    for (int k : p.active_k) {
      s += Mi[k] * dt[k];
      dMi[k] += x1u[i] * dt[k];
    }
    gx1u[i] += s;
  }
}

template <typename scalar_t>
void forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                    scalar_t* out, int64_t edges) {
  const size_t md = max_md(plan);
  at::parallel_for(0, edges, kEdgeGrain, [&](int64_t begin, int64_t end) {
    // Accumulators are transposed per output entry ([k][w]) so the weight rows stream
    // contiguously into them.
    std::vector<scalar_t> acc(plan.dim_out), M(md), t(md);
    for (int64_t e = begin; e < end; ++e) {
      const scalar_t* x1e = x1 + e * plan.dim1;
      const scalar_t* x2e = x2 + e * plan.dim2;
      const scalar_t* We = W + e * plan.weight_numel;
      std::fill(acc.begin(), acc.end(), scalar_t(0));
      for (const auto& p : plan.paths) {
        scalar_t* __restrict acc_o = acc.data() + p.out_start;
        const scalar_t* Wp = We + p.weight_start;
        for (int v = 0; v < p.mul2; ++v) {
          const scalar_t* x2v = x2e + p.x2_start + v * p.d2;
          contract_input2(p, x2v, M.data());
          for (int u = 0; u < p.mul1; ++u) {
            contract(p, x1e + p.x1_start + u * p.d1, x2v, M.data(), t.data());
            if (p.uvu) {
              const scalar_t w = Wp[u * p.mul2 + v];
              for (int k : p.active_k) acc_o[k * p.mul_out + u] += w * t[k];
            } else {
              const scalar_t* __restrict row = Wp + (int64_t(u) * p.mul2 + v) * p.mul_out;
              for (int k : p.active_k) {
                const scalar_t tk = t[k];
                scalar_t* __restrict a = acc_o + k * p.mul_out;
                for (int w = 0; w < p.mul_out; ++w) a[w] += tk * row[w];
              }
            }
          }
        }
      }
      scalar_t* oute = out + e * plan.dim_out;
      for (const auto& o : plan.out_entries)
        for (int w = 0; w < o.mul; ++w)
          for (int k = 0; k < o.d; ++k) oute[o.start + w * o.d + k] = acc[o.start + k * o.mul + w];
    }
  });
}

template <typename scalar_t>
void backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                     const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW,
                     int64_t edges) {
  const size_t md = max_md(plan);
  at::parallel_for(0, edges, kEdgeGrain, [&](int64_t begin, int64_t end) {
    std::vector<scalar_t> g(plan.dim_out), M(md), dM(md), t(md), dt(md);
    for (int64_t e = begin; e < end; ++e) {
      const scalar_t* x1e = x1 + e * plan.dim1;
      const scalar_t* x2e = x2 + e * plan.dim2;
      const scalar_t* We = W + e * plan.weight_numel;
      scalar_t* gx1e = gx1 + e * plan.dim1;
      scalar_t* gx2e = gx2 + e * plan.dim2;
      scalar_t* gWe = gW + e * plan.weight_numel;
      std::fill(gx1e, gx1e + plan.dim1, scalar_t(0));
      std::fill(gx2e, gx2e + plan.dim2, scalar_t(0));
      const scalar_t* ge = gout + e * plan.dim_out;
      for (const auto& o : plan.out_entries)  // transpose grad_out like the accumulators
        for (int w = 0; w < o.mul; ++w)
          for (int k = 0; k < o.d; ++k) g[o.start + k * o.mul + w] = ge[o.start + w * o.d + k];
      for (const auto& p : plan.paths) {
        const scalar_t* __restrict g_o = g.data() + p.out_start;
        const scalar_t* Wp = We + p.weight_start;
        scalar_t* gWp = gWe + p.weight_start;
        for (int v = 0; v < p.mul2; ++v) {
          const scalar_t* x2v = x2e + p.x2_start + v * p.d2;
          scalar_t* gx2v = gx2e + p.x2_start + v * p.d2;
          contract_input2(p, x2v, M.data());
          if (!p.direct) std::fill(dM.begin(), dM.begin() + p.d1 * p.d3, scalar_t(0));
          for (int u = 0; u < p.mul1; ++u) {
            const scalar_t* x1u = x1e + p.x1_start + u * p.d1;
            contract(p, x1u, x2v, M.data(), t.data());
            if (p.uvu) {
              const int64_t widx = int64_t(u) * p.mul2 + v;
              scalar_t gw = 0;
              for (int k : p.active_k) {
                const scalar_t gk = g_o[k * p.mul_out + u];
                gw += t[k] * gk;
                dt[k] = Wp[widx] * gk;
              }
              gWp[widx] = gw;
            } else {
              const int64_t row_start = (int64_t(u) * p.mul2 + v) * p.mul_out;
              const scalar_t* __restrict row = Wp + row_start;
              scalar_t* __restrict grow = gWp + row_start;
              std::fill(grow, grow + p.mul_out, scalar_t(0));
              for (int k : p.active_k) {
                const scalar_t* __restrict gk = g_o + k * p.mul_out;
                const scalar_t tk = t[k];
                scalar_t dot = 0;
                for (int w = 0; w < p.mul_out; ++w) {
                  dot += row[w] * gk[w];
                  grow[w] += tk * gk[w];
                }
                dt[k] = dot;
              }
            }
            contract_backward(p, x1u, x2v, M.data(), dt.data(), gx1e + p.x1_start + u * p.d1,
                              gx2v, dM.data());
          }
          if (!p.direct)
            for (const auto& c : p.cg) gx2v[c.j] += scalar_t(c.c) * dM[c.i * p.d3 + c.k];
        }
      }
    }
  });
}

}  // namespace

void finalize_path(TpPath& path) {
  path.cg_dense = at::zeros({path.d1, path.d2, path.d3}, at::kDouble);
  auto dense = path.cg_dense.accessor<double, 3>();
  std::vector<bool> active(path.d3, false);
  for (const auto& e : path.cg) {
    dense[e.i][e.j][e.k] += e.c;
    active[e.k] = true;
  }
  path.active_k.clear();
  for (int k = 0; k < path.d3; ++k)
    if (active[k]) path.active_k.push_back(k);
  // Through M costs nnz + d1 * d3 per channel pair, directly 2 * nnz.
  path.direct = 2 * path.cg.size() < size_t(path.d1) * path.d3;
}

at::Tensor empty_huge_pages(at::IntArrayRef sizes, const at::TensorOptions& options) {
  constexpr size_t kHuge = size_t(2) << 20;
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  const size_t bytes = size_t(numel) * options.dtype().itemsize();
  if (!options.device().is_cpu() || bytes < 32 * kHuge) return at::empty(sizes, options);
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* ptr = std::aligned_alloc(kHuge, rounded);
  if (!ptr) return at::empty(sizes, options);
  madvise(ptr, rounded, MADV_HUGEPAGE);  // a hint: without THP this is a no-op
  return at::from_blob(ptr, sizes, [](void* p) { std::free(p); }, options);
}

void tp_forward_cpu(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                    const at::Tensor& weights, at::Tensor& out) {
  AT_DISPATCH_FLOATING_TYPES(x1.scalar_type(), "hamlet_tp_forward", [&] {
    forward_kernel<scalar_t>(plan, x1.data_ptr<scalar_t>(), x2.data_ptr<scalar_t>(),
                             weights.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), x1.size(0));
  });
}

void tp_backward_cpu(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                     const at::Tensor& weights, const at::Tensor& grad_out, at::Tensor& grad_x1,
                     at::Tensor& grad_x2, at::Tensor& grad_weights) {
  AT_DISPATCH_FLOATING_TYPES(x1.scalar_type(), "hamlet_tp_backward", [&] {
    backward_kernel<scalar_t>(plan, x1.data_ptr<scalar_t>(), x2.data_ptr<scalar_t>(),
                              weights.data_ptr<scalar_t>(), grad_out.data_ptr<scalar_t>(),
                              grad_x1.data_ptr<scalar_t>(), grad_x2.data_ptr<scalar_t>(),
                              grad_weights.data_ptr<scalar_t>(), x1.size(0));
  });
}

}  // namespace hamlet::equivariant::detail
