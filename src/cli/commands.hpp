#pragma once
// Subcommands of the hamlet executable. Each registers its options on the CLI11 app and
// returns the process exit code when run.
#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <functional>
#include <optional>
#include <string>

#include "chem/molecule.hpp"

namespace hamlet::cli {

using Runner = std::function<int()>;

// The Fock matrix a model checkpoint predicts for a molecule, with an overlap filter (< 0: the
// model's own). Only hamlet-ml has one: the SCF and data commands are compiled once, without
// libtorch, for both executables.
using ModelFockGuess =
    std::function<Eigen::MatrixXd(const std::string& checkpoint, const Molecule& molecule, double overlap_filter)>;

// Without model_guess, `--guess MODEL.pt` is refused.
Runner add_scf_command(CLI::App& app, ModelFockGuess model_guess = {});
Runner add_datagen_command(CLI::App& app);
Runner add_data_command(CLI::App& app);  // `hamlet data info|sample|split|import|export`
// `hamlet data import|export` on the `data` subcommand; the runner returns nullopt when neither ran.
std::function<std::optional<int>()> add_data_transfer_commands(CLI::App* data);
#ifdef HAMLET_WITH_TORCH
ModelFockGuess model_fock_guess();  // model::predict_fock
Runner add_train_command(CLI::App& app);
Runner add_predict_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_demo_command(CLI::App& app);
#endif

}  // namespace hamlet::cli
