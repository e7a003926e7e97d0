#pragma once
// Subcommands of the hamlet executable. Each registers its options on the CLI11 app and
// returns the process exit code when run.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace hamlet::cli {

using Runner = std::function<int()>;

Runner add_scf_command(CLI::App& app);
Runner add_datagen_command(CLI::App& app);
Runner add_data_command(CLI::App& app);  // `hamlet data info|sample|split|import|export`
// `hamlet data import|export` on the `data` subcommand; the runner returns nullopt when neither ran.
std::function<std::optional<int>()> add_data_transfer_commands(CLI::App* data);
#ifdef HAMLET_WITH_TORCH
Runner add_train_command(CLI::App& app);
Runner add_predict_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_demo_command(CLI::App& app);
#endif

}  // namespace hamlet::cli
