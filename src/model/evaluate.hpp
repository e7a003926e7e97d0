#pragma once
// `hamlet eval`: a model against the reference SCF results of a dataset. The JSON report keys
// (all means over structures unless said otherwise):
//   h_mae_ueh, h_mae_onsite_ueh, h_mae_offsite_ueh  mean |F_pred - F_ref| over all / on-site
//       (atom-diagonal blocks) / off-site elements of F, µEh (pooled over elements);
//   h_mae_sap_ueh        the same for the SAP guess H_SAP, the no-learning baseline;
//   eps_occ_mae_ueh      occupied orbital energies from F_pred C = S C eps, µEh;
//   homo_mae_mev, lumo_mae_mev, gap_mae_mev;
//   cosine_similarity    QH9's psi similarity: |cos| between predicted and reference occupied
//                        orbital coefficient vectors, averaged over orbitals and structures;
//   dipole_mae_debye     |mu_pred - mu_ref| (vector difference) from the predicted density;
//   density_error        |S^1/2 (D_pred - D_ref) S^1/2|_F, the total density's distance from the
//                        reference in the Löwdin basis (electrons): what the SCF starts from;
//   density_error_sap    the same for the SAP guess's density (null without H_SAP);
//   scf_iterations_ml, scf_iterations_sap  SCF iterations from the predicted F and from the
//                        SAP guess (over the first `scf_structures` structures, the dataset's
//                        SCF settings);
//   scf_iterations_sad   the same from the SAD guess (hamlet scf's default);
//   scf_iterations_reference  the same from the reference F itself: the floor of
//                        scf_iterations_ml with this SCF and these tolerances;
//   predict_seconds      S, H_SAP from the geometry plus the network, per structure;
//   scf_seconds          the SCF from the SAP guess, per structure (same structures, threads);
//   scf_seconds_ml       the SCF from the predicted F, per structure (prediction not included);
//   outside_training_domain  structures whose predicted F has a block beyond the training set
//                        (model/training_domain.hpp: block norm of F - H_SAP over 1.5x the
//                        largest of its element (pair) in training); they are listed with ratio
//                        and block in outside_training_domain_structures;
//   extrapolation_ratio_max  the largest such ratio (null for checkpoints without the bounds);
//   by_element_pair      h_mae_ueh per element pair ("C-H", on-site as "C-C (on-site)").
//   beyond_cutoff        atom pairs farther apart than the model's cutoff (not predicted):
//                        pair_fraction, max_abs_reference_ueh (largest |F_ref| element there),
//                        h_mae_ueh (the error left there).
//   reference_in_model_form  the reference F put through the model's output form (H_SAP beyond
//                        the cutoff, or zero for full models; then the overlap filter): h_mae_ueh,
//                        eps_occ_mae_ueh, homo_mae_mev, lumo_mae_mev, gap_mae_mev against the
//                        reference. What the form alone costs; not a strict bound, since the
//                        network may compensate inside the cutoff.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace hamlet::model {

struct EvalOptions {
  std::filesystem::path model, data;
  std::filesystem::path split;      // split.json of a training run; empty: all converged entries
  std::string subset = "test";      // with a split: train | validation | test
  int scf_structures = 10;          // structures for the SCF-iteration comparison (0: none)
  std::filesystem::path plots_dir;  // parity PNGs (empty: none)
  bool progress = true;
  double overlap_filter = -1.0;     // >= 0 overrides the model's ModelConfig::overlap_filter
};

nlohmann::json evaluate_model(const EvalOptions& options);

}  // namespace hamlet::model
