// Throughput of the equivariant message-passing kernels on E = 20 000 edges with per-edge
// weights (what a radial MLP produces), float32, 2 intra-op threads.
//   tp_l2: "32x0e+32x1o+32x2e" x SH(lmax 2) -> same irreps, fully connected
//   tp_l4: "16x0e+16x1o+16x2e+16x3o+16x4e" x SH(lmax 4) -> same irreps, fully connected
//   so2_l2 / so2_l4: the SO(2) convolution on the same node features and edge vectors.
// Reference (e3nn 0.5.1 FullyConnectedTensorProduct, torch 1.13 CPU, 2 threads):
//   tp_l2 616 ms forward, 10.3 s forward+backward; tp_l4 4.8 s / 59 s.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>

#include "equivariant/so2_convolution.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/tensor_product.hpp"

namespace hamlet::equivariant {
namespace {

constexpr int64_t kEdges = 20000;

// Intra-op threads: 2 as in the e3nn reference; HAMLET_BENCH_THREADS overrides (e.g. 1 on a
// loaded machine, where spinning OpenMP barriers distort 2-thread wall times).
void set_threads() {
  const char* env = std::getenv("HAMLET_BENCH_THREADS");
  at::set_num_threads(env ? std::max(1, std::atoi(env)) : 2);
}

const char* irreps_for(int lmax) {
  return lmax == 2 ? "32x0e+32x1o+32x2e" : "16x0e+16x1o+16x2e+16x3o+16x4e";
}

struct Inputs {
  at::Tensor x, vectors, sh, weights;
};

Inputs make_inputs(int lmax, int64_t weight_numel, bool requires_grad) {
  at::manual_seed(0);
  Irreps irreps(irreps_for(lmax));
  Inputs in;
  in.x = at::randn({kEdges, irreps.dim()}).requires_grad_(requires_grad);
  in.vectors = at::randn({kEdges, 3}).requires_grad_(requires_grad);
  in.sh = spherical_harmonics(lmax, in.vectors.detach()).requires_grad_(requires_grad);
  in.weights = at::randn({kEdges, weight_numel}).requires_grad_(requires_grad);
  return in;
}

// warm_up_note: each case runs one untimed step first. The first backward in a process
// faults in the ~1 GB weight gradient (transparent huge pages, 1-4 s here while the kernel
// compacts memory); later steps reuse the buffer through the pool of empty_huge_pages, which
// is the steady state of a training loop.

// Drop the accumulated .grad so every iteration measures one backward, not an accumulation.
void reset_grads(Inputs& in) {
  for (auto* t : {&in.x, &in.vectors, &in.sh, &in.weights}) t->mutable_grad().reset();
}

void report(benchmark::State& state, int64_t weight_numel) {
  state.counters["edges/s"] = benchmark::Counter(double(kEdges), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["weights/edge"] = double(weight_numel);
}

void BM_TensorProduct(benchmark::State& state, int lmax, bool backward) {
  set_threads();
  Irreps irreps(irreps_for(lmax));
  auto tp = fully_connected_tensor_product(irreps, Irreps::spherical_harmonics(lmax), irreps);
  Inputs in = make_inputs(lmax, tp->weight_numel(), backward);
  auto step = [&] {
    at::Tensor out = tp->forward(in.x, in.sh, in.weights);
    if (backward) {
      out.sum().backward();
      reset_grads(in);
    }
    benchmark::DoNotOptimize(out.data_ptr());
  };
  step();  // warm-up, see warm_up_note
  for (auto _ : state) step();
  report(state, tp->weight_numel());
}

void BM_So2Convolution(benchmark::State& state, int lmax, bool backward) {
  set_threads();
  Irreps irreps(irreps_for(lmax));
  So2Convolution conv(irreps, irreps);
  Inputs in = make_inputs(lmax, conv->weight_numel(), backward);
  auto step = [&] {
    at::Tensor out = conv->forward(in.x, in.vectors, in.weights);
    if (backward) {
      out.sum().backward();
      reset_grads(in);
    }
    benchmark::DoNotOptimize(out.data_ptr());
  };
  step();  // warm-up, see warm_up_note
  for (auto _ : state) step();
  report(state, conv->weight_numel());
}

BENCHMARK_CAPTURE(BM_TensorProduct, tp_l2_forward, 2, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TensorProduct, tp_l2_forward_backward, 2, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TensorProduct, tp_l4_forward, 4, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TensorProduct, tp_l4_forward_backward, 4, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_So2Convolution, so2_l2_forward, 2, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_So2Convolution, so2_l2_forward_backward, 2, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_So2Convolution, so2_l4_forward, 4, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_So2Convolution, so2_l4_forward_backward, 4, true)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hamlet::equivariant

BENCHMARK_MAIN();
