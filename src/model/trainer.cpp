#include "model/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include "model/orbital_energy_loss.hpp"
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

// Orbital energies of a batch's molecules (one target per graph, or none): the mean over
// molecules of their orbitals' mean squared error in units of `unit`; the occupied orbitals'
// absolute errors are summed into *occupied_abs / *occupied_count when given.
at::Tensor orbital_energy_term(const BlockUnpacking& unpacking, const std::vector<const MoleculeGraph*>& graphs,
                               const std::vector<const OrbitalEnergyTarget*>& targets, const ModelOutput& out,
                               double unit, double* occupied_abs = nullptr, double* occupied_count = nullptr) {
  const std::vector<at::Tensor> matrices = unpacking.matrices(graphs, out.onsite, out.offsite);
  at::Tensor sum = at::zeros({}, at::kDouble);
  for (size_t k = 0; k < graphs.size(); ++k) {
    const at::Tensor error = predicted_orbital_energies(*targets[k], matrices[k]) - targets[k]->reference;
    sum = sum + error.pow(2).mean();
    if (occupied_abs) {
      *occupied_abs += error.narrow(0, 0, targets[k]->occupied).abs().sum().item<double>();
      *occupied_count += targets[k]->occupied;
    }
  }
  return sum / (unit * static_cast<double>(graphs.size()));
}

struct ValidationResult {
  double loss = 0, mae_ueh = 0, eps_occ_mae_ueh = -1;
};

// Validation loss (the training loss's definition), mean |ΔF| over all matrix elements (µEh)
// and, when the entries have orbital-energy targets, the occupied orbital energies' MAE (µEh).
ValidationResult validate_model(HamiltonianModel& model, const std::vector<LabelledGraph>& graphs,
                                const std::vector<OrbitalEnergyTarget>& targets, const BlockUnpacking& unpacking,
                                const TrainOptions& o, double eigenvalue_unit) {
  torch::NoGradGuard no_grad;
  model->eval();
  double loss_sum = 0, abs_sum = 0, elements = 0, occupied_abs = 0, occupied_count = 0;
  const bool spectra = targets.size() == graphs.size() && !graphs.empty();
  for (size_t b = 0; b < graphs.size(); b += o.batch_size) {
    std::vector<const MoleculeGraph*> part;
    std::vector<const OrbitalEnergyTarget*> part_targets;
    for (size_t k = b; k < std::min(graphs.size(), b + o.batch_size); ++k) {
      part.push_back(&graphs[k].graph);
      if (spectra) part_targets.push_back(&targets[k]);
    }
    const GraphBatch batch = collate(part);
    const ModelOutput out = model->forward(batch);
    double loss = model->loss(out, batch, o.loss).item<double>();
    if (spectra) {
      const double term = orbital_energy_term(unpacking, part, part_targets, out, eigenvalue_unit, &occupied_abs,
                                              &occupied_count).item<double>();
      loss += o.eigenvalue_weight * term;
    }
    loss_sum += loss * part.size();
    int64_t node = 0, edge = 0;
    for (size_t k = 0; k < part.size(); ++k) {
      const auto& lg = graphs[b + k];
      const int64_t n = lg.graph.element.size(0), e = lg.graph.edge_index.size(1);
      const Eigen::MatrixXd pred = predicted_fock(*model, lg.graph, out.onsite.narrow(0, node, n),
                                                  out.offsite.narrow(0, edge, e), lg.entry.H_sap, lg.entry.S);
      abs_sum += (pred - lg.entry.fock[0]).cwiseAbs().sum();
      elements += static_cast<double>(pred.size());
      node += n;
      edge += e;
    }
  }
  model->train();
  const double n = std::max<double>(1, graphs.size());
  ValidationResult r;
  r.loss = loss_sum / n;
  r.mae_ueh = elements > 0 ? 1e6 * abs_sum / elements : 0.0;
  if (spectra && occupied_count > 0) r.eps_occ_mae_ueh = 1e6 * occupied_abs / occupied_count;
  return r;
}

// Orbital-energy targets of all entries, or none when some entry lacks orbital energies and
// they are optional (validation metric only).
std::vector<OrbitalEnergyTarget> orbital_energy_targets(const std::vector<LabelledGraph>& graphs,
                                                        const TrainOptions& o, bool required,
                                                        const std::filesystem::path& file) {
  std::vector<OrbitalEnergyTarget> out;
  for (const auto& lg : graphs) {
    const auto& e = lg.entry;
    const bool usable = e.orbital_energies.size() == 1 && e.orbital_energies[0].size() == e.nbf;
    if (!usable && !required) return {};
    try {
      out.push_back(make_orbital_energy_target(e, o.model, o.eigenvalue_virtuals));
    } catch (const Error& err) {
      throw Error(file.string(), 0, err.what());
    }
  }
  return out;
}

nlohmann::json record_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},
          {"learning_rate", r.learning_rate},
          {"train_loss", r.train_loss},
          {"validation_loss", r.validation_loss},
          {"validation_mae_ueh", r.validation_mae_ueh},
          {"validation_eps_occ_mae_ueh", r.validation_eps_occ_mae_ueh},
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
  if (threads <= 0) return;
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

  const auto train = load_labelled_graphs(reader, train_positions, basis, o.model);
  const auto validation = load_labelled_graphs(vr, val_positions, basis, o.model);
  std::vector<const MoleculeGraph*> train_graphs;
  for (const auto& g : train) train_graphs.push_back(&g.graph);
  model->fit_normalization(train_graphs, o.loss_normalization == "pair");
  // Orbital-energy targets: needed on the training set when the term is on; on the validation
  // set whenever available (its occupied-orbital MAE goes into the log). The unit is fixed by
  // the training data, so a resumed run recomputes it identically.
  const BlockUnpacking unpacking(basis);
  const bool spectra = o.eigenvalue_weight > 0;
  const std::vector<OrbitalEnergyTarget> train_spectra =
      spectra ? orbital_energy_targets(train, o, true, o.train_data) : std::vector<OrbitalEnergyTarget>{};
  const std::vector<OrbitalEnergyTarget> validation_spectra =
      orbital_energy_targets(validation, o, spectra, vr.path());
  double eigenvalue_unit = 1.0;
  if (spectra) {
    std::vector<const OrbitalEnergyTarget*> all;
    for (const auto& t : train_spectra) all.push_back(&t);
    eigenvalue_unit = baseline_mean_squared_error(all);
    if (!(eigenvalue_unit > 0)) throw Error(o.train_data.string(), 0, "the orbital-energy loss has no scale: the baseline orbital energies equal the reference ones");
  }

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
      std::vector<const OrbitalEnergyTarget*> part_spectra;
      for (int64_t k = s * o.batch_size; k < std::min<int64_t>(train.size(), (s + 1) * o.batch_size); ++k) {
        part.push_back(&train[order[k]].graph);
        if (spectra) part_spectra.push_back(&train_spectra[order[k]]);
      }
      const double lr = learning_rate(o, state.step, steps_per_epoch, state.learning_rate);
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
      const GraphBatch batch = collate(part);
      optimizer->zero_grad();
      const ModelOutput out = model->forward(batch);
      at::Tensor loss = model->loss(out, batch, o.loss);
      if (spectra)
        loss = loss + o.eigenvalue_weight *
                          orbital_energy_term(unpacking, part, part_spectra, out, eigenvalue_unit).to(loss.scalar_type());
      if (!std::isfinite(loss.item<double>()))
        throw Error("training diverged: the loss became " + std::to_string(loss.item<double>()) + " at epoch " +
                    std::to_string(state.epoch + 1) + " (lower optim.lr?)");
      loss.backward();
      if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), o.grad_clip);
      optimizer->step();
      if (decay > 0) ema_update(model, ema, std::min(decay, (1.0 + state.step) / (10.0 + state.step)));
      else copy_weights(model, ema);
      loss_sum += loss.item<double>() * part.size();
      ++state.step;
    }
    ++state.epoch;
    EpochRecord rec;
    rec.epoch = state.epoch;
    rec.learning_rate = learning_rate(o, state.step - 1, steps_per_epoch, state.learning_rate);
    rec.train_loss = loss_sum / static_cast<double>(train.size());
    if (!validation.empty()) {
      const ValidationResult v = validate_model(ema, validation, validation_spectra, unpacking, o, eigenvalue_unit);
      rec.validation_loss = v.loss;
      rec.validation_mae_ueh = v.mae_ueh;
      rec.validation_eps_occ_mae_ueh = v.eps_occ_mae_ueh;
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
