// hamlet: learn the Kohn–Sham Hamiltonian. Entry point: dispatches `hamlet <command>`.
#include <fmt/format.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <map>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "hamlet/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hamlet: Kohn–Sham Hamiltonians from an exact SCF engine and equivariant networks"};
  app.set_version_flag("--version", std::string("hamlet ") + hamlet::kVersion);
  app.require_subcommand(1);
  std::map<CLI::App*, hamlet::cli::Runner> runners;
  auto add = [&](auto add_command) {
    auto run = add_command(app);
    runners[app.get_subcommands({}).back()] = run;
  };
  add(hamlet::cli::add_scf_command);
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
