#include "model/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include <omp.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "data/progress.hpp"
#include "data/split.hpp"
#include "model/checkpoint.hpp"
#include "model/dataset_graphs.hpp"
#include "model/training_terms.hpp"
#include "train/plot.hpp"

namespace hamlet::model {
namespace {

using Clock = std::chrono::steady_clock;

void validate(const TrainOptions& o) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("training configuration: " + what);
  };
  require(!o.train_data.empty(), "data.train is required");
  require(o.batch_size >= 1, "optim.batch_size must be >= 1");
  require(o.epochs >= 0, "optim.epochs must be >= 0");
  require(o.lr > 0 && o.min_lr >= 0 && o.min_lr <= o.lr, "need optim.lr > 0 and 0 <= optim.min_lr <= optim.lr");
  require(o.optimizer == "adam" || o.optimizer == "adamw", "optim.name must be adam or adamw");
  require(o.schedule == "cosine" || o.schedule == "plateau" || o.schedule == "constant",
          "optim.schedule must be cosine, plateau or constant");
  require(o.loss == "mse" || o.loss == "mae" || o.loss == "mse+mae", "optim.loss must be mse, mae or mse+mae");
  require(o.loss_normalization == "pair" || o.loss_normalization == "none", "optim.loss_normalization must be pair or none");
  require(o.ema_decay >= 0 && o.ema_decay < 1, "optim.ema_decay must be in [0, 1)");
  require(o.eigenvalue_weight >= 0 && o.eigenvalue_virtuals >= 0,
          "optim.eigenvalue_weight and optim.eigenvalue_virtuals must be >= 0");
  require(o.rotation_weight >= 0, "optim.rotation_weight must be >= 0");
  require(o.orthonormal_weight >= 0, "optim.orthonormal_weight must be >= 0");
  require(o.validation_fraction >= 0 && o.test_fraction >= 0 && o.validation_fraction + o.test_fraction < 1,
          "data.validation_fraction + data.test_fraction must be below 1");
  o.model.validate();
}

// Copies every parameter and buffer of `from` into `to` (same architecture).
void copy_weights(HamiltonianModel& from, HamiltonianModel& to) {
  torch::NoGradGuard no_grad;
  auto src = from->named_parameters(), dst = to->named_parameters();
  for (auto& p : src) dst[p.key()].copy_(p.value());
  auto sb = from->named_buffers(), db = to->named_buffers();
  for (auto& b : sb) db[b.key()].copy_(b.value());
}

void ema_update(HamiltonianModel& model, HamiltonianModel& ema, double decay) {
  torch::NoGradGuard no_grad;
  auto src = model->named_parameters(), dst = ema->named_parameters();
  for (auto& p : src) dst[p.key()].mul_(decay).add_(p.value(), 1.0 - decay);
}

double learning_rate(const TrainOptions& o, int64_t step, int64_t steps_per_epoch, double plateau_lr) {
  const int64_t warmup = static_cast<int64_t>(o.warmup_epochs) * steps_per_epoch;
  if (step < warmup) return o.lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (o.schedule == "constant") return o.lr;
  if (o.schedule == "plateau") return plateau_lr;
  const int64_t total = std::max<int64_t>(1, static_cast<int64_t>(o.epochs) * steps_per_epoch - warmup);
  const double t = std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(total));
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * t));
}

// Splits a batch's molecules into at most `workers` parts of similar work (edge counts),
// deterministically: the largest first, each to the lightest part; parts keep batch order.
std::vector<std::vector<size_t>> split_batch(const std::vector<const MoleculeGraph*>& graphs, int workers) {
  const size_t nparts = std::min<size_t>(std::max(1, workers), graphs.size());
  std::vector<size_t> by_size(graphs.size());
  std::iota(by_size.begin(), by_size.end(), 0);
  const auto work = [&](size_t k) { return graphs[k]->edge_index.size(1) + graphs[k]->element.size(0); };
  std::stable_sort(by_size.begin(), by_size.end(), [&](size_t a, size_t b) { return work(a) > work(b); });
  std::vector<std::vector<size_t>> parts(nparts);
  std::vector<int64_t> load(nparts, 0);
  for (size_t k : by_size) {
    const size_t lightest = std::min_element(load.begin(), load.end()) - load.begin();
    parts[lightest].push_back(k);
    load[lightest] += work(k);
  }
  for (auto& part : parts) std::sort(part.begin(), part.end());
  return parts;
}

// Forward and backward of one batch, its molecules split among `replicas` (replicas[0] is the
// model being trained; the others hold the same weights), one OpenMP thread each. Each part's
// loss is weighted by its share of the batch, so the parts' losses add up to the batch's, and
// the other replicas' gradients are added to replicas[0]'s in replica order: the same gradient
// as one pass over the whole batch up to rounding, independent of thread timing. Returns the
// batch loss; throws when it is not finite.
double accumulate_gradients(const std::vector<HamiltonianModel*>& replicas, const std::vector<const MoleculeGraph*>& graphs,
                            const std::vector<MoleculeTerms>& terms, const TrainOptions& o,
                            const BlockUnpacking& unpacking, const TermUnits& units, int epoch) {
  const auto parts = split_batch(graphs, static_cast<int>(replicas.size()));
  const size_t nparts = parts.size();
  std::vector<std::vector<const MoleculeGraph*>> part_graphs(nparts);
  std::vector<std::vector<MoleculeTerms>> part_terms(nparts);
  std::vector<GraphBatch> batches(nparts);
  std::vector<double> denominators(nparts), losses(nparts, 0.0);
  double denominator = 0;
  for (size_t p = 0; p < nparts; ++p) {
    for (size_t k : parts[p]) {
      part_graphs[p].push_back(graphs[k]);
      if (!terms.empty()) part_terms[p].push_back(terms[k]);
    }
    batches[p] = collate(part_graphs[p]);
    denominators[p] = (*replicas[0])->loss_denominator(batches[p]);
    denominator += denominators[p];
  }
  std::vector<std::exception_ptr> errors(nparts);
  const auto run_part = [&](size_t p) {
    try {
      HamiltonianModel& model = *replicas[p];
      const ModelOutput out = model->forward(batches[p]);
      at::Tensor loss = model->loss(out, batches[p], o.loss) * (denominators[p] / denominator);
      if (!terms.empty()) {
        const double share = static_cast<double>(part_graphs[p].size()) / static_cast<double>(graphs.size());
        loss = loss + share * matrix_terms(unpacking, part_graphs[p], part_terms[p], out, o, units).to(loss.scalar_type());
      }
      losses[p] = loss.item<double>();
      if (std::isfinite(losses[p])) loss.backward();
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  if (nparts == 1) {
    run_part(0);
  } else {
#pragma omp parallel for num_threads(static_cast<int>(nparts)) schedule(static, 1)
    for (size_t p = 0; p < nparts; ++p) run_part(p);
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  const double total = std::accumulate(losses.begin(), losses.end(), 0.0);
  if (!std::isfinite(total))
    throw Error("training diverged: the loss became " + std::to_string(total) + " at epoch " + std::to_string(epoch) +
                " (lower optim.lr?)");
  torch::NoGradGuard no_grad;
  auto main = (*replicas[0])->parameters();
  for (size_t p = 1; p < nparts; ++p) {
    const auto other = (*replicas[p])->parameters();
    for (size_t i = 0; i < main.size(); ++i) {
      if (!other[i].grad().defined()) continue;
      if (main[i].grad().defined()) main[i].mutable_grad().add_(other[i].grad());
      else main[i].mutable_grad() = other[i].grad().clone();
    }
  }
  return total;
}

struct ValidationResult {
  double loss = 0, mae_ueh = 0, eps_occ_mae_ueh = -1, rotation_rms = -1, orthonormal_rms_ueh = -1;
};

// Validation loss (the training loss's definition), mean |ΔF| over all matrix elements (µEh)
// and, when the entries have the targets, the occupied orbital energies' MAE (µEh), the RMS
// occupied-virtual rotation and the RMS error in the orthonormal basis (µEh).
// The terms' targets are made batch by batch from the entries (`file` names them in errors).
ValidationResult validate_model(HamiltonianModel& model, const std::vector<LabelledGraph>& graphs,
                                const TermSelection& terms, const std::filesystem::path& file,
                                const BlockUnpacking& unpacking, const TrainOptions& o, const TermUnits& units) {
  model->eval();
  // Batches on o.threads threads (forward only, the model read-only); sums over them in batch order.
  struct Sums : TermSums {
    double loss = 0, abs = 0, elements = 0;
  };
  const size_t nbatches = (graphs.size() + o.batch_size - 1) / o.batch_size;
  std::vector<Sums> sums(nbatches);
  std::vector<std::exception_ptr> errors(nbatches);
#pragma omp parallel for num_threads(std::max(1, o.threads)) schedule(dynamic)
  for (size_t i = 0; i < nbatches; ++i) {
    try {
      torch::NoGradGuard no_grad;  // per thread: grad mode is thread-local
      const size_t b = i * o.batch_size;
      std::vector<const MoleculeGraph*> part;
      std::vector<const data::Entry*> entries;
      for (size_t k = b; k < std::min(graphs.size(), b + o.batch_size); ++k) {
        part.push_back(&graphs[k].graph);
        entries.push_back(&graphs[k].entry);
      }
      const TermTargets targets = make_term_targets(entries, terms, o, file);
      std::vector<MoleculeTerms> part_terms;
      for (size_t k = 0; k < part.size(); ++k) part_terms.push_back(targets.of(k));
      Sums& s = sums[i];
      const GraphBatch batch = collate(part);
      const ModelOutput out = model->forward(batch);
      double loss = model->loss(out, batch, o.loss).item<double>();
      loss += matrix_terms(unpacking, part, part_terms, out, o, units, &s).item<double>();
      s.loss = loss * part.size();
      int64_t node = 0, edge = 0;
      for (size_t k = 0; k < part.size(); ++k) {
        const auto& lg = graphs[b + k];
        const int64_t n = lg.graph.element.size(0), e = lg.graph.edge_index.size(1);
        const Eigen::MatrixXd pred = predicted_fock(*model, lg.graph, out.onsite.narrow(0, node, n),
                                                    out.offsite.narrow(0, edge, e), lg.entry.H_sap, lg.entry.S);
        s.abs += (pred - lg.entry.fock[0]).cwiseAbs().sum();
        s.elements += static_cast<double>(pred.size());
        node += n;
        edge += e;
      }
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  model->train();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  Sums total;
  for (const Sums& s : sums) {
    total.loss += s.loss;
    total.abs += s.abs;
    total.elements += s.elements;
    total.occupied_abs += s.occupied_abs;
    total.occupied_count += s.occupied_count;
    total.rotation_squares += s.rotation_squares;
    total.rotation_count += s.rotation_count;
    total.orthonormal_squares += s.orthonormal_squares;
    total.orthonormal_count += s.orthonormal_count;
  }
  const double n = std::max<double>(1, graphs.size());
  ValidationResult r;
  r.loss = total.loss / n;
  r.mae_ueh = total.elements > 0 ? 1e6 * total.abs / total.elements : 0.0;
  if (terms.spectra && total.occupied_count > 0) r.eps_occ_mae_ueh = 1e6 * total.occupied_abs / total.occupied_count;
  if (terms.rotations && total.rotation_count > 0) r.rotation_rms = std::sqrt(total.rotation_squares / total.rotation_count);
  if (terms.orthonormal && total.orthonormal_count > 0)
    r.orthonormal_rms_ueh = 1e6 * std::sqrt(total.orthonormal_squares / total.orthonormal_count);
  return r;
}

// The training set's largest correction blocks (training_domain.hpp), stored in checkpoints for
// the extrapolation check of predictions: of F - H_SAP when every entry has H_SAP, else of F.
// Widened entry by entry as the data loads; both kinds are kept until it is known which applies.
class TrainingDomainBuilder {
 public:
  explicit TrainingDomainBuilder(double cutoff) { relative_.cutoff = absolute_.cutoff = cutoff; }
  void add(const data::Entry& e, const std::vector<int>& ao_begin) {
    absolute_.add(e.atomic_numbers, e.positions, ao_begin, e.fock[0]);
    all_have_sap_ = all_have_sap_ && e.H_sap.size() > 0;
    if (all_have_sap_) relative_.add(e.atomic_numbers, e.positions, ao_begin, e.fock[0] - e.H_sap);
  }
  TrainingDomain finish() const {
    TrainingDomain d = all_have_sap_ ? relative_ : absolute_;
    d.relative_to_sap = all_have_sap_;
    return d;
  }

 private:
  TrainingDomain relative_, absolute_;
  bool all_have_sap_ = true;
};

nlohmann::json record_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},
          {"learning_rate", r.learning_rate},
          {"train_loss", r.train_loss},
          {"validation_loss", r.validation_loss},
          {"validation_mae_ueh", r.validation_mae_ueh},
          {"validation_eps_occ_mae_ueh", r.validation_eps_occ_mae_ueh},
          {"validation_rotation_rms", r.validation_rotation_rms},
          {"validation_orthonormal_rms_ueh", r.validation_orthonormal_rms_ueh},
          {"seconds", r.seconds},
          {"molecules_per_second", r.molecules_per_second}};
}

// learning_curve.png from every line of log.jsonl so far.
void plot_learning_curve(const std::filesystem::path& path, const std::string& log_text) {
  train::Series tr{"train loss", {}, {}, {}}, va{"validation loss", {}, {}, {}};
  std::istringstream in(log_text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    tr.xs.push_back(j.at("epoch"));
    tr.ys.push_back(j.at("train_loss"));
    va.xs.push_back(j.at("epoch"));
    va.ys.push_back(j.at("validation_loss"));
  }
  if (tr.xs.empty()) return;
  train::line_plot(path, "hamlet train: learning curve", "epoch", "loss (per-pair normalised)", {tr, va}, true);
}

}  // namespace

void set_threads(int threads) {
  if (threads <= 0) {
    const char* env = std::getenv("OMP_NUM_THREADS");
    threads = env ? std::atoi(env) : 0;  // its first entry ("4,2" -> 4)
    if (threads <= 0) threads = omp_get_num_procs();
  }
  at::set_num_threads(threads);
  omp_set_num_threads(threads);
}

TrainResult train_model(const TrainOptions& o, bool resume, const EpochCallback& on_epoch) {
  validate(o);
  std::filesystem::create_directories(o.out);
  const auto last_path = o.out / "last.pt", best_path = o.out / "best.pt", split_path = o.out / "split.json";
  const auto log_path = o.out / "log.jsonl";
  if (resume && !std::filesystem::exists(last_path))
    throw Error(last_path.string(), 0, "cannot resume: no last.pt in the run folder");
  if (!resume && std::filesystem::exists(last_path))
    throw Error(o.out.string(), 0, "the run folder already holds a training run; use --resume or another run.out");

  data::DatasetReader reader(o.train_data);
  data::Split split;
  if (resume) {
    split = data::read_split(split_path);
  } else if (o.validation_data.empty()) {
    data::SplitOptions so;
    so.validation = o.validation_fraction;
    so.test = o.test_fraction;
    so.train = 1.0 - so.validation - so.test;
    so.mode = data::split_mode_from_name(o.split == "random" ? "entry" : o.split);
    so.seed = o.seed;
    split = data::make_split(reader, so);
    data::write_split(split_path, o.train_data, so, split);
  } else {
    for (size_t p : reader.training_entries()) split.train.push_back(reader.index(p));
  }
  if (o.max_entries > 0 && static_cast<int>(split.train.size()) > o.max_entries) split.train.resize(o.max_entries);
  if (split.train.empty()) throw Error(o.train_data.string(), 0, "no converged entries to train on");

  std::unique_ptr<data::DatasetReader> val_reader;
  std::vector<size_t> val_positions;
  if (!o.validation_data.empty()) {
    val_reader = std::make_unique<data::DatasetReader>(o.validation_data);
    val_positions = val_reader->training_entries();
  } else {
    val_positions = positions_of(reader, split.validation);
  }
  const data::DatasetReader& vr = val_reader ? *val_reader : reader;

  const std::vector<size_t> train_positions = positions_of(reader, split.train);
  const std::vector<int> elements = elements_of(reader, train_positions);
  ModelProvenance provenance;
  provenance.basis = basis_of(reader, elements);
  provenance.method = reader.metadata().settings.method;
  provenance.sap_grid_level = reader.metadata().settings.grid_level;
  provenance.sap_method = reader.metadata().settings.sap_method;
  const ModelBasis basis = make_model_basis(provenance.basis, provenance.basis.name, elements);

  torch::manual_seed(o.seed);
  HamiltonianModel model(o.model, basis), ema(o.model, basis);
  const auto dtype = o.float64 ? torch::kFloat64 : torch::kFloat32;
  model->to(dtype);
  ema->to(dtype);

  // Each entry's matrices serve its graph, the domain and the loss terms' targets as it loads;
  // then they are released (validation keeps the few it needs), so the peak memory is the
  // graphs' and targets', not the dataset's matrices too.
  TrainingDomainBuilder domain(o.model.cutoff);
  TrainingTermsBuilder term_builder(o, vr.path());
  const auto train = load_labelled_graphs(reader, train_positions, basis, o.model, [&](LabelledGraph& lg) {
    domain.add(lg.entry, lg.graph.ao_begin);
    term_builder.add_training(lg.entry);
    release_matrices(lg.entry, false);
    compact_for_training(lg.graph, o.model.delta(), dtype);
  });
  const auto validation = load_labelled_graphs(vr, val_positions, basis, o.model, [&](LabelledGraph& lg) {
    term_builder.add_validation(lg.entry);
    release_matrices(lg.entry, true);
    compact_for_training(lg.graph, o.model.delta(), dtype);
  });
  provenance.domain = domain.finish();
  const TrainingTerms terms = term_builder.finish();
  std::vector<const MoleculeGraph*> train_graphs;
  for (const auto& g : train) train_graphs.push_back(&g.graph);
  model->fit_normalization(train_graphs, o.loss_normalization == "pair");
  const BlockUnpacking unpacking(basis);

  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (o.optimizer == "adamw")
    optimizer = std::make_unique<torch::optim::AdamW>(model->parameters(),
                                                      torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  else
    optimizer = std::make_unique<torch::optim::Adam>(model->parameters(),
                                                     torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));

  TrainingState state;
  state.learning_rate = o.lr;
  state.best_validation = std::numeric_limits<double>::infinity();
  if (resume) {
    LoadedModel last = load_checkpoint(last_path);
    if (last.meta.at("model") != model_config_to_json(o.model) || last.meta.at("elements") != nlohmann::json(elements))
      throw Error(last_path.string(), 0, "cannot resume: the model configuration or elements differ from this run's");
    copy_weights(last.model, model);
    load_training_state(last_path, ema, *optimizer);
    state = last.state;
  } else {
    copy_weights(model, ema);
  }
  // Data parallel (run.threads > 1): one replica per thread, the model itself the first.
  std::vector<HamiltonianModel> extra_replicas;
  std::vector<HamiltonianModel*> replicas{&model};
  for (int r = 1; r < std::min(o.threads, o.batch_size); ++r) {
    extra_replicas.emplace_back(o.model, basis);
    extra_replicas.back()->to(dtype);
    copy_weights(model, extra_replicas.back());
    extra_replicas.back()->train();
  }
  for (auto& r : extra_replicas) replicas.push_back(&r);

  TrainResult result;
  result.train_molecules = static_cast<int64_t>(train.size());
  result.validation_molecules = static_cast<int64_t>(validation.size());
  result.test_molecules = static_cast<int64_t>(split.test.size());
  result.best_checkpoint = best_path;
  result.last_checkpoint = last_path;
  const int64_t steps_per_epoch = (static_cast<int64_t>(train.size()) + o.batch_size - 1) / o.batch_size;
  const auto run_start = Clock::now();
  const double elapsed_before = state.elapsed_seconds;
  const double decay = o.ema_decay;
  std::string log_text;
  if (resume && std::filesystem::exists(log_path)) {
    std::ifstream in(log_path);
    log_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  data::Progress progress(static_cast<size_t>(std::max(0, o.epochs - state.epoch)), 0, o.progress, "epochs");
  result.stop_reason = "epochs";
  model->train();
  while (state.epoch < o.epochs) {
    const auto t0 = Clock::now();
    std::vector<size_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<uint64_t>(state.epoch));
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      std::vector<const MoleculeGraph*> part;
      std::vector<MoleculeTerms> part_terms;
      for (int64_t k = s * o.batch_size; k < std::min<int64_t>(train.size(), (s + 1) * o.batch_size); ++k) {
        part.push_back(&train[order[k]].graph);
        if (terms.train.any()) part_terms.push_back(terms.train.of(order[k]));
      }
      const double lr = learning_rate(o, state.step, steps_per_epoch, state.learning_rate);
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
      optimizer->zero_grad();
      for (size_t r = 1; r < replicas.size(); ++r) (*replicas[r])->zero_grad();
      const double loss =
          accumulate_gradients(replicas, part, part_terms, o, unpacking, terms.units, state.epoch + 1);
      if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), o.grad_clip);
      optimizer->step();
      for (size_t r = 1; r < replicas.size(); ++r) copy_weights(model, *replicas[r]);
      if (decay > 0) ema_update(model, ema, std::min(decay, (1.0 + state.step) / (10.0 + state.step)));
      else copy_weights(model, ema);
      loss_sum += loss * part.size();
      ++state.step;
    }
    ++state.epoch;
    EpochRecord rec;
    rec.epoch = state.epoch;
    rec.learning_rate = learning_rate(o, state.step - 1, steps_per_epoch, state.learning_rate);
    rec.train_loss = loss_sum / static_cast<double>(train.size());
    if (!validation.empty()) {
      const ValidationResult v =
          validate_model(ema, validation, terms.validation, vr.path(), unpacking, o, terms.units);
      rec.validation_loss = v.loss;
      rec.validation_mae_ueh = v.mae_ueh;
      rec.validation_eps_occ_mae_ueh = v.eps_occ_mae_ueh;
      rec.validation_rotation_rms = v.rotation_rms;
      rec.validation_orthonormal_rms_ueh = v.orthonormal_rms_ueh;
    } else {
      rec.validation_loss = rec.train_loss;
    }
    rec.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    rec.molecules_per_second = static_cast<double>(train.size()) / std::max(1e-9, rec.seconds);
    state.elapsed_seconds = elapsed_before + std::chrono::duration<double>(Clock::now() - run_start).count();

    if (rec.validation_loss < state.best_validation) {
      state.best_validation = rec.validation_loss;
      state.best_epoch = state.epoch;
      state.epochs_without_improvement = 0;
      save_checkpoint(best_path, ema, provenance, o.as_json, state);
    } else {
      ++state.epochs_without_improvement;
      if (o.schedule == "plateau" && state.epochs_without_improvement % 10 == 0)
        state.learning_rate = std::max(o.min_lr, 0.5 * state.learning_rate);
    }
    log_text += record_json(rec).dump() + "\n";
    write_file_atomically(log_path, log_text);
    plot_learning_curve(o.out / "learning_curve.png", log_text);
    const bool early = o.early_stopping_patience > 0 && state.epochs_without_improvement >= o.early_stopping_patience;
    const bool timeout = o.max_minutes > 0 && state.elapsed_seconds > 60.0 * o.max_minutes;
    const bool pause = o.stop_after_epochs > 0 && static_cast<int>(result.history.size()) + 1 >= o.stop_after_epochs;
    if (state.epoch % std::max(1, o.checkpoint_every) == 0 || early || timeout || pause || state.epoch == o.epochs)
      save_checkpoint(last_path, model, provenance, o.as_json, state, &ema, optimizer.get());
    result.history.push_back(rec);
    progress.advance();
    if (on_epoch) on_epoch(rec);
    if (early) {
      result.stop_reason = "early stopping";
      break;
    }
    if (timeout) {
      result.stop_reason = "time limit";
      break;
    }
    if (pause && state.epoch < o.epochs) {
      result.stop_reason = "paused";
      break;
    }
  }
  progress.finish();
  result.best_epoch = state.best_epoch;
  result.best_validation_loss = state.best_validation;
  return result;
}

}  // namespace hamlet::model
