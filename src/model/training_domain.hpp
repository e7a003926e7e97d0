#pragma once
// Is a prediction inside its model's training data? A model that has never seen a chemical
// environment (a nitro group, for a model trained on 300 QM9 molecules without one) may predict
// corrections F - H_SAP several times larger than any in its training set: orbital energies off
// by Hartrees, dipoles of hundreds of Debye. TrainingDomain keeps, per element (on-site blocks)
// and element pair (off-site blocks within the model's cutoff), the largest Frobenius norm of
// the correction in the training set; a prediction's extrapolation ratio is its largest block
// norm over that bound. The norm of a block is rotation invariant, so the ratio is too.
// Above kExtrapolationWarning the prediction is flagged (hamlet predict, eval); it is a
// necessary sign of extrapolation, not a sufficient check of accuracy.
#include <Eigen/Core>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "chem/molecule.hpp"

namespace hamlet::model {

inline constexpr double kExtrapolationWarning = 1.5;

struct TrainingDomain {
  double cutoff = 0.0;           // Bohr: off-site blocks of atoms closer than this
  bool relative_to_sap = true;   // bounds of F - H_SAP (true) or of F (training data without H_SAP)
  std::map<int, double> onsite;  // Z -> largest |correction block|_F
  std::map<std::pair<int, int>, double> offsite;  // (Z_a <= Z_b) -> largest |correction block|_F

  bool empty() const { return onsite.empty(); }
  // Widens the bounds by one structure's blocks. atom_ao_begin: first AO of each atom and the
  // total (size natoms + 1); positions in Bohr.
  void add(const std::vector<int>& atomic_numbers, const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions,
           const std::vector<int>& atom_ao_begin, const Eigen::MatrixXd& correction);
};

struct Extrapolation {
  double ratio = 0.0;  // largest block norm / its training bound; 0 when the domain is unknown
  std::string block;   // where: "atom 7 (N)" or "atoms 7-8 (N-O)", 1-based atom numbers
  bool flagged() const { return ratio > kExtrapolationWarning; }
};

// The largest ratio over the structure's blocks whose element (pair) has a bound; blocks of
// elements or pairs the training set lacked are not judged (delta models predict no correction
// there).
Extrapolation extrapolation(const TrainingDomain& domain, const std::vector<int>& atomic_numbers,
                            const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions,
                            const std::vector<int>& atom_ao_begin, const Eigen::MatrixXd& correction);

// The same for a predicted F of a molecule (H_SAP subtracted when the bounds are of F - H_SAP;
// not judged, ratio 0, when they are and H_SAP is empty).
Extrapolation extrapolation(const TrainingDomain& domain, const Molecule& molecule,
                            const std::vector<int>& atom_ao_begin, const Eigen::MatrixXd& F,
                            const Eigen::MatrixXd& H_sap);

nlohmann::json training_domain_to_json(const TrainingDomain& domain);
TrainingDomain training_domain_from_json(const nlohmann::json& j);

}  // namespace hamlet::model
