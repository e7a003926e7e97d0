// `hamlet predict MODEL STRUCTURES.xyz --out PRED.h5` and `hamlet eval MODEL DATA.h5 --json R.json`.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "chem/xyz.hpp"
#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "model/demo.hpp"
#include "model/evaluate.hpp"
#include "model/predict.hpp"
#include "model/trainer.hpp"

namespace hamlet::cli {
namespace {

struct PredictArgs {
  std::string model, structures, out;
  double overlap_filter = -1.0;  // < 0: the model's own
  int threads = 0;
  bool quiet = false, no_matrices = false;
};

// What the summary keeps of a prediction once it is written (the matrices are released).
struct PredictedRow {
  std::string source;
  double homo, lumo, gap, dipole;  // Eh, Eh, Eh, e a0
  model::Extrapolation extrapolation;
  double seconds_inputs, seconds_model, seconds_solve;
};

int run_predict(const PredictArgs& a) {
  model::set_threads(a.threads);
  const std::vector<Molecule> molecules = read_xyz_frames(a.structures);
  const auto t0 = std::chrono::steady_clock::now();
  model::PredictionWriter writer(a.out, a.model, !a.no_matrices);
  std::vector<PredictedRow> rows;
  rows.reserve(molecules.size());
  model::predict_structures(a.model, molecules, !a.quiet, a.overlap_filter, [&](size_t, model::Prediction& p) {
    writer.add(p);
    const auto& s = p.solution;
    rows.push_back({p.molecule.source, s.homo, s.lumo, s.gap, s.dipole.norm(), p.extrapolation, p.seconds_inputs,
                    p.seconds_model, p.seconds_solve});
  });
  writer.commit();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.quiet) {
    fmt::print("{:>6} {:>24} {:>12} {:>12} {:>10} {:>10}\n", "#", "source", "HOMO (eV)", "LUMO (eV)", "gap (eV)",
               "|mu| (D)");
    for (size_t k = 0; k < rows.size(); ++k)
      fmt::print("{:>6} {:>24} {:>12.4f} {:>12.4f} {:>10.4f} {:>10.4f}\n", k, rows[k].source,
                 rows[k].homo * units::kHartreeInEv, rows[k].lumo * units::kHartreeInEv,
                 rows[k].gap * units::kHartreeInEv, rows[k].dipole * units::kAuDipoleInDebye);
  }
  std::vector<std::string> outside;
  for (const auto& r : rows)
    if (r.extrapolation.flagged())
      outside.push_back(fmt::format("{} ({}, {:.1f}x)", r.source, r.extrapolation.block, r.extrapolation.ratio));
  if (!outside.empty()) {
    fmt::print(stderr,
               "hamlet predict: warning: {} of {} structures lie outside the model's training data (a predicted "
               "block over {}x the largest of the training set, norm of F - H_SAP; their numbers are "
               "unreliable):\n",
               outside.size(), rows.size(), model::kExtrapolationWarning);
    for (size_t k = 0; k < outside.size() && k < 20; ++k) fmt::print(stderr, "  {}\n", outside[k]);
    if (outside.size() > 20) fmt::print(stderr, "  ... ({} more; extrapolation_ratio in {})\n", outside.size() - 20, a.out);
  }
  double inputs = 0, network = 0, solve = 0;
  for (const auto& r : rows) inputs += r.seconds_inputs, network += r.seconds_model, solve += r.seconds_solve;
  const double n = static_cast<double>(rows.size());
  // The wall time includes writing the file (structure by structure, as they are predicted).
  fmt::print("hamlet predict: {} structures in {:.2f} s ({:.1f} structures/s; per structure {:.4f} s for S and "
             "H_SAP, {:.4f} s network, {:.4f} s eigenproblem and dipole) -> {}\n",
             rows.size(), seconds, n / std::max(seconds, 1e-9), inputs / n, network / n, solve / n, a.out);
  return kExitOk;
}

struct EvalArgs {
  model::EvalOptions options;
  std::string json;
  int threads = 0;
  bool quiet = false;
};

// A number of a report formatted by spec, "n/a" when absent or null; key "group/key" reaches
// inside a group.
std::string report_number(const nlohmann::json& j, const std::string& key, const char* spec) {
  const nlohmann::json::json_pointer at("/" + key);
  if (!j.contains(at) || !j[at].is_number()) return "n/a";
  return fmt::format(fmt::runtime(spec), j[at].get<double>());
}

void print_report(const nlohmann::json& r) {
  auto num = [&](const char* key, const char* fmtspec) { return report_number(r, key, fmtspec); };
  fmt::print("  {:<34} {:>14}\n", "structures", r["structures"].get<int>());
  fmt::print("  {:<34} {:>14}\n", "H MAE, all elements (µEh)", num("h_mae_ueh", "{:.1f}"));
  fmt::print("  {:<34} {:>14}\n", "H MAE, on-site (µEh)", num("h_mae_onsite_ueh", "{:.1f}"));
  fmt::print("  {:<34} {:>14}\n", "H MAE, off-site (µEh)", num("h_mae_offsite_ueh", "{:.1f}"));
  fmt::print("  {:<34} {:>14}\n", "SAP guess H MAE, baseline (µEh)", num("h_mae_sap_ueh", "{:.1f}"));
  fmt::print("  {:<34} {:>14}\n", "H RMS, Löwdin basis, ML / SAP (µEh)",
             num("h_orthonormal_rms_ueh", "{:.0f}") + " / " + num("h_orthonormal_rms_sap_ueh", "{:.0f}"));
  fmt::print("  {:<34} {:>14}\n", "occupied eps MAE (µEh)", num("eps_occ_mae_ueh", "{:.1f}"));
  fmt::print("  {:<34} {:>14}\n", "HOMO MAE (meV)", num("homo_mae_mev", "{:.2f}"));
  fmt::print("  {:<34} {:>14}\n", "LUMO MAE (meV)", num("lumo_mae_mev", "{:.2f}"));
  fmt::print("  {:<34} {:>14}\n", "gap MAE (meV)", num("gap_mae_mev", "{:.2f}"));
  if (r.contains("reference_in_model_form")) {
    fmt::print("  {:<34} {:>14}\n", "  reference F in the model's form:", "");
    fmt::print("  {:<34} {:>14}\n", "  H RMS, Löwdin basis (µEh)", num("reference_in_model_form/h_orthonormal_rms_ueh", "{:.0f}"));
    fmt::print("  {:<34} {:>14}\n", "  HOMO / LUMO / gap MAE (meV)",
               num("reference_in_model_form/homo_mae_mev", "{:.0f}") + " / " +
                   num("reference_in_model_form/lumo_mae_mev", "{:.0f}") + " / " +
                   num("reference_in_model_form/gap_mae_mev", "{:.0f}"));
  }
  fmt::print("  {:<34} {:>14}\n", "orbital cosine similarity", num("cosine_similarity", "{:.5f}"));
  fmt::print("  {:<34} {:>14}\n", "dipole MAE (D)", num("dipole_mae_debye", "{:.4f}"));
  fmt::print("  {:<34} {:>14}\n", "density error, ML / SAP guess", num("density_error", "{:.4f}") + " / " + num("density_error_sap", "{:.4f}"));
  fmt::print("  {:<34} {:>14}\n", "outside training domain (> 1.5x)",
             fmt::format("{} (largest {})", r["outside_training_domain"].get<int>(), num("extrapolation_ratio_max", "{:.2f}x")));
  const auto& outside = r["outside_training_domain_structures"];
  for (size_t k = 0; k < outside.size() && k < 5; ++k)
    fmt::print("    {} ({}, {})\n", outside[k]["source"].get<std::string>(), outside[k]["block"].get<std::string>(),
               outside[k]["ratio"].is_number() ? fmt::format("{:.2f}x", outside[k]["ratio"].get<double>()) : "inf");
  if (outside.size() > 5) fmt::print("    ... {} more in the JSON report\n", outside.size() - 5);
  fmt::print("  {:<34} {:>14}\n", "SCF iterations, ML guess", num("scf_iterations_ml", "{:.2f}"));
  fmt::print("  {:<34} {:>14}\n", "SCF iterations, SAP guess", num("scf_iterations_sap", "{:.2f}"));
  fmt::print("  {:<34} {:>14}\n", "SCF iterations, SAD guess", num("scf_iterations_sad", "{:.2f}"));
  fmt::print("  {:<34} {:>14}\n", "SCF iterations, from reference F", num("scf_iterations_reference", "{:.2f}"));
  fmt::print("  {:<34} {:>14}\n", "predict time per structure (s)", num("predict_seconds", "{:.4f}"));
  fmt::print("  {:<34} {:>14}\n", "SCF time per structure (s)", num("scf_seconds", "{:.3f}"));
  fmt::print("  {:<34} {:>14}\n", "SCF time from ML guess (s)", num("scf_seconds_ml", "{:.3f}"));
}

int run_eval(EvalArgs& a) {
  model::set_threads(a.threads);
  a.options.progress = !a.quiet;
  const nlohmann::json r = model::evaluate_model(a.options);
  if (!a.json.empty()) write_file_atomically(a.json, r.dump(2) + "\n");
  fmt::print("hamlet eval: {} on {} ({})\n", a.options.model.string(), a.options.data.string(),
             r["subset"].get<std::string>());
  print_report(r);
  return kExitOk;
}

struct DemoArgs {
  model::DemoOptions options;
  bool quiet = false;
};

int run_demo(DemoArgs& a) {
  a.options.progress = !a.quiet;
  const nlohmann::json r = model::run_demo(a.options);
  const nlohmann::json& u = r["unseen_molecule"];
  const nlohmann::json& g = r["geometry_only"];
  const auto cell = report_number;
  fmt::print("\nhamlet demo: {}/{} Fock matrices of 6 small molecules, learned from thermal conformers\n",
             r["settings"]["method"].get<std::string>(), r["settings"]["basis"].get<std::string>());
  fmt::print("{:<32} {:>18} {:>18} {:>18}\n", "", "SAP model", "SAP model", "geometry-only");
  fmt::print("{:<32} {:>18} {:>18} {:>18}\n", "", "held-out confs", "unseen ethanol", "held-out confs");
  const std::vector<std::tuple<const char*, const char*, const char*>> rows = {
      {"H MAE, all (µEh)", "h_mae_ueh", "{:.0f}"},
      {"H MAE, on-site (µEh)", "h_mae_onsite_ueh", "{:.0f}"},
      {"H MAE, off-site (µEh)", "h_mae_offsite_ueh", "{:.0f}"},
      {"SAP guess H MAE (µEh)", "h_mae_sap_ueh", "{:.0f}"},
      {"occupied eps MAE (µEh)", "eps_occ_mae_ueh", "{:.0f}"},
      {"HOMO MAE (meV)", "homo_mae_mev", "{:.1f}"},
      {"LUMO MAE (meV)", "lumo_mae_mev", "{:.1f}"},
      {"gap MAE (meV)", "gap_mae_mev", "{:.1f}"},
      {"LUMO MAE, reference F in form", "reference_in_model_form/lumo_mae_mev", "{:.1f}"},
      {"cosine similarity", "cosine_similarity", "{:.4f}"},
      {"dipole MAE (D)", "dipole_mae_debye", "{:.3f}"},
      {"density error (Löwdin)", "density_error", "{:.4f}"},
      {"largest extrapolation ratio", "extrapolation_ratio_max", "{:.2f}"},
      {"SCF iterations, ML guess", "scf_iterations_ml", "{:.1f}"},
      {"SCF iterations, SAP guess", "scf_iterations_sap", "{:.1f}"},
      {"SCF iterations, SAD guess", "scf_iterations_sad", "{:.1f}"},
      {"SCF iterations, reference F", "scf_iterations_reference", "{:.1f}"},
      {"predict s / structure", "predict_seconds", "{:.3f}"},
      {"SCF s / structure", "scf_seconds", "{:.3f}"}};
  for (const auto& [label, key, spec] : rows)
    fmt::print("{:<32} {:>18} {:>18} {:>18}\n", label, cell(r, key, spec), cell(u, key, spec), cell(g, key, spec));
  fmt::print("\nwritten: {}/report.json, {}/model.pt, {}/plots/\n", a.options.out.string(), a.options.out.string(),
             a.options.out.string());
  return kExitOk;
}

}  // namespace

Runner add_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo", "the whole pipeline on built-in molecules: data, training, evaluation");
  cmd->add_option("--out", a->options.out, "output folder")->capture_default_str();
  cmd->add_option("--conformers", a->options.conformers, "conformers per molecule")->capture_default_str();
  cmd->add_option("--epochs", a->options.epochs, "epochs per model")->capture_default_str();
  cmd->add_option("--minutes", a->options.minutes, "training time cap per model")->capture_default_str();
  cmd->add_option("--seed", a->options.seed, "random seed (conformers, split, weights)")->capture_default_str();
  cmd->add_option("--threads", a->options.threads, "SCF and prediction threads (default: all)");
  cmd->add_option("--train-threads", a->options.train_threads, "data-parallel training threads (0: all)")
      ->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "no progress output");
  return [a] { return run_demo(*a); };
}


ModelFockGuess model_fock_guess() {
  return [](const std::string& checkpoint, const Molecule& molecule, double overlap_filter) {
    model::Extrapolation extrapolation;
    Eigen::MatrixXd F = model::predict_fock(checkpoint, molecule, overlap_filter, &extrapolation);
    if (extrapolation.flagged())
      fmt::print(stderr,
                 "hamlet: warning: {}: the predicted block at {} is {:.1f}x the largest of the model's training set "
                 "(norm of F - H_SAP): the model extrapolates, the guess may be poor\n",
                 molecule.source, extrapolation.block, extrapolation.ratio);
    return F;
  };
}

Runner add_predict_command(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "predict Fock matrices, orbital energies and dipoles with a model");
  cmd->add_option("model", a->model, "model checkpoint (best.pt of hamlet train)")->required()->check(CLI::ExistingFile);
  cmd->add_option("structures", a->structures, "XYZ/extXYZ file (Angstrom), one or many frames")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "HDF5 file to write (F, S, orbital energies, HOMO/LUMO/gap, dipole)")->required();
  cmd->add_option("--overlap-filter", a->overlap_filter,
                  "override the model's overlap filter (model.overlap_filter; 0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-matrices", a->no_matrices,
               "leave F and S out of the file (orbital energies, HOMO/LUMO/gap and dipole only: ~3 kB instead of "
               "~0.4 MB per QM9 structure)");
  cmd->add_option("--threads", a->threads, "threads (default: all)");
  cmd->add_flag("--quiet", a->quiet, "no progress bar or table");
  return [a] { return run_predict(*a); };
}

Runner add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "evaluate a model against a dataset's SCF results");
  cmd->add_option("model", a->options.model, "model checkpoint")->required()->check(CLI::ExistingFile);
  cmd->add_option("data", a->options.data, "dataset (hamlet datagen)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--json", a->json, "write the report (keys in src/model/evaluate.hpp)");
  cmd->add_option("--split", a->options.split, "split.json of a training run (default: every converged entry)");
  cmd->add_option("--subset", a->options.subset, "with --split: train, validation or test")->capture_default_str();
  cmd->add_option("--overlap-filter", a->options.overlap_filter,
                  "override the model's overlap filter (model.overlap_filter; 0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--scf", a->options.scf_structures, "structures for the SCF-iteration comparison")
      ->capture_default_str();
  cmd->add_option("--plots", a->options.plots_dir, "folder for parity plots (PNG)");
  cmd->add_option("--threads", a->threads, "threads (default: all)");
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  return [a] { return run_eval(*a); };
}

}  // namespace hamlet::cli
