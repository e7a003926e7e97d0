#include "equivariant/tensor_product_kernels.hpp"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "equivariant/tensor_product_lane_kernels.hpp"
#include "equivariant/tensor_product_simd.hpp"

namespace hamlet::equivariant::detail {
namespace {

// Output channels per register block (in vectors) and output components per block: the
// kBlockK x kChunk accumulators stay in registers while weight rows stream past.
constexpr int kChunk = 2;
constexpr int kBlockK = 4;

// Dot products end in a sum over vector lanes. One at a time that costs several shuffles per
// dot and dominated the backward pass (measured 9x slower); dot_many reduces kLanes dots at
// once with a transpose-and-add network.
template <typename T>
struct Mask32 {
  typedef std::conditional_t<sizeof(T) == 4, int32_t, int64_t> lane;
  typedef lane type __attribute__((vector_size(32)));
};

// r[c] = sum of the lanes of v[c], for c < kLanes.
template <typename T>
inline vec_t<T> reduce_lanes(const vec_t<T>* v) {
#if defined(__GNUC__) && !defined(__clang__)
  using M = typename Mask32<T>::type;
  if constexpr (kLanes<T> == 8) {
    const M lo = {0, 2, 8, 10, 4, 6, 12, 14}, hi = {1, 3, 9, 11, 5, 7, 13, 15};
    vec_t<T> h[4];
    for (int j = 0; j < 4; ++j)
      h[j] = __builtin_shuffle(v[2 * j], v[2 * j + 1], lo) + __builtin_shuffle(v[2 * j], v[2 * j + 1], hi);
    const vec_t<T> g0 = __builtin_shuffle(h[0], h[1], lo) + __builtin_shuffle(h[0], h[1], hi);
    const vec_t<T> g1 = __builtin_shuffle(h[2], h[3], lo) + __builtin_shuffle(h[2], h[3], hi);
    const M first = {0, 1, 2, 3, 8, 9, 10, 11}, second = {4, 5, 6, 7, 12, 13, 14, 15};
    return __builtin_shuffle(g0, g1, first) + __builtin_shuffle(g0, g1, second);
  } else {
    const M lo = {0, 4, 2, 6}, hi = {1, 5, 3, 7};
    const vec_t<T> h0 = __builtin_shuffle(v[0], v[1], lo) + __builtin_shuffle(v[0], v[1], hi);
    const vec_t<T> h1 = __builtin_shuffle(v[2], v[3], lo) + __builtin_shuffle(v[2], v[3], hi);
    const M first = {0, 1, 4, 5}, second = {2, 3, 6, 7};
    return __builtin_shuffle(h0, h1, first) + __builtin_shuffle(h0, h1, second);
  }
#else
  vec_t<T> r{};
  for (int c = 0; c < kLanes<T>; ++c)
    for (int l = 0; l < kLanes<T>; ++l) r[c] += v[c][l];
  return r;
#endif
}

// out[c] = sum_i a[c][i] b[c][i] for c < count, all of length n.
template <typename T>
void dot_many(int count, int n, const T* const* a, const T* const* b, T* out) {
  constexpr int N = kLanes<T>;
  const int nv = n / N * N;
  vec_t<T> acc[N];
  for (int c0 = 0; c0 < count; c0 += N) {
    const int m = std::min(N, count - c0);
    for (int c = 0; c < N; ++c) {
      acc[c] = vec_t<T>{};
      if (c >= m) continue;
      for (int i = 0; i < nv; i += N) acc[c] += load(a[c0 + c] + i) * load(b[c0 + c] + i);
    }
    const vec_t<T> r = reduce_lanes<T>(acc);
    for (int c = 0; c < m; ++c) {
      T sum = r[c];
      for (int i = nv; i < n; ++i) sum += a[c0 + c][i] * b[c0 + c][i];
      out[c0 + c] = sum;
    }
  }
}

// Per-edge scratch: M[i][k] for one channel of input 2, T[k][v][u] for a path, and the
// largest batch of dot products.
struct Scratch {
  size_t m = 1, t = 1, dots = 1;
};

Scratch scratch_sizes(const TpPlan& plan) {
  Scratch s;
  for (const auto& p : plan.paths) {
    s.m = std::max(s.m, size_t(p.d1) * p.d3);
    s.t = std::max(s.t, size_t(p.mul1) * p.mul2 * p.d3);
    s.dots = std::max({s.dots, size_t(p.mul1), size_t(p.d1) * p.d3, p.cg.size()});
  }
  return s;
}

// Index of T[k][v][u] (channel-minor so the contractions below run over u).
inline int t_index(const TpPath& p, int k, int v, int u) { return (k * p.mul2 + v) * p.mul1 + u; }

// M[i][k] = sum_j C[i, j, k] x2[v, j].
template <typename scalar_t>
void contract_input2(const TpPath& p, const scalar_t* __restrict x2v, scalar_t* __restrict M) {
  std::fill(M, M + p.d1 * p.d3, scalar_t(0));
  for (const auto& e : p.cg) M[e.i * p.d3 + e.k] += scalar_t(e.c) * x2v[e.j];
}

// T[k][v][u] = sum_{i,j} C[i, j, k] x1[u, i] x2[v, j] on the active k; x1t is input 1 of the
// path with channels minor ([i][u]).
template <typename scalar_t>
void contract_inputs(const TpPath& p, const scalar_t* __restrict x1t, const scalar_t* __restrict x2,
                     scalar_t* __restrict M, scalar_t* __restrict T) {
  for (int v = 0; v < p.mul2; ++v) {
    const scalar_t* x2v = x2 + v * p.d2;
    for (int k : p.active_k) std::fill_n(T + t_index(p, k, v, 0), p.mul1, scalar_t(0));
    if (p.direct) {
      for (const auto& e : p.cg)
        axpy(T + t_index(p, e.k, v, 0), scalar_t(e.c) * x2v[e.j], x1t + e.i * p.mul1, p.mul1);
      continue;
    }
    contract_input2(p, x2v, M);
    for (int i = 0; i < p.d1; ++i)
      for (int k : p.active_k)
        if (M[i * p.d3 + k] != scalar_t(0))
          axpy(T + t_index(p, k, v, 0), M[i * p.d3 + k], x1t + i * p.mul1, p.mul1);
  }
}

// Pointer lists and results for batches of dot products.
template <typename scalar_t>
struct DotBatch {
  std::vector<const scalar_t*> a, b;
  std::vector<scalar_t> out;
  void resize(size_t n) {
    a.resize(n);
    b.resize(n);
    out.resize(n);
  }
};

// Gradients of input 1 (channel-minor) and input 2 from dT, the gradient of T.
template <typename scalar_t>
void contract_inputs_backward(const TpPath& p, const scalar_t* __restrict x1t,
                              const scalar_t* __restrict x2, const scalar_t* __restrict dT,
                              scalar_t* __restrict M, DotBatch<scalar_t>& dots,
                              scalar_t* __restrict gx1t, scalar_t* __restrict gx2) {
  for (int v = 0; v < p.mul2; ++v) {
    const scalar_t* x2v = x2 + v * p.d2;
    scalar_t* gx2v = gx2 + v * p.d2;
    if (p.direct) {
      int n = 0;
      for (const auto& e : p.cg) {
        const scalar_t* dt = dT + t_index(p, e.k, v, 0);
        axpy(gx1t + e.i * p.mul1, scalar_t(e.c) * x2v[e.j], dt, p.mul1);
        dots.a[n] = x1t + e.i * p.mul1;
        dots.b[n++] = dt;
      }
      dot_many(n, p.mul1, dots.a.data(), dots.b.data(), dots.out.data());
      n = 0;
      for (const auto& e : p.cg) gx2v[e.j] += scalar_t(e.c) * dots.out[n++];
      continue;
    }
    // dM[i][k] = <x1[., i], dT[k][v][.]> goes back to x2 through the coefficients.
    contract_input2(p, x2v, M);
    int n = 0;
    for (int i = 0; i < p.d1; ++i)
      for (int k : p.active_k) {
        const scalar_t* dt = dT + t_index(p, k, v, 0);
        if (M[i * p.d3 + k] != scalar_t(0)) axpy(gx1t + i * p.mul1, M[i * p.d3 + k], dt, p.mul1);
        dots.a[n] = x1t + i * p.mul1;
        dots.b[n++] = dt;
      }
    dot_many(n, p.mul1, dots.a.data(), dots.b.data(), dots.out.data());
    scalar_t* dM = M;  // M is no longer needed: reuse it for dM on the active k
    n = 0;
    for (int i = 0; i < p.d1; ++i)
      for (int k : p.active_k) dM[i * p.d3 + k] = dots.out[n++];
    for (const auto& e : p.cg) gx2v[e.j] += scalar_t(e.c) * dM[e.i * p.d3 + e.k];
  }
}

// acc[k][w] += sum_{u,v} T[k][v][u] W[(u, v)][w] for KB active k (the uvw product), with
// KB x kChunk vector accumulators so each weight row is loaded once per block of k.
template <typename scalar_t, int KB>
void accumulate_rows(const TpPath& p, const scalar_t* __restrict T, const int* ks,
                     const scalar_t* __restrict W, scalar_t* __restrict acc) {
  using V = vec_t<scalar_t>;
  constexpr int N = kLanes<scalar_t>, C = kChunk * N;
  const int cols = p.mul_out;
  int w0 = 0;
  for (; w0 + C <= cols; w0 += C) {
    V a[KB][kChunk];
    for (int b = 0; b < KB; ++b)
      for (int j = 0; j < kChunk; ++j) a[b][j] = load(acc + ks[b] * cols + w0 + j * N);
    for (int u = 0; u < p.mul1; ++u)
      for (int v = 0; v < p.mul2; ++v) {
        const scalar_t* row = W + int64_t(u * p.mul2 + v) * cols + w0;
        V r[kChunk];
        for (int j = 0; j < kChunk; ++j) r[j] = load(row + j * N);
        for (int b = 0; b < KB; ++b) {
          const scalar_t t = T[t_index(p, ks[b], v, u)];
          for (int j = 0; j < kChunk; ++j) a[b][j] += t * r[j];
        }
      }
    for (int b = 0; b < KB; ++b)
      for (int j = 0; j < kChunk; ++j) store(acc + ks[b] * cols + w0 + j * N, a[b][j]);
  }
  if (w0 == cols) return;
  for (int u = 0; u < p.mul1; ++u)  // channels left over (mul_out not a multiple of C)
    for (int v = 0; v < p.mul2; ++v)
      for (int b = 0; b < KB; ++b) {
        const scalar_t t = T[t_index(p, ks[b], v, u)];
        const scalar_t* row = W + int64_t(u * p.mul2 + v) * cols;
        for (int w = w0; w < cols; ++w) acc[ks[b] * cols + w] += t * row[w];
      }
}

// The uvw backward: gW[(u,v)][w] = sum_k T[k][v][u] G[k][w] (vectorised over w) and
// dT[k][v][u] = <W[(u,v)], G[k]> (batched dot products).
template <typename scalar_t>
void backward_rows(const TpPath& p, const scalar_t* __restrict T, const scalar_t* __restrict W,
                   const scalar_t* __restrict G, DotBatch<scalar_t>& dots, scalar_t* __restrict gW,
                   scalar_t* __restrict dT) {
  using V = vec_t<scalar_t>;
  constexpr int N = kLanes<scalar_t>, C = kChunk * N;
  const int cols = p.mul_out;
  for (int u = 0; u < p.mul1 && gW; ++u)
    for (int v = 0; v < p.mul2; ++v) {
      scalar_t* grow = gW + int64_t(u * p.mul2 + v) * cols;
      int w0 = 0;
      for (; w0 + C <= cols; w0 += C) {
        V g[kChunk] = {};
        for (int k : p.active_k) {
          const scalar_t t = T[t_index(p, k, v, u)];
          for (int j = 0; j < kChunk; ++j) g[j] += t * load(G + k * cols + w0 + j * N);
        }
        for (int j = 0; j < kChunk; ++j) store(grow + w0 + j * N, g[j]);
      }
      for (int w = w0; w < cols; ++w) {
        scalar_t g = 0;
        for (int k : p.active_k) g += T[t_index(p, k, v, u)] * G[k * cols + w];
        grow[w] = g;
      }
    }
  for (int k : p.active_k)
    for (int v = 0; v < p.mul2; ++v) {
      for (int u = 0; u < p.mul1; ++u) {
        dots.a[u] = W + int64_t(u * p.mul2 + v) * cols;
        dots.b[u] = G + k * cols;
      }
      dot_many(p.mul1, cols, dots.a.data(), dots.b.data(), dT + t_index(p, k, v, 0));
    }
}

// Calls f(ks, n) on consecutive blocks of at most kBlockK active components.
template <typename F>
void for_k_blocks(const TpPath& p, F&& f) {
  const int n = int(p.active_k.size());
  for (int b = 0; b < n; b += kBlockK) f(p.active_k.data() + b, std::min(kBlockK, n - b));
}

template <typename scalar_t>
void forward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                    scalar_t* out, int64_t edges) {
  if (lane_kernels_apply(plan)) return lane_forward_kernel(plan, x1, x2, W, out, edges);
  const Scratch sizes = scratch_sizes(plan);
  at::parallel_for(0, edges, kEdgeGrain, [&](int64_t begin, int64_t end) {
    // Input 1 and the accumulators are channel-minor per entry, like T.
    std::vector<scalar_t> x1t(plan.dim1), acc(plan.dim_out), M(sizes.m), T(sizes.t);
    for (int64_t e = begin; e < end; ++e) {
      to_channel_minor(plan.in1_entries, x1 + e * plan.dim1, x1t.data());
      const scalar_t* x2e = x2 + e * plan.dim2;
      const scalar_t* We = W + e * plan.weight_numel;
      std::fill(acc.begin(), acc.end(), scalar_t(0));
      for (const auto& p : plan.paths) {
        contract_inputs(p, x1t.data() + p.x1_start, x2e + p.x2_start, M.data(), T.data());
        scalar_t* acc_o = acc.data() + p.out_start;
        const scalar_t* Wp = We + p.weight_start;
        if (p.uvu) {
          for (int k : p.active_k)
            for (int v = 0; v < p.mul2; ++v)
              for (int u = 0; u < p.mul1; ++u)
                acc_o[k * p.mul_out + u] += Wp[u * p.mul2 + v] * T[t_index(p, k, v, u)];
          continue;
        }
        for_k_blocks(p, [&](const int* ks, int n) {
          switch (n) {
            case 1: accumulate_rows<scalar_t, 1>(p, T.data(), ks, Wp, acc_o); break;
            case 2: accumulate_rows<scalar_t, 2>(p, T.data(), ks, Wp, acc_o); break;
            case 3: accumulate_rows<scalar_t, 3>(p, T.data(), ks, Wp, acc_o); break;
            default: accumulate_rows<scalar_t, 4>(p, T.data(), ks, Wp, acc_o);
          }
        });
      }
      from_channel_minor(plan.out_entries, acc.data(), out + e * plan.dim_out);
    }
  });
}

template <typename scalar_t>
void backward_kernel(const TpPlan& plan, const scalar_t* x1, const scalar_t* x2, const scalar_t* W,
                     const scalar_t* gout, scalar_t* gx1, scalar_t* gx2, scalar_t* gW,
                     int64_t edges) {
  if (lane_kernels_apply(plan))
    return lane_backward_kernel(plan, x1, x2, W, gout, gx1, gx2, gW, edges);
  const Scratch sizes = scratch_sizes(plan);
  at::parallel_for(0, edges, kEdgeGrain, [&](int64_t begin, int64_t end) {
    std::vector<scalar_t> x1t(plan.dim1), gx1t(plan.dim1), g(plan.dim_out), M(sizes.m),
        T(sizes.t), dT(sizes.t);
    DotBatch<scalar_t> dots;
    dots.resize(sizes.dots);
    for (int64_t e = begin; e < end; ++e) {
      to_channel_minor(plan.in1_entries, x1 + e * plan.dim1, x1t.data());
      to_channel_minor(plan.out_entries, gout + e * plan.dim_out, g.data());
      const scalar_t* x2e = x2 + e * plan.dim2;
      const scalar_t* We = W + e * plan.weight_numel;
      scalar_t* gx2e = gx2 + e * plan.dim2;
      scalar_t* gWe = gW ? gW + e * plan.weight_numel : nullptr;  // null: not needed
      std::fill(gx1t.begin(), gx1t.end(), scalar_t(0));
      std::fill(gx2e, gx2e + plan.dim2, scalar_t(0));
      for (const auto& p : plan.paths) {
        const scalar_t* x1p = x1t.data() + p.x1_start;
        const scalar_t* x2p = x2e + p.x2_start;
        contract_inputs(p, x1p, x2p, M.data(), T.data());
        const scalar_t* g_o = g.data() + p.out_start;
        const scalar_t* Wp = We + p.weight_start;
        scalar_t* gWp = gWe ? gWe + p.weight_start : nullptr;
        if (p.uvu) {
          if (gWp) std::fill(gWp, gWp + p.weight_count(), scalar_t(0));
          for (int k : p.active_k)
            for (int v = 0; v < p.mul2; ++v)
              for (int u = 0; u < p.mul1; ++u) {
                const scalar_t gk = g_o[k * p.mul_out + u];
                if (gWp) gWp[u * p.mul2 + v] += T[t_index(p, k, v, u)] * gk;
                dT[t_index(p, k, v, u)] = Wp[u * p.mul2 + v] * gk;
              }
        } else {
          backward_rows(p, T.data(), Wp, g_o, dots, gWp, dT.data());
        }
        contract_inputs_backward(p, x1p, x2p, dT.data(), M.data(), dots, gx1t.data() + p.x1_start,
                                 gx2e + p.x2_start);
      }
      from_channel_minor(plan.in1_entries, gx1t.data(), gx1 + e * plan.dim1);
    }
  });
}

}  // namespace

void set_entries(TpPlan& plan, const Irreps& in1, const Irreps& out) {
  plan.dim1 = in1.dim();
  plan.dim_out = out.dim();
  plan.in1_entries.clear();
  plan.out_entries.clear();
  for (size_t i = 0; i < in1.size(); ++i)
    plan.in1_entries.push_back({in1.slice(i).start, in1[i].mul, in1[i].ir.dim()});
  for (size_t o = 0; o < out.size(); ++o)
    plan.out_entries.push_back({out.slice(o).start, out[o].mul, out[o].ir.dim()});
}

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
  // Per channel pair: through M costs about d1 * d3 multiply-adds, directly nnz.
  path.direct = path.cg.size() < size_t(path.d1) * path.d3;
}

namespace {

// Freed large buffers are kept (at most two) and handed out again for the same size: the
// backward pass allocates a weight gradient as large as the weights on every call, and fresh
// pages must be faulted in and zeroed by the kernel first.
class LargeBufferPool {
 public:
  static constexpr size_t kHugePage = size_t(2) << 20;

  void* get(size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      for (size_t i = 0; i < free_.size(); ++i)
        if (free_[i].first == bytes) {
          void* p = free_[i].second;
          free_.erase(free_.begin() + i);
          return p;
        }
    }
    void* p = std::aligned_alloc(kHugePage, bytes);
    if (p) madvise(p, bytes, MADV_HUGEPAGE);  // a hint: without THP this is a no-op
    return p;
  }

  void put(void* p, size_t bytes) {
    std::lock_guard lock(mutex_);
    if (free_.size() < 2) {
      free_.emplace_back(bytes, p);
      return;
    }
    std::free(p);
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<size_t, void*>> free_;
};

LargeBufferPool& large_buffer_pool() {
  static auto* pool = new LargeBufferPool();  // never destroyed: tensors may outlive statics
  return *pool;
}

}  // namespace

at::Tensor empty_huge_pages(at::IntArrayRef sizes, const at::TensorOptions& options) {
  constexpr size_t kHuge = LargeBufferPool::kHugePage;
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  const size_t bytes = size_t(numel) * options.dtype().itemsize();
  if (!options.device().is_cpu() || bytes < 32 * kHuge) return at::empty(sizes, options);
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* ptr = large_buffer_pool().get(rounded);
  if (!ptr) return at::empty(sizes, options);
  return at::from_blob(
      ptr, sizes, [rounded](void* p) { large_buffer_pool().put(p, rounded); }, options);
}

bool all_paths_channelwise(const TpPlan& plan) {
  return std::all_of(plan.paths.begin(), plan.paths.end(), [](const TpPath& p) { return p.uvu; });
}

void tp_forward_cpu(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                    const at::Tensor& weights, bool shared_weights, at::Tensor& out) {
  AT_DISPATCH_FLOATING_TYPES(x1.scalar_type(), "hamlet_tp_forward", [&] {
    if (shared_weights)
      shared_forward_kernel<scalar_t>(plan, x1.data_ptr<scalar_t>(), x2.data_ptr<scalar_t>(),
                                      weights.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), x1.size(0));
    else
      forward_kernel<scalar_t>(plan, x1.data_ptr<scalar_t>(), x2.data_ptr<scalar_t>(),
                               weights.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), x1.size(0));
  });
}

void tp_backward_cpu(const TpPlan& plan, const at::Tensor& x1, const at::Tensor& x2,
                     const at::Tensor& weights, bool shared_weights, const at::Tensor& grad_out,
                     at::Tensor& grad_x1, at::Tensor& grad_x2, at::Tensor& grad_weights) {
  AT_DISPATCH_FLOATING_TYPES(x1.scalar_type(), "hamlet_tp_backward", [&] {
    auto kernel = shared_weights ? shared_backward_kernel<scalar_t> : backward_kernel<scalar_t>;
    kernel(plan, x1.data_ptr<scalar_t>(), x2.data_ptr<scalar_t>(), weights.data_ptr<scalar_t>(),
           grad_out.data_ptr<scalar_t>(), grad_x1.data_ptr<scalar_t>(), grad_x2.data_ptr<scalar_t>(),
           grad_weights.defined() ? grad_weights.data_ptr<scalar_t>() : nullptr, x1.size(0));
  });
}

}  // namespace hamlet::equivariant::detail
