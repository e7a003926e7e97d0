// `hamlet train CONFIG.yaml [--set key=value ...] [--resume] [--print-config]`.
#include <fmt/format.h>
#include <omp.h>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/trainer.hpp"
#include "train/config.hpp"

namespace hamlet::cli {

model::TrainOptions train_options_from_config(const train::Config& c) {
  model::TrainOptions o;
  o.train_data = c.get<std::string>("data.train");
  o.validation_data = c.get<std::string>("data.validation");
  o.split = c.get<std::string>("data.split");
  o.validation_fraction = c.get<double>("data.validation_fraction");
  o.test_fraction = c.get<double>("data.test_fraction");
  o.max_entries = c.get<int>("data.max_entries");
  o.model.type = c.get<std::string>("model.type");
  const std::string target = c.get<std::string>("model.target");
  o.model.target = target == "auto" ? (o.model.type == "sap" ? "delta" : "full") : target;
  o.model.cutoff = c.get<double>("model.cutoff_bohr");
  o.model.hidden_irreps = c.get<std::string>("model.hidden_irreps");
  o.model.pair_irreps = c.get<std::string>("model.pair_irreps");
  o.model.lmax = c.get<int>("model.lmax");
  o.model.layers = c.get<int>("model.layers");
  o.model.radial_basis = c.get<int>("model.radial_basis");
  o.model.radial_hidden = c.get<int>("model.radial_hidden");
  o.model.overlap_filter = c.get<double>("model.overlap_filter");
  o.float64 = c.get<std::string>("model.dtype") == "float64";
  o.optimizer = c.get<std::string>("optim.name");
  o.lr = c.get<double>("optim.lr");
  o.weight_decay = c.get<double>("optim.weight_decay");
  o.batch_size = c.get<int>("optim.batch_size");
  o.epochs = c.get<int>("optim.epochs");
  o.warmup_epochs = c.get<int>("optim.warmup_epochs");
  o.schedule = c.get<std::string>("optim.schedule");
  o.min_lr = c.get<double>("optim.min_lr");
  o.grad_clip = c.get<double>("optim.grad_clip");
  o.ema_decay = c.get<double>("optim.ema_decay");
  o.loss = c.get<std::string>("optim.loss");
  o.loss_normalization = c.get<std::string>("optim.loss_normalization");
  o.eigenvalue_weight = c.get<double>("optim.eigenvalue_weight");
  o.eigenvalue_virtuals = c.get<int>("optim.eigenvalue_virtuals");
  o.rotation_weight = c.get<double>("optim.rotation_weight");
  o.orthonormal_weight = c.get<double>("optim.orthonormal_weight");
  o.early_stopping_patience = c.get<int>("optim.early_stopping_patience");
  o.max_minutes = c.get<double>("optim.max_minutes");
  o.seed = c.get<std::uint64_t>("run.seed");
  o.out = c.get<std::string>("run.out");
  o.checkpoint_every = c.get<int>("run.checkpoint_every");
  o.as_json = c.to_json();
  return o;
}

namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool resume = false, print_config = false, quiet = false;
};

int run_train(const TrainArgs& a) {
  const train::Config config = train::load_config(train::training_schema(), a.config, a.overrides);
  if (a.print_config) {
    fmt::print("{}", config.to_yaml("effective configuration of " + a.config));
    return kExitOk;
  }
  const int threads = config.get<int>("run.threads");
  if (threads > 0) model::set_threads(threads);
  model::TrainOptions o = train_options_from_config(config);
  o.threads = threads > 0 ? threads : std::max(1, omp_get_num_procs());
  o.progress = !a.quiet;
  std::filesystem::create_directories(o.out);
  write_file_atomically(o.out / "config.yaml", config.to_yaml("effective configuration of " + a.config));
  if (!a.quiet)
    fmt::print("hamlet train: {} -> {} ({} model, target {}, {})\n", o.train_data.string(), o.out.string(),
               o.model.type, o.model.target, o.float64 ? "float64" : "float32");
  const auto result = model::train_model(o, a.resume, [&](const model::EpochRecord& r) {
    if (a.quiet) return;
    const std::string eps =
        r.validation_eps_occ_mae_ueh >= 0 ? fmt::format("  val ε_occ MAE {:.0f} µEh", r.validation_eps_occ_mae_ueh) : "";
    const std::string rotation =
        r.validation_rotation_rms >= 0 ? fmt::format("  val rotation RMS {:.2e}", r.validation_rotation_rms) : "";
    const std::string orthonormal = r.validation_orthonormal_rms_ueh >= 0
                                        ? fmt::format("  val orthonormal RMS {:.0f} µEh", r.validation_orthonormal_rms_ueh)
                                        : "";
    fmt::print(stderr, "\r\033[K  epoch {:4d}  lr {:.2e}  train {:.4e}  val {:.4e}  val MAE {:.1f} µEh{}{}{}  {:.1f} mol/s\n",
               r.epoch, r.learning_rate, r.train_loss, r.validation_loss, r.validation_mae_ueh, eps, rotation,
               orthonormal, r.molecules_per_second);
  });
  fmt::print("hamlet train: {} train / {} validation / {} test structures; stopped: {}\n", result.train_molecules,
             result.validation_molecules, result.test_molecules, result.stop_reason);
  fmt::print("  best validation loss {:.4e} at epoch {} -> {}\n", result.best_validation_loss, result.best_epoch,
             result.best_checkpoint.string());
  return kExitOk;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train a Hamiltonian model on a hamlet dataset (YAML config)");
  cmd->add_option("config", a->config, "YAML configuration (hamlet train --print-config X.yaml shows every key)")
      ->required();
  cmd->add_option("--set", a->overrides, "override a key: --set optim.lr=1e-3 (repeatable)");
  cmd->add_flag("--resume", a->resume, "continue the run in run.out from its last.pt");
  cmd->add_flag("--print-config", a->print_config, "print the effective configuration with docs and exit");
  cmd->add_flag("--quiet", a->quiet, "no progress output");
  return [a] { return run_train(*a); };
}

}  // namespace hamlet::cli
