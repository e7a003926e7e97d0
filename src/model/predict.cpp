#include "model/predict.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <omp.h>

#include "core/error.hpp"
#include "data/dataset_writer.hpp"
#include "data/hdf5_io.hpp"
#include "data/progress.hpp"
#include "hamlet/version.hpp"
#include "model/checkpoint.hpp"
#include "model/trainer.hpp"
#include "scf/driver.hpp"
#include "scf/properties.hpp"

namespace hamlet::model {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

FockSolution solve_fock(const Molecule& mol, const BasisSet& basis, const Eigen::MatrixXd& F,
                        const Eigen::MatrixXd& S) {
  const int electrons = mol.electron_count();
  if (electrons % 2 != 0 || mol.multiplicity != 1)
    throw Error(mol.source + ": open-shell structures (" + std::to_string(electrons) +
                " electrons, multiplicity " + std::to_string(mol.multiplicity) +
                ") are not supported by the model yet");
  if (!F.allFinite()) throw Error(mol.source + ": the predicted Fock matrix contains NaN or Inf");
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> es(F, S);
  if (es.info() != Eigen::Success) throw Error(mol.source + ": F C = S C eps could not be solved (S singular?)");
  FockSolution s;
  s.orbital_energies = es.eigenvalues();
  s.coefficients = es.eigenvectors();
  s.n_occupied = electrons / 2;
  const int n = static_cast<int>(s.orbital_energies.size());
  s.homo = s.n_occupied > 0 ? s.orbital_energies(s.n_occupied - 1) : std::nan("");
  s.lumo = s.n_occupied < n ? s.orbital_energies(s.n_occupied) : std::nan("");
  s.gap = s.lumo - s.homo;
  const Eigen::MatrixXd C = s.coefficients.leftCols(s.n_occupied);
  s.density = 2.0 * C * C.transpose();
  s.dipole = scf::dipole_moment(mol, basis, s.density);
  return s;
}

namespace {

// S and H_SAP as the training data had them (method and grid), so the model sees the inputs it
// knows; then the molecule's graph.
Prediction prepare(LoadedModel& m, const Molecule& mol, MoleculeGraph& g) {
  Prediction p;
  p.molecule = mol;
  auto t0 = Clock::now();
  auto in = scf::sap_inputs(mol, m.provenance.basis, m.provenance.sap_method, m.provenance.sap_grid_level);
  p.basis = std::move(in.basis);
  p.S = std::move(in.S);
  p.H_sap = std::move(in.H_sap);
  p.seconds_inputs = since(t0);
  t0 = Clock::now();
  try {
    g = make_graph(m.model->basis(), mol, p.S, p.H_sap, m.model->config().cutoff);
  } catch (const Error& e) {
    throw Error(mol.source + ": " + e.what());
  }
  p.seconds_model = since(t0);
  return p;
}

// One forward pass over several molecules (a disconnected graph: the same blocks as one by
// one), each molecule's F from its rows; the pass's time is shared out by atom count.
void predict_together(LoadedModel& m, std::vector<Prediction>& predictions, const std::vector<MoleculeGraph>& graphs,
                      size_t first, size_t count) {
  std::vector<const MoleculeGraph*> part;
  int64_t atoms = 0;
  for (size_t k = first; k < first + count; ++k) {
    part.push_back(&graphs[k]);
    atoms += graphs[k].element.size(0);
  }
  const auto t0 = Clock::now();
  torch::NoGradGuard no_grad;
  const ModelOutput out = m.model->forward(collate(part));
  const double seconds = since(t0);
  int64_t node = 0, edge = 0;
  for (size_t k = first; k < first + count; ++k) {
    const MoleculeGraph& g = graphs[k];
    const int64_t n = g.element.size(0), e = g.edge_index.size(1);
    const auto t1 = Clock::now();
    Prediction& p = predictions[k];
    p.F = predicted_fock(*m.model, g, out.onsite.narrow(0, node, n), out.offsite.narrow(0, edge, e), p.H_sap, p.S);
    p.extrapolation = extrapolation(m.provenance.domain, p.molecule, g.ao_begin, p.F, p.H_sap);
    p.seconds_model += since(t1) + seconds * static_cast<double>(n) / static_cast<double>(atoms);
    node += n;
    edge += e;
  }
}

void solve(Prediction& p) {
  const auto t0 = Clock::now();
  p.solution = solve_fock(p.molecule, p.basis, p.F, p.S);
  p.seconds_solve = since(t0);
}

}  // namespace

Prediction predict_structure(LoadedModel& m, const Molecule& mol) {
  std::vector<MoleculeGraph> graphs(1);
  std::vector<Prediction> p;
  p.push_back(prepare(m, mol, graphs[0]));
  predict_together(m, p, graphs, 0, 1);
  solve(p[0]);
  return std::move(p[0]);
}

Eigen::MatrixXd predict_fock(const std::filesystem::path& model_path, const Molecule& mol,
                             double overlap_filter, Extrapolation* extrapolation) {
  set_threads(omp_get_max_threads());  // the caller's (the SCF's) count, kept after libtorch has run
  LoadedModel m = load_checkpoint(model_path);
  if (overlap_filter >= 0.0) m.model->set_overlap_filter(overlap_filter);
  Prediction p = predict_structure(m, mol);
  if (extrapolation) *extrapolation = p.extrapolation;
  return std::move(p.F);
}

void predict_structures(const std::filesystem::path& model_path, const std::vector<Molecule>& molecules,
                        bool progress, double overlap_filter, const PredictionSink& sink) {
  LoadedModel m = load_checkpoint(model_path);
  if (overlap_filter >= 0.0) m.model->set_overlap_filter(overlap_filter);
  data::Progress bar(molecules.size(), 0, progress);
  // Molecules go through the network together, up to kBatchEdges edges per pass: larger passes
  // allocate per-edge tensors above glibc's largest mmap threshold (32 MB, core/memory.hpp),
  // each faulted in afresh. Measured with the QM9 example's model, 2 threads, against passes of
  // 1024 atoms: 100 QM9 molecules 4.6 -> 8.3 structures/s (page faults 810 k -> 59 k), 480
  // molecules of 3-6 atoms 62 -> 110/s; 300-600 edges did equally well (README).
  // Passes run side by side, one per thread (the model is read-only; libtorch runs each pass's
  // operations on its thread): libtorch's own threads made a pass no faster (README). The inputs
  // S and H_SAP are made between rounds, each on all threads. Only a round's structures are held.
  constexpr int64_t kBatchEdges = 512, kBatchAtoms = 1024;
  const int threads = std::max(1, omp_get_max_threads());
  const size_t passes_per_round = 2 * static_cast<size_t>(threads);  // dynamic schedule: balance
  struct Pass {
    size_t first, count;  // in `out`
  };
  std::vector<Prediction> out;  // the round's, in order; out[0] is molecule `done`
  std::vector<MoleculeGraph> graphs;
  std::vector<Pass> round;
  size_t done = 0, first = 0;
  int64_t atoms = 0, edges = 0;
  auto run_round = [&] {
    if (round.empty()) return;
    std::vector<std::exception_ptr> errors(round.size());
    const auto t0 = Clock::now();
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (size_t i = 0; i < round.size(); ++i) {
      try {
        predict_together(m, out, graphs, round[i].first, round[i].count);
        for (size_t k = round[i].first; k < round[i].first + round[i].count; ++k) solve(out[k]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
    // The per-structure times are each thread's; scale them so that they add up to the round's
    // wall time (what a structure costs when many are predicted).
    const double wall = since(t0);
    double busy = 0.0;
    for (const Prediction& p : out) busy += p.seconds_model + p.seconds_solve;
    for (size_t k = 0; k < out.size(); ++k) {
      if (busy > 0.0) {
        out[k].seconds_model *= wall / busy;
        out[k].seconds_solve *= wall / busy;
      }
      sink(done + k, out[k]);
      bar.advance();
    }
    done += out.size();
    out.clear();
    graphs.clear();
    round.clear();
    first = 0;
  };
  auto end_pass = [&] {
    if (out.size() == first) return;
    round.push_back({first, out.size() - first});
    first = out.size();
    atoms = edges = 0;
    if (round.size() >= passes_per_round) run_round();
  };
  for (const auto& mol : molecules) {
    MoleculeGraph graph;
    Prediction p = prepare(m, mol, graph);
    const int64_t e = graph.edge_index.size(1);
    if (atoms > 0 && (atoms + mol.natoms() > kBatchAtoms || edges + e > kBatchEdges)) end_pass();
    graphs.push_back(std::move(graph));
    out.push_back(std::move(p));
    atoms += mol.natoms();
    edges += e;
  }
  end_pass();
  run_round();
  bar.finish();
}

std::vector<Prediction> predict_structures(const std::filesystem::path& model_path,
                                           const std::vector<Molecule>& molecules, bool progress,
                                           double overlap_filter) {
  std::vector<Prediction> all;
  all.reserve(molecules.size());
  predict_structures(model_path, molecules, progress, overlap_filter,
                     [&](size_t, Prediction& p) { all.push_back(std::move(p)); });
  return all;
}

namespace d = hamlet::data::detail;

struct PredictionWriter::File {
  H5::H5File h5;
  H5::Group structures;
};

PredictionWriter::PredictionWriter(const std::filesystem::path& path, const std::filesystem::path& model_path,
                                   bool matrices)
    : path_(path), temp_(data::temp_name(path)), matrices_(matrices) {
  d::guarded(path_, "cannot write predictions", [&] {
    file_ = std::make_unique<File>();
    file_->h5 = H5::H5File(temp_.string(), H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, d::file_access());
    H5::Group root = file_->h5.openGroup("/");
    d::write_attr(root, "format", std::string("hamlet-predictions"));
    d::write_attr(root, "hamlet_version", std::string(kVersion));
    d::write_attr(root, "model", model_path.string());
    d::write_attr(root, "units", std::string("atomic units (Bohr, Hartree, e*a0)"));
    d::write_attr(root, "ao_order", std::string("hamlet (ARCHITECTURE.md)"));
    d::write_bool_attr(root, "matrices", matrices_);  // F and S stored
    file_->structures = file_->h5.createGroup("structures");
  });
}

PredictionWriter::~PredictionWriter() {
  if (committed_) return;
  try {
    d::guarded(path_, "cannot close predictions", [&] { file_.reset(); });
  } catch (...) {  // a destructor must not throw; the file is removed below either way
  }
  std::error_code ec;
  std::filesystem::remove(temp_, ec);
}

void PredictionWriter::add(const Prediction& p) {
  if (!file_) throw Error(path_.string() + ": the predictions file is already closed");
  d::guarded(path_, "cannot write predictions", [&] {
    H5::Group g = file_->structures.createGroup(data::entry_name(static_cast<std::int64_t>(count_)));
    d::write_attr(g, "source", p.molecule.source);
    std::vector<int> Z;
    Eigen::MatrixXd pos(p.molecule.natoms(), 3);
    for (int i = 0; i < p.molecule.natoms(); ++i) {
      Z.push_back(p.molecule.atoms[i].Z);
      pos.row(i) = p.molecule.atoms[i].position.transpose();
    }
    d::write_ints(g, "atomic_numbers", Z);
    d::write_matrix(g, "positions", pos);
    if (matrices_) {
      d::write_matrix_undeflated(g, "F", p.F);
      d::write_matrix_undeflated(g, "S", p.S);
    }
    d::write_vector(g, "orbital_energies", p.solution.orbital_energies);
    d::write_attr(g, "homo", p.solution.homo);
    d::write_attr(g, "lumo", p.solution.lumo);
    d::write_attr(g, "gap", p.solution.gap);
    d::write_attr(g, "n_occupied", p.solution.n_occupied);
    d::write_vector(g, "dipole", p.solution.dipole);
    if (p.extrapolation.ratio > 0.0) {
      d::write_attr(g, "extrapolation_ratio", p.extrapolation.ratio);
      d::write_attr(g, "extrapolation_block", p.extrapolation.block);
    }
  });
  ++count_;
}

void PredictionWriter::commit() {
  if (!file_) throw Error(path_.string() + ": the predictions file is already closed");
  d::guarded(path_, "cannot write predictions", [&] {
    file_->structures.close();
    file_->h5.close();
    file_.reset();
  });
  data::durable_rename(temp_, path_);
  committed_ = true;
}

void write_predictions(const std::filesystem::path& path, const std::filesystem::path& model_path,
                       const std::vector<Prediction>& predictions) {
  PredictionWriter writer(path, model_path);
  for (const auto& p : predictions) writer.add(p);
  writer.commit();
}

}  // namespace hamlet::model
