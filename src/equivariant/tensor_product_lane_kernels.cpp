// Edge-parallel and shared-weight kernels of channel-wise tensor products (declared in
// tensor_product_lane_kernels.hpp; the per-row kernels are in tensor_product_kernels.cpp).
#include "equivariant/tensor_product_lane_kernels.hpp"

#include <ATen/Parallel.h>

#include <algorithm>

#include "equivariant/tensor_product_simd.hpp"

namespace hamlet::equivariant::detail {
namespace {

// Per path, the (i, k) that any coefficient couples, by k: M[k][i] = sum_j C[i, j, k] x2[j]
// is zero elsewhere for every row. M is stored [k][i] so each output sums over contiguous i.
struct Coupled {
  std::vector<int> k, first;  // output component, start of its i's (first.back(): end)
  std::vector<int> i;
};
struct CoupledPlan {
  std::vector<Coupled> paths;
  size_t m_size = 1, d1_max = 1;
};

CoupledPlan coupled_components(const TpPlan& plan) {
  CoupledPlan out;
  out.paths.resize(plan.paths.size());
  for (size_t q = 0; q < plan.paths.size(); ++q) {
    const TpPath& p = plan.paths[q];
    std::vector<bool> seen(size_t(p.d1) * p.d3, false);
    for (const auto& c : p.cg) seen[c.k * p.d1 + c.i] = true;
    Coupled& cp = out.paths[q];
    for (int k = 0; k < p.d3; ++k) {
      const size_t before = cp.i.size();
      for (int i = 0; i < p.d1; ++i)
        if (seen[k * p.d1 + i]) cp.i.push_back(i);
      if (cp.i.size() == before) continue;
      cp.k.push_back(k);
      cp.first.push_back(int(before));
    }
    cp.first.push_back(int(cp.i.size()));
    out.m_size = std::max(out.m_size, size_t(p.d1) * p.d3);
    out.d1_max = std::max(out.d1_max, size_t(p.d1));
  }
  return out;
}

// M[k][i] = sum_j C[i, j, k] x2[j] for kLanes rows (x2 the path's part of input 2).
template <typename scalar_t>
void lane_coupling(const TpPath& p, const vec_t<scalar_t>* x2, vec_t<scalar_t>* M) {
  std::fill_n(M, p.d1 * p.d3, vec_t<scalar_t>{});
  for (const auto& c : p.cg) M[c.k * p.d1 + c.i] += scalar_t(c.c) * x2[c.j];
}

// Shared-weight channel-wise products (one W [mul1, mul2] per path for all rows): contract
// input 2 with the weights first, Y[u][j] = sum_v W[u, v] x2[v, j], then
// out[u, k] = sum C[i, j, k] x1[u, i] Y[u, j]. That is mul1 (mul2 d2 + nnz) multiply-adds a
// path instead of the mul1 mul2 nnz of every channel pair through the coefficients, and one
// pass over the rows instead of ~10 torch operations a path (which dominated the pair heads:
// ~25 % of a QM9 forward pass, README of src/equivariant).

// The weights transposed per path, Wt[v][u], so that sums over u run over contiguous memory.
template <typename scalar_t>
std::vector<scalar_t> transposed_shared_weights(const TpPlan& plan, const scalar_t* W) {
  std::vector<scalar_t> Wt(plan.weight_numel);
  for (const auto& p : plan.paths)
    for (int u = 0; u < p.mul1; ++u)
      for (int v = 0; v < p.mul2; ++v) Wt[p.weight_start + v * p.mul1 + u] = W[p.weight_start + u * p.mul2 + v];
  return Wt;
}

// Yt[j][u] = sum_v x2[v, j] Wt[v][u].
template <typename scalar_t>
void weighted_input2(const TpPath& p, const scalar_t* __restrict Wt, const scalar_t* __restrict x2,
                     scalar_t* __restrict Yt) {
  std::fill_n(Yt, p.d2 * p.mul1, scalar_t(0));
  for (int v = 0; v < p.mul2; ++v)
    for (int j = 0; j < p.d2; ++j) axpy(Yt + j * p.mul1, x2[v * p.d2 + j], Wt + v * p.mul1, p.mul1);
}

size_t shared_scratch_size(const TpPlan& plan) {
  size_t n = 1;
  for (const auto& p : plan.paths) n = std::max(n, size_t(p.d2) * p.mul1);
  return n;
}

}  // namespace

// Channel-wise products whose input 2 has one channel per entry (the model's message and edge
// products with the spherical harmonics of the edge) run edge-parallel, forward and backward:
// kLanes edges at once, one edge per vector lane, so every loop runs on full vectors whatever
// the multiplicities. Per edge, loops over 4-8 channels ran mostly scalar (~0.7 G multiply-adds/s).
bool lane_kernels_apply(const TpPlan& plan) {
  return !plan.paths.empty() &&
         std::all_of(plan.paths.begin(), plan.paths.end(), [](const TpPath& p) { return p.uvu && p.mul2 == 1; });
}

template <typename scalar_t>
void lane_forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                         scalar_t* out, int64_t edges) {
  using V = vec_t<scalar_t>;
  constexpr int N = kLanes<scalar_t>;
  const CoupledPlan cpl = coupled_components(plan);
  const int64_t blocks = (edges + N - 1) / N;
  at::parallel_for(0, blocks, std::max<int64_t>(1, kEdgeGrain / N), [&](int64_t begin, int64_t end) {
    std::vector<V> X1(plan.dim1), X2(plan.dim2), Wl(plan.weight_numel), acc(plan.dim_out), M(cpl.m_size),
        xw(cpl.d1_max);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t e0 = b * N;
      const int n = int(std::min<int64_t>(N, edges - e0));
      gather_lanes(x1, plan.dim1, e0, n, X1.data());
      gather_lanes(x2, plan.dim2, e0, n, X2.data());
      gather_lanes(W, plan.weight_numel, e0, n, Wl.data());
      std::fill(acc.begin(), acc.end(), V{});
      for (size_t q = 0; q < plan.paths.size(); ++q) {
        const TpPath& p = plan.paths[q];
        const Coupled& cp = cpl.paths[q];
        lane_coupling<scalar_t>(p, X2.data() + p.x2_start, M.data());
        for (int u = 0; u < p.mul1; ++u) {
          const V w = Wl[p.weight_start + u];
          const V* xu = X1.data() + p.x1_start + int64_t(u) * p.d1;
          for (int i = 0; i < p.d1; ++i) xw[i] = xu[i] * w;
          V* o = acc.data() + p.out_start + int64_t(u) * p.d3;
          for (size_t n = 0; n < cp.k.size(); ++n) {
            const V* Mk = M.data() + cp.k[n] * p.d1;
            V sum{};
            for (int t = cp.first[n]; t < cp.first[n + 1]; ++t) sum += Mk[cp.i[t]] * xw[cp.i[t]];
            o[cp.k[n]] = sum;  // each (path, u, k) is written by this path only
          }
        }
      }
      scatter_lanes(acc.data(), plan.dim_out, e0, n, out);
    }
  });
}

// The backward pass of lane_forward_kernel: gradients of x1, x2 and the per-row weights.
template <typename scalar_t>
void lane_backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                          const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW, int64_t edges) {
  using V = vec_t<scalar_t>;
  constexpr int N = kLanes<scalar_t>;
  const CoupledPlan cpl = coupled_components(plan);
  const int64_t blocks = (edges + N - 1) / N;
  at::parallel_for(0, blocks, std::max<int64_t>(1, kEdgeGrain / N), [&](int64_t begin, int64_t end) {
    std::vector<V> X1(plan.dim1), X2(plan.dim2), Wl(plan.weight_numel), G(plan.dim_out), GX1(plan.dim1),
        GX2(plan.dim2), GW(gW ? plan.weight_numel : 0), M(cpl.m_size), dM(cpl.m_size);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t e0 = b * N;
      const int n = int(std::min<int64_t>(N, edges - e0));
      gather_lanes(x1, plan.dim1, e0, n, X1.data());
      gather_lanes(x2, plan.dim2, e0, n, X2.data());
      gather_lanes(W, plan.weight_numel, e0, n, Wl.data());
      gather_lanes(gout, plan.dim_out, e0, n, G.data());
      std::fill(GX1.begin(), GX1.end(), V{});
      std::fill(GX2.begin(), GX2.end(), V{});
      for (size_t q = 0; q < plan.paths.size(); ++q) {
        const TpPath& p = plan.paths[q];
        const Coupled& cp = cpl.paths[q];
        lane_coupling<scalar_t>(p, X2.data() + p.x2_start, M.data());
        std::fill_n(dM.data(), p.d1 * p.d3, V{});
        for (int u = 0; u < p.mul1; ++u) {
          const V w = Wl[p.weight_start + u];
          const V* xu = X1.data() + p.x1_start + int64_t(u) * p.d1;
          V* gxu = GX1.data() + p.x1_start + int64_t(u) * p.d1;
          const V* gu = G.data() + p.out_start + int64_t(u) * p.d3;
          V gw{};
          for (size_t m = 0; m < cp.k.size(); ++m) {
            const int k = cp.k[m];
            const V* Mk = M.data() + k * p.d1;
            V* dMk = dM.data() + k * p.d1;
            const V wg = w * gu[k];
            V t{};
            for (int s = cp.first[m]; s < cp.first[m + 1]; ++s) {
              const int i = cp.i[s];
              t += Mk[i] * xu[i];
              gxu[i] += Mk[i] * wg;
              dMk[i] += wg * xu[i];
            }
            gw += gu[k] * t;
          }
          if (gW) GW[p.weight_start + u] = gw;
        }
        V* gx2p = GX2.data() + p.x2_start;
        for (const auto& c : p.cg) gx2p[c.j] += scalar_t(c.c) * dM[c.k * p.d1 + c.i];
      }
      scatter_lanes(GX1.data(), plan.dim1, e0, n, gx1);
      scatter_lanes(GX2.data(), plan.dim2, e0, n, gx2);
      if (gW) scatter_lanes(GW.data(), plan.weight_numel, e0, n, gW);
    }
  });
}

// Edge-parallel like lane_forward_kernel: kLanes rows at once, the shared weights broadcast.
template <typename scalar_t>
void shared_forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                           scalar_t* out, int64_t edges) {
  using V = vec_t<scalar_t>;
  constexpr int N = kLanes<scalar_t>;
  size_t y_size = 1;
  for (const auto& p : plan.paths) y_size = std::max(y_size, size_t(p.mul1) * p.d2);
  const int64_t blocks = (edges + N - 1) / N;
  at::parallel_for(0, blocks, std::max<int64_t>(1, kEdgeGrain / N), [&](int64_t begin, int64_t end) {
    std::vector<V> X1(plan.dim1), X2(plan.dim2), acc(plan.dim_out), Y(y_size);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t e0 = b * N;
      const int n = int(std::min<int64_t>(N, edges - e0));
      gather_lanes(x1, plan.dim1, e0, n, X1.data());
      gather_lanes(x2, plan.dim2, e0, n, X2.data());
      std::fill(acc.begin(), acc.end(), V{});
      for (const auto& p : plan.paths) {
        // Y[u][j] = sum_v W[u, v] x2[v, j]
        for (int u = 0; u < p.mul1; ++u)
          for (int j = 0; j < p.d2; ++j) {
            V y{};
            for (int v = 0; v < p.mul2; ++v)
              y += W[p.weight_start + u * p.mul2 + v] * X2[p.x2_start + int64_t(v) * p.d2 + j];
            Y[u * p.d2 + j] = y;
          }
        for (int u = 0; u < p.mul1; ++u) {
          const V* xu = X1.data() + p.x1_start + int64_t(u) * p.d1;
          const V* yu = Y.data() + u * p.d2;
          V* o = acc.data() + p.out_start + int64_t(u) * p.d3;
          for (const auto& c : p.cg) o[c.k] += scalar_t(c.c) * xu[c.i] * yu[c.j];
        }
      }
      scatter_lanes(acc.data(), plan.dim_out, e0, n, out);
    }
  });
}

// The weight gradient is summed over rows in fixed chunks, each into its own buffer, and the
// chunks are added in order: the same result for any thread count and schedule.
template <typename scalar_t>
void shared_backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                            const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW, int64_t edges) {
  const std::vector<scalar_t> Wt = transposed_shared_weights(plan, W);
  const size_t scratch = shared_scratch_size(plan);
  constexpr int64_t kChunkRows = 64;
  const int64_t chunks = (edges + kChunkRows - 1) / kChunkRows;
  std::vector<scalar_t> gWt_chunks(gW ? size_t(chunks) * plan.weight_numel : 0, scalar_t(0));
  at::parallel_for(0, chunks, 1, [&](int64_t chunk_begin, int64_t chunk_end) {
    std::vector<scalar_t> x1t(plan.dim1), gx1t(plan.dim1), g(plan.dim_out), Yt(scratch), gYt(scratch);
    for (int64_t chunk = chunk_begin; chunk < chunk_end; ++chunk) {
      scalar_t* gWt = gW ? gWt_chunks.data() + chunk * plan.weight_numel : nullptr;
      for (int64_t e = chunk * kChunkRows; e < std::min(edges, (chunk + 1) * kChunkRows); ++e) {
        to_channel_minor(plan.in1_entries, x1 + e * plan.dim1, x1t.data());
        to_channel_minor(plan.out_entries, gout + e * plan.dim_out, g.data());
        const scalar_t* x2e = x2 + e * plan.dim2;
        scalar_t* gx2e = gx2 + e * plan.dim2;
        std::fill(gx1t.begin(), gx1t.end(), scalar_t(0));
        std::fill(gx2e, gx2e + plan.dim2, scalar_t(0));
        for (const auto& p : plan.paths) {
          const scalar_t* Wtp = Wt.data() + p.weight_start;
          const scalar_t* x2p = x2e + p.x2_start;
          weighted_input2(p, Wtp, x2p, Yt.data());
          std::fill_n(gYt.data(), p.d2 * p.mul1, scalar_t(0));
          const scalar_t* x1p = x1t.data() + p.x1_start;
          scalar_t* gx1p = gx1t.data() + p.x1_start;
          const scalar_t* g_o = g.data() + p.out_start;
          for (const auto& c : p.cg) {
            const scalar_t* __restrict go = g_o + c.k * p.mul_out;
            const scalar_t* __restrict a = x1p + c.i * p.mul1;
            const scalar_t* __restrict y = Yt.data() + c.j * p.mul1;
            scalar_t* __restrict ga = gx1p + c.i * p.mul1;
            scalar_t* __restrict gy = gYt.data() + c.j * p.mul1;
            const scalar_t coef = scalar_t(c.c);
            for (int u = 0; u < p.mul1; ++u) {
              ga[u] += coef * y[u] * go[u];
              gy[u] += coef * a[u] * go[u];
            }
          }
          // Through Y = W x2: to x2 (dots over u) and to W.
          for (int v = 0; v < p.mul2; ++v)
            for (int j = 0; j < p.d2; ++j) {
              const scalar_t* __restrict wt = Wtp + v * p.mul1;
              const scalar_t* __restrict gy = gYt.data() + j * p.mul1;
              scalar_t sum = 0;
              for (int u = 0; u < p.mul1; ++u) sum += wt[u] * gy[u];
              gx2e[p.x2_start + v * p.d2 + j] += sum;
              if (gWt) axpy(gWt + p.weight_start + v * p.mul1, x2p[v * p.d2 + j], gy, p.mul1);
            }
        }
        from_channel_minor(plan.in1_entries, gx1t.data(), gx1 + e * plan.dim1);
      }
    }
  });
  if (!gW) return;
  std::vector<scalar_t> total(plan.weight_numel, scalar_t(0));
  for (int64_t chunk = 0; chunk < chunks; ++chunk)
    for (int64_t n = 0; n < plan.weight_numel; ++n) total[n] += gWt_chunks[chunk * plan.weight_numel + n];
  for (const auto& p : plan.paths)
    for (int u = 0; u < p.mul1; ++u)
      for (int v = 0; v < p.mul2; ++v) gW[p.weight_start + u * p.mul2 + v] = total[p.weight_start + v * p.mul1 + u];
}

#define HAMLET_LANE_KERNELS(T)                                                                          \
  template void lane_forward_kernel<T>(const TpPlan&, const T*, const T*, const T*, T*, int64_t);            \
  template void lane_backward_kernel<T>(const TpPlan&, const T*, const T*, const T*, const T*, T*, T*, T*,  \
                                        int64_t);                                                           \
  template void shared_forward_kernel<T>(const TpPlan&, const T*, const T*, const T*, T*, int64_t);          \
  template void shared_backward_kernel<T>(const TpPlan&, const T*, const T*, const T*, const T*, T*, T*, T*, \
                                          int64_t);
HAMLET_LANE_KERNELS(float)
HAMLET_LANE_KERNELS(double)
#undef HAMLET_LANE_KERNELS

}  // namespace hamlet::equivariant::detail
