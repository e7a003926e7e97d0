#pragma once
// Subcommands of the hamlet executable. Each registers its options on the CLI11 app and
// returns the process exit code when run.
#include <CLI/CLI.hpp>
#include <functional>

namespace hamlet::cli {

using Runner = std::function<int()>;

Runner add_scf_command(CLI::App& app);
Runner add_datagen_command(CLI::App& app);
Runner add_data_command(CLI::App& app);  // `hamlet data info`
#ifdef HAMLET_WITH_TORCH
Runner add_train_command(CLI::App& app);
Runner add_predict_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_demo_command(CLI::App& app);
#endif

}  // namespace hamlet::cli
