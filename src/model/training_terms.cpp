#include "model/training_terms.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/error.hpp"

namespace hamlet::model {
namespace {

OrbitalEnergyTarget spectrum_target(const data::Entry& e, const TrainOptions& o) {
  return make_orbital_energy_target(e, o.model, o.eigenvalue_virtuals);
}
OrbitalRotationTarget rotation_target(const data::Entry& e, const TrainOptions& o) {
  return make_orbital_rotation_target(e, o.model);
}
OrthonormalMatrixTarget orthonormal_target(const data::Entry& e, const TrainOptions& o) {
  return make_orthonormal_matrix_target(e, o.model);
}

// One target per entry from make(entry, o); an entry that cannot have one throws naming the file.
template <class Make>
auto targets_of(const std::vector<const data::Entry*>& entries, const TrainOptions& o,
                const std::filesystem::path& file, const Make& make) {
  std::vector<decltype(make(*entries.front(), o))> out;
  out.reserve(entries.size());
  for (const data::Entry* e : entries) {
    try {
      out.push_back(make(*e, o));
    } catch (const Error& err) {
      throw Error(file.string(), 0, err.what());
    }
  }
  return out;
}

template <class Target>
std::vector<const Target*> addresses(const std::vector<Target>& targets) {
  std::vector<const Target*> out;
  for (const auto& t : targets) out.push_back(&t);
  return out;
}

// Whether `entry` can have make(entry, o)'s target (made and dropped); when `required`, one that
// cannot throws naming the file.
template <class Make>
bool can_have(const data::Entry& entry, bool required, const TrainOptions& o, const std::filesystem::path& file,
              const Make& make) {
  try {
    make(entry, o);
    return true;
  } catch (const Error& err) {
    if (!required) return false;
    throw Error(file.string(), 0, err.what());
  }
}

}  // namespace

TermTargets make_term_targets(const std::vector<const data::Entry*>& entries, const TermSelection& which,
                              const TrainOptions& o, const std::filesystem::path& file) {
  TermTargets t;
  if (entries.empty()) return t;
  if (which.spectra) t.spectra = targets_of(entries, o, file, spectrum_target);
  if (which.rotations) t.rotations = targets_of(entries, o, file, rotation_target);
  if (which.orthonormal) t.orthonormal = targets_of(entries, o, file, orthonormal_target);
  return t;
}

TrainingTermsBuilder::TrainingTermsBuilder(const TrainOptions& o, std::filesystem::path validation_file)
    : o_(o),
      validation_file_(std::move(validation_file)),
      on_{o.eigenvalue_weight > 0, o.rotation_weight > 0, o.orthonormal_weight > 0} {}

void TrainingTermsBuilder::add_training(const data::Entry& entry) {
  const TermTargets t = make_term_targets({&entry}, on_, o_, o_.train_data);
  if (on_.spectra) train_.spectra.push_back(t.spectra[0]);
  if (on_.rotations) train_.rotations.push_back(t.rotations[0]);
  if (on_.orthonormal) train_.orthonormal.push_back(t.orthonormal[0]);
}

void TrainingTermsBuilder::add_validation(const data::Entry& entry) {
  any_validation_ = true;
  TermSelection& v = validation_;
  v.spectra = v.spectra && can_have(entry, on_.spectra, o_, validation_file_, spectrum_target);
  v.rotations = v.rotations && can_have(entry, on_.rotations, o_, validation_file_, rotation_target);
  v.orthonormal = v.orthonormal && can_have(entry, on_.orthonormal, o_, validation_file_, orthonormal_target);
}

TrainingTerms TrainingTermsBuilder::finish() {
  TrainingTerms t;
  t.train = std::move(train_);
  t.validation = any_validation_ ? validation_ : TermSelection{};
  if (on_.spectra) {
    t.units.eigenvalue = baseline_mean_squared_error(addresses(t.train.spectra));
    if (!(t.units.eigenvalue > 0)) throw Error(o_.train_data.string(), 0, "the orbital-energy loss has no scale: the baseline orbital energies equal the reference ones");
  }
  if (on_.rotations) {
    try {
      t.units.rotation = sap_mean_squared_rotation(addresses(t.train.rotations));
    } catch (const Error& err) {
      throw Error(o_.train_data.string(), 0, err.what());
    }
    if (!(t.units.rotation > 0)) throw Error(o_.train_data.string(), 0, "the rotation loss has no scale: H_SAP's orbitals equal the reference ones");
  }
  if (on_.orthonormal) {
    t.units.orthonormal = baseline_mean_square(addresses(t.train.orthonormal));
    if (!(t.units.orthonormal > 0)) throw Error(o_.train_data.string(), 0, "the orthonormal-basis loss has no scale: H_SAP equals the reference F");
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
