#pragma once
// Training a Hamiltonian model on a hamlet dataset (`hamlet train`).
//
// The run folder (options.out) receives: split.json (entry indices of train/validation/test),
// log.jsonl (one line per epoch), last.pt (weights, EMA, optimiser: for --resume), best.pt (EMA
// weights at the best validation loss) and learning_curve.png. Every file is written atomically.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model_config.hpp"

namespace hamlet::model {

struct TrainOptions {
  std::filesystem::path train_data;
  std::filesystem::path validation_data;  // empty: validation and test are split off train_data
  std::string split = "molecule";         // molecule | size | entry ("random")
  double validation_fraction = 0.1, test_fraction = 0.1;
  int max_entries = 0;                    // 0: all

  ModelConfig model;
  bool float64 = false;

  std::string optimizer = "adamw";        // adam | adamw
  double lr = 3e-3, weight_decay = 0.0, min_lr = 1e-5;
  int batch_size = 4, epochs = 200, warmup_epochs = 5;
  std::string schedule = "cosine";        // cosine | plateau | constant
  double grad_clip = 1.0;                 // max gradient norm, 0 = off
  double ema_decay = 0.99;                // 0 = off
  std::string loss = "mse";               // mse | mae | mse+mae
  std::string loss_normalization = "pair";  // pair (errors / element-pair RMS) | none (Hartree)
  // Orbital-energy term (orbital_energy_loss.hpp): weight times the mean squared error of the
  // occupied and `eigenvalue_virtuals` lowest virtual orbital energies, in units of H_SAP's own
  // mean squared error on the training set. 0 = off.
  double eigenvalue_weight = 0.0;
  int eigenvalue_virtuals = 1;
  // Rotation term (orbital_rotation_loss.hpp): weight times the mean squared occupied-virtual
  // rotation of the predicted F from the reference orbitals (the guess density's first-order
  // error), in units of H_SAP's on the training set. 0 = off.
  double rotation_weight = 0.0;
  // Orthonormal-basis term (orthonormal_matrix_loss.hpp): weight times the mean squared error of
  // the predicted F in the canonical orthonormal basis, where the orbitals see it, in units of
  // H_SAP's on the training set. 0 = off.
  double orthonormal_weight = 0.0;
  int early_stopping_patience = 50;       // epochs, 0 = off
  double max_minutes = 0.0;               // 0 = unlimited
  int stop_after_epochs = 0;              // end this invocation after so many epochs (0 = no);
                                          // --resume continues (time-sliced cluster jobs)

  std::uint64_t seed = 0;
  // Threads: each takes a share of every batch's molecules with its own copy of the model
  // (data parallel), and the gradients are summed in a fixed order. Results are reproducible for
  // a given count; different counts differ by rounding (the sums are ordered differently).
  int threads = 1;
  std::filesystem::path out = "runs/hamlet";
  int checkpoint_every = 1;               // epochs between last.pt writes
  bool progress = true;                   // progress bar on stderr

  nlohmann::json as_json;                 // the effective configuration, stored in checkpoints
};

struct EpochRecord {
  int epoch = 0;
  double learning_rate = 0, train_loss = 0, validation_loss = 0;
  double validation_mae_ueh = 0;  // mean |ΔF| over all elements of F (µEh), EMA weights
  double validation_eps_occ_mae_ueh = -1;  // occupied orbital energies (µEh); -1: entries lack them
  double validation_rotation_rms = -1;     // RMS occupied-virtual rotation (orbital_rotation_loss.hpp); -1: none
  double validation_orthonormal_rms_ueh = -1;  // RMS error of F in the orthonormal basis (orthonormal_matrix_loss.hpp), µEh; -1: none
  double seconds = 0, molecules_per_second = 0;
};

struct TrainResult {
  std::vector<EpochRecord> history;  // this run's epochs (a resumed run: only the new ones)
  int best_epoch = 0;
  double best_validation_loss = 0;
  std::filesystem::path best_checkpoint, last_checkpoint;
  std::string stop_reason;  // "epochs", "early stopping", "time limit", "paused"
  std::int64_t train_molecules = 0, validation_molecules = 0, test_molecules = 0;
};

// Threads of libtorch and OpenMP (the SCF engine) alike; threads <= 0: OMP_NUM_THREADS if set,
// else every core. Call it before libtorch's first parallel operation: that operation sets the
// calling thread's OpenMP team size to libtorch's own count (its default was 1 on the 2-core
// VM), which would then also run every later SCF of the thread.
void set_threads(int threads);

// Called after each epoch (for progress output by the caller); may be empty.
using EpochCallback = std::function<void(const EpochRecord&)>;

// Trains from scratch, or continues from out/last.pt when `resume` (same configuration
// required). Throws hamlet::Error for unusable data (no converged entries, open-shell entries,
// missing H_SAP for a SAP model, elements without basis definitions) or configuration.
TrainResult train_model(const TrainOptions& options, bool resume, const EpochCallback& on_epoch = {});

}  // namespace hamlet::model
