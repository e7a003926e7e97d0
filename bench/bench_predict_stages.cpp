// Where `hamlet predict`'s time goes, stage by stage, per molecule: S and H_SAP, the graph
// (blocks -> irreps), the network's forward pass (batches of <= 512 edges, as predict runs them)
// and the Fock matrix from the network's output (irreps -> blocks, overlap filter).
// Usage: bench_predict_stages MODEL.pt STRUCTURES.xyz [repeats]; threads from OMP_NUM_THREADS
// (libtorch's intra-op threads are set to the same count). Not a test.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "chem/xyz.hpp"
#include "model/checkpoint.hpp"
#include "model/graph.hpp"
#include "model/hamiltonian_model.hpp"
#include "model/trainer.hpp"
#include "scf/driver.hpp"

using namespace hamlet;
using Clock = std::chrono::steady_clock;

namespace {
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.pt STRUCTURES.xyz [repeats]\n", argv[0]);
    return 1;
  }
  const int repeats = argc > 3 ? std::stoi(argv[3]) : 3;
  model::set_threads(omp_get_max_threads());
  model::LoadedModel m = model::load_checkpoint(argv[1]);
  const std::vector<Molecule> molecules = read_xyz_frames(argv[2]);
  const double count = static_cast<double>(molecules.size());

  std::vector<scf::SapInputs> inputs;
  std::vector<model::MoleculeGraph> graphs;
  double t_inputs = 0.0, t_graph = 0.0;
  for (const auto& mol : molecules) {
    auto t0 = Clock::now();
    inputs.push_back(scf::sap_inputs(mol, m.provenance.basis, m.provenance.sap_method, m.provenance.sap_grid_level));
    t_inputs += since(t0);
    t0 = Clock::now();
    graphs.push_back(
        model::make_graph(m.model->basis(), mol, inputs.back().S, inputs.back().H_sap, m.model->config().cutoff));
    t_graph += since(t0);
  }

  // Batches as hamlet predict makes them (edges per pass, model/predict.cpp).
  std::vector<model::GraphBatch> batches;
  std::vector<const model::MoleculeGraph*> part;
  int64_t edges = 0, total_edges = 0;
  for (const auto& g : graphs) {
    const int64_t e = g.edge_index.size(1);
    if (!part.empty() && edges + e > 512) {
      batches.push_back(model::collate(part));
      part.clear();
      edges = 0;
    }
    part.push_back(&g);
    edges += e;
    total_edges += e;
  }
  if (!part.empty()) batches.push_back(model::collate(part));

  torch::NoGradGuard no_grad;
  for (const auto& b : batches) m.model->forward(b);  // warm-up: first-touch allocations
  double t_forward = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    for (const auto& b : batches) m.model->forward(b);
    t_forward = std::min(t_forward, since(t0));
  }

  double t_fock = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double t = 0.0;
    for (size_t k = 0; k < graphs.size(); ++k) {
      const model::ModelOutput out = m.model->forward(model::collate({&graphs[k]}));
      const auto t0 = Clock::now();
      const Eigen::MatrixXd F =
          model::predicted_fock(*m.model, graphs[k], out.onsite, out.offsite, inputs[k].H_sap, inputs[k].S);
      t += since(t0);
    }
    t_fock = std::min(t_fock, t);
  }

  std::printf("%zu structures, %lld edges in %zu batches, %d threads; ms per structure:\n", molecules.size(),
              static_cast<long long>(total_edges), batches.size(), omp_get_max_threads());
  std::printf("  S and H_SAP      %8.2f\n", 1e3 * t_inputs / count);
  std::printf("  graph            %8.2f\n", 1e3 * t_graph / count);
  std::printf("  network forward  %8.2f  (best of %d)\n", 1e3 * t_forward / count, repeats);
  std::printf("  Fock from output %8.2f  (best of %d)\n", 1e3 * t_fock / count, repeats);
  return 0;
}
