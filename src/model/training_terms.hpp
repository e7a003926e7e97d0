#pragma once
// The loss terms of `hamlet train` through each molecule's whole matrix: orbital energies
// (orbital_energy_loss.hpp), occupied-virtual rotations (orbital_rotation_loss.hpp) and the
// orthonormal-basis error (orthonormal_matrix_loss.hpp): their per-molecule targets, their units
// and their sum over a batch.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <vector>

#include "model/dataset_graphs.hpp"
#include "model/hamiltonian_model.hpp"
#include "model/orbital_energy_loss.hpp"
#include "model/orbital_rotation_loss.hpp"
#include "model/orthonormal_matrix_loss.hpp"
#include "model/trainer.hpp"

namespace hamlet::model {

// A molecule's targets of the terms (null: none).
struct MoleculeTerms {
  const OrbitalEnergyTarget* spectrum = nullptr;
  const OrbitalRotationTarget* rotation = nullptr;
  const OrthonormalMatrixTarget* orthonormal = nullptr;
};

// The terms' units: H_SAP's own errors on the training set.
struct TermUnits {
  double eigenvalue = 1.0, rotation = 1.0, orthonormal = 1.0;
};

// What validation reports of the terms.
struct TermSums {
  double occupied_abs = 0, occupied_count = 0, rotation_squares = 0, rotation_count = 0;
  double orthonormal_squares = 0, orthonormal_count = 0;
};

// Which terms a set of molecules has targets for.
struct TermSelection {
  bool spectra = false, rotations = false, orthonormal = false;
};

// The targets of a set of molecules: each vector empty or one per molecule.
struct TermTargets {
  std::vector<OrbitalEnergyTarget> spectra;
  std::vector<OrbitalRotationTarget> rotations;
  std::vector<OrthonormalMatrixTarget> orthonormal;
  bool any() const { return !spectra.empty() || !rotations.empty() || !orthonormal.empty(); }
  MoleculeTerms of(size_t k) const {
    return {spectra.empty() ? nullptr : &spectra[k], rotations.empty() ? nullptr : &rotations[k],
            orthonormal.empty() ? nullptr : &orthonormal[k]};
  }
};

// The training set's targets are held (every step needs them); the validation set's are made
// batch by batch when validating (make_term_targets): held, they would add several nbf x nbf
// matrices per validation molecule whatever the weights.
struct TrainingTerms {
  TermTargets train;
  TermSelection validation;
  TermUnits units;
};

// Gathers TrainingTerms entry by entry as the data loads, so that no entry's matrices need to
// stay once its graph is made: the training entries' targets of the terms that are on (an entry
// that cannot have one throws hamlet::Error naming the training file), and which terms the
// validation set reports: every term all its entries allow (their errors go into the log
// whatever the weights; a term that is on must be allowed). The units depend on the training
// data alone, so a resumed run recomputes them identically.
class TrainingTermsBuilder {
 public:
  TrainingTermsBuilder(const TrainOptions& o, std::filesystem::path validation_file);
  void add_training(const data::Entry& entry);
  void add_validation(const data::Entry& entry);
  // The targets and the validation's terms, with the units: H_SAP's own errors on the training set.
  TrainingTerms finish();

 private:
  const TrainOptions& o_;
  std::filesystem::path validation_file_;
  TermSelection on_, validation_{true, true, true};
  bool any_validation_ = false;
  TermTargets train_;
};

// The targets of the `which` terms of `entries` (throws hamlet::Error naming `file` when an entry
// cannot have one).
TermTargets make_term_targets(const std::vector<const data::Entry*>& entries, const TermSelection& which,
                              const TrainOptions& o, const std::filesystem::path& file);

// The terms of a batch's molecules (`terms` empty or one per graph), weighted: each the mean
// over molecules of their mean squared error in its unit. Occupied orbital energies' absolute
// errors, squared rotations and squared orthonormal-basis errors are summed into *sums when given.
at::Tensor matrix_terms(const BlockUnpacking& unpacking, const std::vector<const MoleculeGraph*>& graphs,
                        const std::vector<MoleculeTerms>& terms, const ModelOutput& out, const TrainOptions& o,
                        const TermUnits& units, TermSums* sums = nullptr);

}  // namespace hamlet::model
