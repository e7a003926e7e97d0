#pragma once
// Model checkpoints: one file (libtorch archive) holding the weights (and, for training state,
// the EMA weights and the optimiser) plus a JSON "meta" record: hamlet version, model config,
// the basis definition (so predictions use exactly the training basis), the SAP grid level and
// method of the training data, the training config and progress. Written atomically.
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "basis/gaussian94.hpp"
#include "model/hamiltonian_model.hpp"
#include "model/training_domain.hpp"

namespace hamlet::model {

// What a model was trained on, needed to use it.
struct ModelProvenance {
  BasisLibrary basis;       // the orbital basis definitions of the model's elements
  std::string method;       // functional of the training data (e.g. "b3lyp")
  int sap_grid_level = 2;   // grid of the H_SAP inputs (with sap_method "grid")
  std::string sap_method = "grid";  // how H_SAP was integrated (scf::ScfSettings::sap_method)
  TrainingDomain domain;    // block-norm bounds of the training targets (empty: older checkpoints)
};

nlohmann::json model_config_to_json(const ModelConfig& c);
ModelConfig model_config_from_json(const nlohmann::json& j);
nlohmann::json basis_library_to_json(const BasisLibrary& b);
BasisLibrary basis_library_from_json(const nlohmann::json& j);

struct TrainingState {
  int epoch = 0;                 // epochs finished
  int64_t step = 0;              // optimiser steps taken
  double best_validation = 0.0;  // best validation loss so far
  int best_epoch = 0;
  int epochs_without_improvement = 0;
  double learning_rate = 0.0;    // current (for plateau schedules)
  double elapsed_seconds = 0.0;
};

// Writes `path` atomically. `weights` is the module saved as "model" (the EMA copy for
// best/last checkpoints); `ema` and `optimizer` are optional (training state for --resume).
void save_checkpoint(const std::filesystem::path& path, HamiltonianModel& weights,
                     const ModelProvenance& provenance, const nlohmann::json& training_config,
                     const TrainingState& state, HamiltonianModel* ema = nullptr,
                     torch::optim::Optimizer* optimizer = nullptr);

struct LoadedModel {
  HamiltonianModel model{nullptr};
  ModelProvenance provenance;
  nlohmann::json meta;  // the whole meta record
  TrainingState state;
};
// Rebuilds the model and loads the weights. Throws hamlet::Error naming the file for missing,
// truncated, corrupted or foreign files.
LoadedModel load_checkpoint(const std::filesystem::path& path);
// Loads the EMA weights and optimiser state of a training checkpoint into existing objects.
void load_training_state(const std::filesystem::path& path, HamiltonianModel& ema,
                         torch::optim::Optimizer& optimizer);

}  // namespace hamlet::model
