#include "equivariant/tensor_product_kernels.hpp"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace hamlet::equivariant::detail {
namespace {

// Edges per parallel task: enough work to amortise scheduling, small enough to balance.
constexpr int64_t kEdgeGrain = 16;
// Output channels are processed in chunks of kChunk vectors of 32 bytes (GCC/Clang vector
// extensions: plain arrays are not reliably vectorised once the compiler unrolls them).
template <typename T>
struct Vec32 {
  typedef T type __attribute__((vector_size(32)));
};
template <typename T>
using vec_t = typename Vec32<T>::type;
template <typename T>
constexpr int kVecLanes = int(sizeof(vec_t<T>) / sizeof(T));
constexpr int kChunk = 2;
template <typename T>
inline vec_t<T> load(const T* p) {
  vec_t<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename T>
inline void store(T* p, const vec_t<T>& v) {
  std::memcpy(p, &v, sizeof(v));
}
// Output components (k) handled together: kBlockK x kChunk accumulators stay in registers.
constexpr int kBlockK = 4;

// Per-edge scratch sizes of a plan.
struct Scratch {
  size_t m = 1;  // mul2 * d1 * d3: M[v][i][k] for every channel v of input 2
  size_t t = 1;  // mul1 * mul2 * d3: T[(u, v)][k]
};

Scratch scratch_sizes(const TpPlan& plan) {
  Scratch s;
  for (const auto& p : plan.paths) {
    s.m = std::max(s.m, size_t(p.mul2) * p.d1 * p.d3);
    s.t = std::max(s.t, size_t(p.mul1) * p.mul2 * p.d3);
  }
  return s;
}

// M[v][i][k] = sum_j C[i, j, k] x2[v, j] and T[(u, v)][k] = sum_i x1[u, i] M[v][i][k] on the
// active k (T rows follow the weight rows u * mul2 + v). Direct mode skips M.
template <typename scalar_t>
void contract_inputs(const TpPath& p, const scalar_t* __restrict x1, const scalar_t* __restrict x2,
                     scalar_t* __restrict M, scalar_t* __restrict T) {
  const int d13 = p.d1 * p.d3;
  if (!p.direct)
    for (int v = 0; v < p.mul2; ++v) {
      scalar_t* Mv = M + v * d13;
      std::fill(Mv, Mv + d13, scalar_t(0));
      for (const auto& e : p.cg) Mv[e.i * p.d3 + e.k] += scalar_t(e.c) * x2[v * p.d2 + e.j];
    }
  for (int u = 0; u < p.mul1; ++u) {
    const scalar_t* x1u = x1 + u * p.d1;
    for (int v = 0; v < p.mul2; ++v) {
      scalar_t* t = T + (u * p.mul2 + v) * p.d3;
      for (int k : p.active_k) t[k] = 0;
      if (p.direct) {
        for (const auto& e : p.cg) t[e.k] += scalar_t(e.c) * x1u[e.i] * x2[v * p.d2 + e.j];
        continue;
      }
      const scalar_t* Mv = M + v * d13;
      for (int i = 0; i < p.d1; ++i)
        for (int k : p.active_k) t[k] += x1u[i] * Mv[i * p.d3 + k];
    }
  }
}

// acc[k][w] += sum_r T[r][k] W[r][w] for KB active k: the uvw inner product, register-blocked
// over KB components x (kChunk vectors of channels) so each weight row is loaded once per block.
template <typename scalar_t, int KB>
void accumulate_rows(int rows, int cols, const scalar_t* __restrict T, int d3, const int* ks,
                     const scalar_t* __restrict W, scalar_t* __restrict acc) {
  using V = vec_t<scalar_t>;
  constexpr int N = kVecLanes<scalar_t>, C = kChunk * N;
  int w0 = 0;
  for (; w0 + C <= cols; w0 += C) {
    V a[KB][kChunk];
    for (int b = 0; b < KB; ++b)
      for (int j = 0; j < kChunk; ++j) a[b][j] = load(acc + ks[b] * cols + w0 + j * N);
    for (int r = 0; r < rows; ++r) {
      V row[kChunk];
      for (int j = 0; j < kChunk; ++j) row[j] = load(W + int64_t(r) * cols + w0 + j * N);
      for (int b = 0; b < KB; ++b) {
        const scalar_t t = T[r * d3 + ks[b]];
        for (int j = 0; j < kChunk; ++j) a[b][j] += t * row[j];
      }
    }
    for (int b = 0; b < KB; ++b)
      for (int j = 0; j < kChunk; ++j) store(acc + ks[b] * cols + w0 + j * N, a[b][j]);
  }
  for (int r = 0; r < rows; ++r)  // channels left over (cols not a multiple of C)
    for (int b = 0; b < KB; ++b) {
      const scalar_t t = T[r * d3 + ks[b]];
      for (int w = w0; w < cols; ++w) acc[ks[b] * cols + w] += t * W[int64_t(r) * cols + w];
    }
}

// For KB active k: gW[r][w] (+)= sum_k T[r][k] G[k][w] and dT[r][k] = sum_w W[r][w] G[k][w].
template <typename scalar_t, int KB>
void backward_rows(int rows, int cols, const scalar_t* __restrict T, int d3, const int* ks,
                   const scalar_t* __restrict W, const scalar_t* __restrict G, bool first,
                   scalar_t* __restrict gW, scalar_t* __restrict dT) {
  using V = vec_t<scalar_t>;
  constexpr int N = kVecLanes<scalar_t>, C = kChunk * N;
  for (int r = 0; r < rows; ++r) {
    const scalar_t* row = W + int64_t(r) * cols;
    scalar_t* grow = gW + int64_t(r) * cols;
    scalar_t t[KB];
    V dot[KB][kChunk];
    for (int b = 0; b < KB; ++b) {
      t[b] = T[r * d3 + ks[b]];
      for (int j = 0; j < kChunk; ++j) dot[b][j] = V{} ;
    }
    int w0 = 0;
    for (; w0 + C <= cols; w0 += C) {
      V g[kChunk], wv[kChunk];
      for (int j = 0; j < kChunk; ++j) {
        g[j] = first ? V{} : load(grow + w0 + j * N);
        wv[j] = load(row + w0 + j * N);
      }
      for (int b = 0; b < KB; ++b)
        for (int j = 0; j < kChunk; ++j) {
          const V gk = load(G + ks[b] * cols + w0 + j * N);
          g[j] += t[b] * gk;
          dot[b][j] += wv[j] * gk;
        }
      for (int j = 0; j < kChunk; ++j) store(grow + w0 + j * N, g[j]);
    }
    for (int b = 0; b < KB; ++b) {
      scalar_t sum = 0;
      for (int j = 0; j < kChunk; ++j)
        for (int l = 0; l < N; ++l) sum += dot[b][j][l];
      const scalar_t* Gk = G + ks[b] * cols;
      for (int w = w0; w < cols; ++w) {
        sum += row[w] * Gk[w];
        grow[w] = (first && b == 0 ? scalar_t(0) : grow[w]) + t[b] * Gk[w];
      }
      dT[r * d3 + ks[b]] = sum;
    }
  }
}

// Calls f(ks, n) on blocks of at most kBlockK active components.
template <typename F>
void for_k_blocks(const TpPath& p, F&& f) {
  const int n = int(p.active_k.size());
  for (int b = 0; b < n; b += kBlockK) f(p.active_k.data() + b, std::min(kBlockK, n - b));
}

template <typename scalar_t>
void forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                    scalar_t* out, int64_t edges) {
  const Scratch sizes = scratch_sizes(plan);
  at::parallel_for(0, edges, kEdgeGrain, [&](int64_t begin, int64_t end) {
    // Accumulators are transposed per output entry ([k][w]) so weight rows stream into them.
    std::vector<scalar_t> acc(plan.dim_out), M(sizes.m), T(sizes.t);
    for (int64_t e = begin; e < end; ++e) {
      const scalar_t* x1e = x1 + e * plan.dim1;
      const scalar_t* x2e = x2 + e * plan.dim2;
      const scalar_t* We = W + e * plan.weight_numel;
      std::fill(acc.begin(), acc.end(), scalar_t(0));
      for (const auto& p : plan.paths) {
        contract_inputs(p, x1e + p.x1_start, x2e + p.x2_start, M.data(), T.data());
        scalar_t* acc_o = acc.data() + p.out_start;
        const scalar_t* Wp = We + p.weight_start;
        if (p.uvu) {
          for (int u = 0; u < p.mul1; ++u)
            for (int v = 0; v < p.mul2; ++v) {
              const scalar_t w = Wp[u * p.mul2 + v];
              const scalar_t* t = T.data() + (u * p.mul2 + v) * p.d3;
              for (int k : p.active_k) acc_o[k * p.mul_out + u] += w * t[k];
            }
          continue;
        }
        const int rows = p.mul1 * p.mul2;
        for_k_blocks(p, [&](const int* ks, int n) {
          switch (n) {
            case 1: accumulate_rows<scalar_t, 1>(rows, p.mul_out, T.data(), p.d3, ks, Wp, acc_o); break;
            case 2: accumulate_rows<scalar_t, 2>(rows, p.mul_out, T.data(), p.d3, ks, Wp, acc_o); break;
            case 3: accumulate_rows<scalar_t, 3>(rows, p.mul_out, T.data(), p.d3, ks, Wp, acc_o); break;
            default: accumulate_rows<scalar_t, 4>(rows, p.mul_out, T.data(), p.d3, ks, Wp, acc_o);
          }
        });
      }
      scalar_t* oute = out + e * plan.dim_out;
      for (const auto& o : plan.out_entries)
        for (int w = 0; w < o.mul; ++w)
          for (int k = 0; k < o.d; ++k) oute[o.start + w * o.d + k] = acc[o.start + k * o.mul + w];
    }
  });
}

// Gradients of x1 and x2 from dT (the gradient of T), per path.
template <typename scalar_t>
void contract_inputs_backward(const TpPath& p, const scalar_t* __restrict x1,
                              const scalar_t* __restrict x2, const scalar_t* __restrict M,
                              const scalar_t* __restrict dT, scalar_t* __restrict dM,
                              scalar_t* __restrict gx1, scalar_t* __restrict gx2) {
  const int d13 = p.d1 * p.d3;
  if (!p.direct) std::fill(dM, dM + p.mul2 * d13, scalar_t(0));
  for (int u = 0; u < p.mul1; ++u) {
    const scalar_t* x1u = x1 + u * p.d1;
    scalar_t* gx1u = gx1 + u * p.d1;
    for (int v = 0; v < p.mul2; ++v) {
      const scalar_t* dt = dT + (u * p.mul2 + v) * p.d3;
      if (p.direct) {
        for (const auto& e : p.cg) {
          const scalar_t c = scalar_t(e.c) * dt[e.k];
          gx1u[e.i] += c * x2[v * p.d2 + e.j];
          gx2[v * p.d2 + e.j] += c * x1u[e.i];
        }
        continue;
      }
      const scalar_t* Mv = M + v * d13;
      scalar_t* dMv = dM + v * d13;
      for (int i = 0; i < p.d1; ++i) {
        scalar_t s = 0;
        for (int k : p.active_k) {
          s += Mv[i * p.d3 + k] * dt[k];
          dMv[i * p.d3 + k] += x1u[i] * dt[k];
        }
        gx1u[i] += s;
      }
    }
  }
  if (!p.direct)
    for (int v = 0; v < p.mul2; ++v)
      for (const auto& e : p.cg) gx2[v * p.d2 + e.j] += scalar_t(e.c) * dM[v * d13 + e.i * p.d3 + e.k];
}

template <typename scalar_t>
void backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                     const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW,
                     int64_t edges) {
  const Scratch sizes = scratch_sizes(plan);
  at::parallel_for(0, edges, kEdgeGrain, [&](int64_t begin, int64_t end) {
    std::vector<scalar_t> g(plan.dim_out), M(sizes.m), dM(sizes.m), T(sizes.t), dT(sizes.t);
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
        const scalar_t* x1p = x1e + p.x1_start;
        const scalar_t* x2p = x2e + p.x2_start;
        contract_inputs(p, x1p, x2p, M.data(), T.data());
        const scalar_t* g_o = g.data() + p.out_start;
        const scalar_t* Wp = We + p.weight_start;
        scalar_t* gWp = gWe + p.weight_start;
        if (p.uvu) {
          for (int u = 0; u < p.mul1; ++u)
            for (int v = 0; v < p.mul2; ++v) {
              const int r = u * p.mul2 + v;
              scalar_t gw = 0;
              for (int k : p.active_k) {
                const scalar_t gk = g_o[k * p.mul_out + u];
                gw += T[r * p.d3 + k] * gk;
                dT[r * p.d3 + k] = Wp[r] * gk;
              }
              gWp[r] = gw;
            }
        } else {
          const int rows = p.mul1 * p.mul2;
          bool first = true;
          for_k_blocks(p, [&](const int* ks, int n) {
            const scalar_t* Tp = T.data();
            switch (n) {
              case 1: backward_rows<scalar_t, 1>(rows, p.mul_out, Tp, p.d3, ks, Wp, g_o, first, gWp, dT.data()); break;
              case 2: backward_rows<scalar_t, 2>(rows, p.mul_out, Tp, p.d3, ks, Wp, g_o, first, gWp, dT.data()); break;
              case 3: backward_rows<scalar_t, 3>(rows, p.mul_out, Tp, p.d3, ks, Wp, g_o, first, gWp, dT.data()); break;
              default: backward_rows<scalar_t, 4>(rows, p.mul_out, Tp, p.d3, ks, Wp, g_o, first, gWp, dT.data());
            }
            first = false;
          });
          if (first) std::fill(gWp, gWp + p.weight_count(), scalar_t(0));  // no active k
        }
        contract_inputs_backward(p, x1p, x2p, M.data(), dT.data(), dM.data(), gx1e + p.x1_start,
                                 gx2e + p.x2_start);
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
