// `hamlet data info|sample|split|merge`: what a dataset holds, thermal conformers for datagen,
// train/validation/test splits, and several datasets into one (import and export:
// data_transfer_command.cpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "chem/xyz.hpp"
#include "core/atomic_file.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "data/conformers.hpp"
#include "data/datagen.hpp"
#include "data/dataset_reader.hpp"
#include "data/merge.hpp"
#include "data/split.hpp"

namespace hamlet::cli {
namespace {
namespace fs = std::filesystem;

struct InfoArgs {
  std::string file;
  bool json = false;
  bool verify = false;
};

struct Range {
  int min = 0, max = 0;
  void add(int v, bool first) {
    min = first ? v : std::min(min, v);
    max = first ? v : std::max(max, v);
  }
};

std::string size_text(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  for (; bytes >= 1024 && u < 4; ++u) bytes /= 1024;
  return fmt::format("{:.{}f} {}", bytes, u ? 1 : 0, units[u]);
}

int run_info(const InfoArgs& args) {
  const data::DatasetReader reader(args.file);
  const auto& meta = reader.metadata();
  const auto& s = meta.settings;
  size_t converged = 0, unrestricted = 0;
  std::set<int> elements;
  Range atoms, nbf;
  for (size_t i = 0; i < reader.size(); ++i) {
    // --verify reads every matrix, so every chunk's Fletcher-32 checksum is checked.
    const auto e = reader.read(i, args.verify ? data::EntryParts::all : data::EntryParts::header);
    converged += e.converged;
    unrestricted += !e.restricted;
    elements.insert(e.atomic_numbers.begin(), e.atomic_numbers.end());
    atoms.add(e.natoms(), i == 0);
    nbf.add(e.nbf, i == 0);
  }
  std::vector<std::string> symbols;
  for (int Z : elements) symbols.emplace_back(element_symbol(Z));
  const auto file_size = fs::file_size(args.file);
  size_t unmerged = 0;
  if (fs::is_directory(data::parts_directory(args.file)))
    for (const auto& p : fs::directory_iterator(data::parts_directory(args.file)))
      unmerged += p.path().extension() == ".h5" && p.path().filename().string().find(".tmp.") == std::string::npos;

  if (args.json) {
    nlohmann::json j;
    j["file"] = args.file;
    j["schema_version"] = meta.schema_version;
    j["hamlet_version"] = meta.hamlet_version;
    j["created"] = meta.created;
    j["origin"] = meta.origin;
    j["origin_details"] = meta.origin_details;
    j["method"] = s.method;
    j["basis"] = s.basis;
    j["density_fitting"] = s.density_fitting;
    j["auxiliary_basis"] = s.auxiliary_basis;
    j["grid_level"] = s.grid_level;
    j["guess"] = s.guess;
    j["sap_method"] = s.sap_method;
    j["entries"] = reader.size();
    j["converged"] = converged;
    j["not_converged"] = reader.size() - converged;
    j["unrestricted"] = unrestricted;
    j["elements"] = symbols;
    j["natoms"] = {{"min", atoms.min}, {"max", atoms.max}};
    j["nbf"] = {{"min", nbf.min}, {"max", nbf.max}};
    j["file_size_bytes"] = file_size;
    j["unmerged_parts"] = unmerged;
    if (args.verify) j["verified"] = true;
    fmt::print("{}\n", j.dump(1));
    return kExitOk;
  }
  fmt::print("{}: hamlet dataset, schema {} (written by hamlet {}), created {}\n", args.file, meta.schema_version,
             meta.hamlet_version, meta.created);
  if (meta.origin != data::kOriginDatagen) fmt::print("  {}: {}\n", meta.origin, meta.origin_details);
  fmt::print("  method {}, basis {}{}, grid level {}, guess {}{}\n", s.method, s.basis,
             s.density_fitting ? " (density fitting: " + s.auxiliary_basis + ")" : "", s.grid_level, s.guess,
             s.guess == "sap" ? " (SAP method " + s.sap_method + ")" : "");
  fmt::print("  entries {}: converged {}, not converged {} (not training data), unrestricted {}\n", reader.size(),
             converged, reader.size() - converged, unrestricted);
  if (reader.size() > 0) {
    fmt::print("  elements {}\n", fmt::join(symbols, " "));
    fmt::print("  atoms {}-{}, basis functions {}-{}\n", atoms.min, atoms.max, nbf.min, nbf.max);
  }
  fmt::print("  file size {}{}\n", size_text(static_cast<double>(file_size)),
             reader.size() ? " (" + size_text(static_cast<double>(file_size) / reader.size()) + " per entry)" : "");
  if (args.verify) fmt::print("  verified: every entry read, all checksums match\n");
  if (unmerged > 0)
    fmt::print("  {} finished structures not merged yet in {}: rerun the same datagen command\n", unmerged,
               data::parts_directory(args.file).string());
  return kExitOk;
}

struct SampleArgs {
  std::string input, output;
  int count = 10;
  bool keep_original = false;
  data::ThermalSampling sampling;
};

int run_sample(const SampleArgs& args) {
  const auto molecules = data::read_structures(args.input);
  std::string text;
  size_t frames = 0;
  for (size_t i = 0; i < molecules.size(); ++i) {
    const Molecule& original = molecules[i];
    auto add = [&](const Molecule& m, int conformer) {
      std::string frame = format_xyz(m);
      const size_t comment_end = frame.find('\n', frame.find('\n') + 1);
      frame.insert(comment_end, fmt::format(" conformer={} temperature={} wavenumber={} seed={} source=\"{}\"",
                                            conformer, args.sampling.temperature, args.sampling.wavenumber,
                                            args.sampling.seed, original.source));
      text += frame;
      ++frames;
    };
    if (args.keep_original) add(original, 0);
    const auto conformers = data::thermal_conformers(original, args.count, args.sampling, i);
    for (size_t k = 0; k < conformers.size(); ++k) add(conformers[k], static_cast<int>(k + 1));
  }
  write_file_atomically(args.output, text);
  fmt::print("hamlet data sample: {} structures -> {} frames in {} (T = {} K, {} cm^-1, seed {})\n",
             molecules.size(), frames, args.output, args.sampling.temperature, args.sampling.wavenumber,
             args.sampling.seed);
  return kExitOk;
}

struct SplitArgs {
  std::string dataset, output, mode = "molecule";
  data::SplitOptions options;
};

int run_split(SplitArgs& args) {
  args.options.mode = data::split_mode_from_name(args.mode);
  const data::DatasetReader reader(args.dataset);
  const auto split = data::make_split(reader, args.options);
  data::write_split(args.output, args.dataset, args.options, split);
  fmt::print("hamlet data split: {} by {} (seed {}): train {}, validation {}, test {} entries -> {}\n", args.dataset,
             args.mode, args.options.seed, split.train.size(), split.validation.size(), split.test.size(),
             args.output);
  return kExitOk;
}

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output;
  bool quiet = false;
};

int run_merge(const MergeArgs& args) {
  const std::vector<std::filesystem::path> inputs(args.inputs.begin(), args.inputs.end());
  const auto summary = data::merge_datasets(inputs, args.output, !args.quiet);
  fmt::print("hamlet data merge: {} entries from {} files -> {} (index offsets {})\n", summary.entries, inputs.size(),
             args.output, fmt::join(summary.offsets, ", "));
  return kExitOk;
}

}  // namespace

Runner add_data_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("data", "inspect, sample, split, merge, import and export datasets");
  cmd->require_subcommand(1);

  auto info_args = std::make_shared<InfoArgs>();
  auto* info = cmd->add_subcommand("info", "entries, elements, sizes and settings of a dataset");
  info->add_option("dataset", info_args->file, "dataset file (HDF5)")->required();
  info->add_flag("--json", info_args->json, "print JSON instead of text");
  info->add_flag("--verify", info_args->verify, "read every entry completely (checks all checksums)");

  auto sample_args = std::make_shared<SampleArgs>();
  auto* sample = cmd->add_subcommand("sample", "seeded thermal displacements of structures (input for datagen)");
  sample->add_option("input", sample_args->input, "XYZ/extXYZ file or folder of .xyz files")
      ->required()
      ->check(CLI::ExistingPath);
  sample->add_option("--out", sample_args->output, "multi-frame extXYZ file to write")->required();
  sample->add_option("--count", sample_args->count, "displaced copies per structure")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sample->add_option("--temperature", sample_args->sampling.temperature, "K")->capture_default_str()->check(
      CLI::NonNegativeNumber);
  sample->add_option("--wavenumber", sample_args->sampling.wavenumber, "cm^-1 of the Einstein model")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sample->add_option("--seed", sample_args->sampling.seed, "random seed")->capture_default_str();
  sample->add_flag("--keep-original", sample_args->keep_original, "also write each input structure first");

  auto split_args = std::make_shared<SplitArgs>();
  auto* split = cmd->add_subcommand("split", "seeded train/validation/test split of the converged entries");
  split->add_option("dataset", split_args->dataset, "dataset file (HDF5)")->required();
  split->add_option("--out", split_args->output, "JSON file with the entry indices of each split")->required();
  split->add_option("--by", split_args->mode, "molecule (conformers together), size (small->large) or entry")
      ->capture_default_str();
  split->add_option("--train", split_args->options.train, "fraction")->capture_default_str();
  split->add_option("--validation", split_args->options.validation, "fraction")->capture_default_str();
  split->add_option("--test", split_args->options.test, "fraction")->capture_default_str();
  split->add_option("--seed", split_args->options.seed, "random seed")->capture_default_str();

  auto merge_args = std::make_shared<MergeArgs>();
  auto* merge = cmd->add_subcommand("merge", "several datasets with the same settings into one (indices renumbered)");
  merge->add_option("inputs", merge_args->inputs, "dataset files (HDF5), in order")->required()->check(CLI::ExistingFile);
  merge->add_option("--out", merge_args->output, "merged dataset file to write")->required();
  merge->add_flag("--quiet", merge_args->quiet, "no progress bar");

  auto transfer = add_data_transfer_commands(cmd);

  return [=] {
    if (auto code = transfer()) return *code;
    if (info->parsed()) return run_info(*info_args);
    if (sample->parsed()) return run_sample(*sample_args);
    if (merge->parsed()) return run_merge(*merge_args);
    return run_split(*split_args);
  };
}

}  // namespace hamlet::cli
