#include "model/training_terms.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/error.hpp"

namespace hamlet::model {
namespace {

// One target per entry from make(entry), or none when some entry cannot have one and they are
// optional (validation metrics only); required ones throw naming the file.
template <class Make>
auto targets_of(const std::vector<LabelledGraph>& graphs, bool required, const std::filesystem::path& file,
                const Make& make) {
  std::vector<decltype(make(graphs.front().entry))> out;
  for (const auto& lg : graphs) {
    try {
      out.push_back(make(lg.entry));
    } catch (const Error& err) {
      if (!required) return decltype(out){};
      throw Error(file.string(), 0, err.what());
    }
  }
  return out;
}

}  // namespace

TrainingTerms make_training_terms(const std::vector<LabelledGraph>& train, const std::vector<LabelledGraph>& validation,
                                  const TrainOptions& o, const std::filesystem::path& validation_file) {
  TrainingTerms t;
  // Orbital energies: the validation set's whenever available (its occupied-orbital MAE goes
  // into the log).
  const bool spectra = o.eigenvalue_weight > 0;
  const auto spectrum = [&](const data::Entry& e) {
    return make_orbital_energy_target(e, o.model, o.eigenvalue_virtuals);
  };
  if (spectra) t.train.spectra = targets_of(train, true, o.train_data, spectrum);
  t.validation.spectra = targets_of(validation, spectra, validation_file, spectrum);
  if (spectra) {
    std::vector<const OrbitalEnergyTarget*> all;
    for (const auto& target : t.train.spectra) all.push_back(&target);
    t.units.eigenvalue = baseline_mean_squared_error(all);
    if (!(t.units.eigenvalue > 0)) throw Error(o.train_data.string(), 0, "the orbital-energy loss has no scale: the baseline orbital energies equal the reference ones");
  }
  // Rotation targets likewise; their unit is H_SAP's rotation on the training set.
  const bool rotations = o.rotation_weight > 0;
  const auto rotation = [&](const data::Entry& e) { return make_orbital_rotation_target(e, o.model); };
  if (rotations) t.train.rotations = targets_of(train, true, o.train_data, rotation);
  t.validation.rotations = targets_of(validation, rotations, validation_file, rotation);
  if (rotations) {
    std::vector<const OrbitalRotationTarget*> all;
    for (const auto& target : t.train.rotations) all.push_back(&target);
    try {
      t.units.rotation = sap_mean_squared_rotation(all);
    } catch (const Error& err) {
      throw Error(o.train_data.string(), 0, err.what());
    }
    if (!(t.units.rotation > 0)) throw Error(o.train_data.string(), 0, "the rotation loss has no scale: H_SAP's orbitals equal the reference ones");
  }
  // The orthonormal-basis term likewise (the validation RMS goes into the log either way).
  const bool orthonormal = o.orthonormal_weight > 0;
  const auto orthonormal_target = [&](const data::Entry& e) { return make_orthonormal_matrix_target(e, o.model); };
  if (orthonormal) t.train.orthonormal = targets_of(train, true, o.train_data, orthonormal_target);
  t.validation.orthonormal = targets_of(validation, orthonormal, validation_file, orthonormal_target);
  if (orthonormal) {
    std::vector<const OrthonormalMatrixTarget*> all;
    for (const auto& target : t.train.orthonormal) all.push_back(&target);
    t.units.orthonormal = baseline_mean_square(all);
    if (!(t.units.orthonormal > 0)) throw Error(o.train_data.string(), 0, "the orthonormal-basis loss has no scale: H_SAP equals the reference F");
  }
  return t;
}

at::Tensor matrix_terms(const BlockUnpacking& unpacking, const std::vector<const MoleculeGraph*>& graphs,
                        const std::vector<MoleculeTerms>& terms, const ModelOutput& out, const TrainOptions& o,
                        const TermUnits& units, TermSums* sums) {
  at::Tensor sum = at::zeros({}, at::kDouble);
  const bool any = std::any_of(terms.begin(), terms.end(),
                               [](const MoleculeTerms& t) { return t.spectrum || t.rotation || t.orthonormal; });
  if (!any) return sum;
  const std::vector<at::Tensor> matrices = unpacking.matrices(graphs, out.onsite, out.offsite);
  const double n = static_cast<double>(graphs.size());
  for (size_t k = 0; k < graphs.size(); ++k) {
    if (const OrbitalEnergyTarget* t = terms[k].spectrum) {
      const at::Tensor error = predicted_orbital_energies(*t, matrices[k]) - t->reference;
      sum = sum + (o.eigenvalue_weight / (units.eigenvalue * n)) * error.pow(2).mean();
      if (sums) {
        sums->occupied_abs += error.narrow(0, 0, t->occupied).abs().sum().item<double>();
        sums->occupied_count += t->occupied;
      }
    }
    if (const OrbitalRotationTarget* t = terms[k].rotation) {
      const at::Tensor squares = predicted_rotations(*t, matrices[k]).pow(2);
      sum = sum + (o.rotation_weight / (units.rotation * n)) * squares.mean();
      if (sums) {
        sums->rotation_squares += squares.sum().item<double>();
        sums->rotation_count += static_cast<double>(squares.numel());
      }
    }
    if (const OrthonormalMatrixTarget* t = terms[k].orthonormal) {
      const at::Tensor squares = orthonormal_matrix_squares(*t, matrices[k]);
      if (o.orthonormal_weight > 0) sum = sum + (o.orthonormal_weight / (units.orthonormal * n * t->elements)) * squares;
      if (sums) {
        sums->orthonormal_squares += squares.item<double>();
        sums->orthonormal_count += t->elements;
      }
    }
  }
  return sum;
}

}  // namespace hamlet::model
