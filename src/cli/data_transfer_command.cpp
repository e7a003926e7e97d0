// `hamlet data import qh9|md17 FILE.db --out DATA.h5` and `hamlet data export DATA.h5 --npz OUT.npz`:
// public datasets in, NumPy archives out (formats: src/data/README.md).
#include <fmt/format.h>
#include <omp.h>

#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "data/export_npz.hpp"
#include "data/import.hpp"

namespace hamlet::cli {
namespace {

struct ImportArgs {
  data::ImportOptions options;
  std::string format, input, output;
  int threads = 0;
  bool quiet = false;
};

int run_import(ImportArgs& a) {
  auto& o = a.options;
  o.format = data::import_format_from_name(a.format);
  o.input = a.input;
  o.output = a.output;
  o.show_progress = !a.quiet;
  if (a.threads > 0) omp_set_num_threads(a.threads);
  const auto s = data::import_dataset(o);
  fmt::print("hamlet data import {}: {} -> {}\n", a.format, a.input, a.output);
  fmt::print("  {}\n", s.layout);
  fmt::print("  imported {} of {} rows (not converged {}), {:.1f} s\n", s.imported, s.rows, s.not_converged,
             s.seconds);
  if (s.max_overlap_deviation >= 0)
    fmt::print("  overlap check: max |S_imported - S_hamlet| = {:.2e} over all entries (tolerance {:.1e})\n",
               s.max_overlap_deviation, o.overlap_tolerance);
  if (s.fock_checked > 0)
    fmt::print("  Fock check ({} entries): max |F_hamlet[D] - F_imported| = {:.2e} Eh (tolerance {:.1e})\n",
               s.fock_checked, s.max_fock_deviation, o.fock_tolerance);
  return kExitOk;
}

struct ExportArgs {
  data::ExportOptions options;
  std::string dataset, npz, order = "pyscf";
  bool quiet = false;
};

int run_export(ExportArgs& a) {
  auto& o = a.options;
  o.order = data::export_order_from_name(a.order);
  o.dataset = a.dataset;
  o.npz = a.npz;
  o.show_progress = !a.quiet;
  const auto n = data::export_npz(o);
  fmt::print("hamlet data export: {} entries of {} -> {} ({} AO order)\n", n, a.dataset, a.npz, a.order);
  return kExitOk;
}

}  // namespace

std::function<std::optional<int>()> add_data_transfer_commands(CLI::App* data) {
  auto ia = std::make_shared<ImportArgs>();
  auto* imp = data->add_subcommand("import", "convert a public Hamiltonian dataset (QH9, SchNOrb MD17) to hamlet's");
  imp->add_option("format", ia->format, "qh9 (QH9Stable/QH9Dynamic .db) or md17 (SchNOrb/PhiSNet ASE .db)")
      ->required()
      ->check(CLI::IsMember({"qh9", "md17"}));
  imp->add_option("input", ia->input, "the SQLite file")->required()->check(CLI::ExistingFile);
  imp->add_option("--out", ia->output, "dataset file to write (HDF5; replaced if it exists)")->required();
  imp->add_option("--limit", ia->options.limit, "import only the first N rows")->check(CLI::NonNegativeNumber);
  imp->add_option("--method", ia->options.method, "method recorded in the dataset (default: qh9 b3lyp, md17 pbe)");
  imp->add_option("--length-unit", ia->options.length_unit,
                  "qh9 positions: auto (QH9Stable Angstrom, QH9Dynamic Bohr), angstrom or bohr")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "angstrom", "bohr"}));
  imp->add_option("--sap-method", ia->options.sap_method, "how H_sap integrates the atomic screening: erf or grid")
      ->capture_default_str()
      ->check(CLI::IsMember({"erf", "grid"}));
  imp->add_option("--grid", ia->options.grid_level, "grid level for H_sap with --sap-method grid")->capture_default_str();
  imp->add_option("--overlap-tolerance", ia->options.overlap_tolerance,
                  "md17: largest accepted |S_imported - S_hamlet|")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  imp->add_option("--check-fock", ia->options.check_fock,
                  "rebuild F with hamlet for the first N entries and compare (0: no check)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  imp->add_option("--fock-tolerance", ia->options.fock_tolerance, "largest accepted |F_rebuilt - F_imported| (Eh)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  imp->add_option("--threads", ia->threads, "threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::NonNegativeNumber);
  imp->add_flag("--quiet", ia->quiet, "no progress bar");

  auto ea = std::make_shared<ExportArgs>();
  auto* exp = data->add_subcommand("export", "write a dataset as a NumPy .npz archive");
  exp->add_option("dataset", ea->dataset, "dataset file (HDF5)")->required();
  exp->add_option("--npz", ea->npz, ".npz archive to write")->required();
  exp->add_option("--order", ea->order, "AO order of the matrices: pyscf, psi4 or hamlet")
      ->capture_default_str()
      ->check(CLI::IsMember({"pyscf", "psi4", "hamlet"}));
  exp->add_flag("--converged-only", ea->options.converged_only, "only converged entries (training data)");
  exp->add_flag("--quiet", ea->quiet, "no progress bar");

  return [=]() -> std::optional<int> {
    if (imp->parsed()) return run_import(*ia);
    if (exp->parsed()) return run_export(*ea);
    return std::nullopt;
  };
}

}  // namespace hamlet::cli
