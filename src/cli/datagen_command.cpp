// `hamlet datagen INPUT --basis B --method M --out DATA.h5 ...`: training data, one SCF per
// structure, resumable (rerun = skip finished structures) and safe against kill -9.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "data/datagen.hpp"

namespace hamlet::cli {
namespace {

struct DatagenArgs {
  data::DatagenOptions options;
  std::string input, output;
  bool quiet = false;
};

int run_datagen_command(DatagenArgs& args) {
  args.options.input = args.input;
  args.options.output = args.output;
  args.options.show_progress = !args.quiet;
  data::DatagenSummary s;
  try {
    s = data::run_datagen(args.options);
  } catch (const data::FailureReportedByRankZero&) {
    return kExitError;
  }
  if (!s.report) return s.failed > 0 ? kExitError : kExitOk;  // MPI rank != 0: rank 0 reports
  fmt::print("hamlet datagen: {} structures in {} -> {}\n", s.total, args.input, args.output);
  fmt::print("  computed {} (not converged {}), skipped {} (done before), failed {}, {:.1f} s\n", s.computed,
             s.not_converged, s.skipped, s.failed, s.seconds);
  if (s.not_converged > 0)
    fmt::print("  not converged structures are stored with converged = false and are not training data\n");
  if (s.failed > 0) {
    for (const auto& f : s.failures) fmt::print(stderr, "hamlet: failed: {}\n", f);
    fmt::print(stderr, "hamlet: error: {} structures failed; the others are saved. Rerun to retry them.\n",
               s.failed);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

Runner add_datagen_command(CLI::App& app) {
  auto args = std::make_shared<DatagenArgs>();
  auto& o = args->options;
  auto* cmd = app.add_subcommand("datagen", "SCF training data for many structures into one HDF5 dataset");
  cmd->add_option("input", args->input, "multi-frame XYZ/extXYZ file or folder of .xyz files (Angstrom)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--basis", o.settings.basis, "basis set name or .gbs file")->required();
  cmd->add_option("--method", o.settings.method, "hf or a functional name")->required();
  cmd->add_option("--out", args->output, "dataset file to create or complete (e.g. DATA.h5)")->required();
  cmd->add_flag("--df", o.settings.density_fitting, "density fitting for J and K");
  cmd->add_option("--aux-basis", o.settings.auxiliary_basis, "auxiliary basis for --df");
  cmd->add_option("--guess", o.settings.guess, "initial guess: sap or core")->capture_default_str();
  cmd->add_option("--sap-method", o.settings.sap_method, "how the SAP guess integrates the atomic screening: erf (fitted, analytic) or grid (on --grid)")
      ->capture_default_str()
      ->check(CLI::IsMember({"erf", "grid"}));
  cmd->add_flag("--unrestricted", o.settings.force_unrestricted, "UHF/UKS even for singlets");
  cmd->add_option("--grid", o.settings.grid_level, "DFT grid level")->capture_default_str();
  cmd->add_option("--start-grid", o.settings.start_grid_level,
                  "DFT: a coarse grid level (when --grid is at least 2 above it) for the first "
                  "iterations (until |[F,D]| < 1e-2), then, corrected by the --grid level evaluated at "
                  "refreshes, for the later ones; the result is --grid's. -1: --grid throughout")
      ->capture_default_str();
  cmd->add_option("--jobs", o.jobs, "structures computed in parallel (threads are split among them)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", o.threads, "total threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-iter", o.settings.convergence.max_iterations, "maximum SCF iterations")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--e-conv", o.settings.convergence.energy_tolerance, "energy tolerance (Eh)")
      ->capture_default_str();
  cmd->add_option("--d-conv", o.settings.convergence.commutator_tolerance,
                  "max |[F,D]| tolerance (orthogonal basis)")
      ->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "no progress bar");
  return [args] { return run_datagen_command(*args); };
}

}  // namespace hamlet::cli
