// hamlet: learn the Kohn–Sham Hamiltonian. Entry point: dispatches `hamlet <command>`.
#include <fmt/format.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <map>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/memory.hpp"
#ifdef HAMLET_WITH_TORCH
#include "equivariant/tensor_memory.hpp"
#endif
#include "hamlet/version.hpp"

#ifdef HAMLET_ML_EXECUTABLE
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

// The model commands live in a second executable, HAMLET_ML_EXECUTABLE (next to this one),
// which links libtorch: loading libtorch costs ~0.5 s at every start, which SCF and data
// commands should not pay. These run here; the rest (and the full help) are passed on.
namespace {

bool needs_ml_executable(int argc, char** argv) {
  if (argc < 2) return true;
  const std::string_view command = argv[1];
  if (command == "--version") return false;
  if (command == "datagen" || command == "data") return false;
  if (command != "scf") return true;  // train, predict, eval, demo, --help, unknown commands
  for (int i = 2; i < argc; ++i) {  // scf --guess MODEL.pt needs the model
    std::string_view arg = argv[i], value;
    if (arg == "--guess" && i + 1 < argc) value = argv[i + 1];
    else if (arg.starts_with("--guess=")) value = arg.substr(8);
    else continue;
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower != "sad" && lower != "sap" && lower != "core" && !lower.ends_with(".npy")) return true;
  }
  return false;
}

[[noreturn]] void exec_ml_executable(char** argv) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto ml = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / HAMLET_ML_EXECUTABLE;
  execv(ml.c_str(), argv);
  fmt::print(stderr, "hamlet: error: this command needs {} (hamlet built with libtorch): {}\n", ml.string(),
             std::strerror(errno));
  std::exit(hamlet::kExitError);
}

}  // namespace
#endif

int main(int argc, char** argv) {
#ifdef HAMLET_ML_EXECUTABLE
  if (needs_ml_executable(argc, argv)) exec_ml_executable(argv);
#endif
  hamlet::keep_freed_memory();
#ifdef HAMLET_WITH_TORCH
  hamlet::equivariant::use_huge_page_tensor_memory();
#endif
  CLI::App app{"hamlet: Kohn–Sham Hamiltonians from an exact SCF engine and equivariant networks"};
  app.set_version_flag("--version", std::string("hamlet ") + hamlet::kVersion);
  app.require_subcommand(1);
  std::map<CLI::App*, hamlet::cli::Runner> runners;
  auto add = [&](auto add_command) {
    auto run = add_command(app);
    runners[app.get_subcommands({}).back()] = run;
  };
#ifdef HAMLET_WITH_TORCH
  add([](CLI::App& a) { return hamlet::cli::add_scf_command(a, hamlet::cli::model_fock_guess()); });
#else
  add([](CLI::App& a) { return hamlet::cli::add_scf_command(a); });
#endif
  add(hamlet::cli::add_datagen_command);
  add(hamlet::cli::add_data_command);
#ifdef HAMLET_WITH_TORCH
  add(hamlet::cli::add_train_command);
  add(hamlet::cli::add_predict_command);
  add(hamlet::cli::add_eval_command);
  add(hamlet::cli::add_demo_command);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : hamlet::kExitUsage;
  }
  try {
    for (auto* sub : app.get_subcommands())
      if (runners.count(sub)) return runners[sub]();
    return hamlet::kExitUsage;
  } catch (const hamlet::Error& e) {
    fmt::print(stderr, "hamlet: error: {}\n", e.what());
    return hamlet::kExitError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hamlet: internal error: {}\n", e.what());
    return hamlet::kExitError;
  }
}
