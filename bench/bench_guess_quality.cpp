// How accurate must a predicted Fock matrix be to shorten the SCF? For the first structures of a
// dataset, the SCF (the dataset's settings) starts from F_ref + a (F_model - F_ref) for several a:
// a = 1 is the model's guess, a = 0 the reference itself; the SAP and SAD guesses for comparison.
// Usage: bench_guess_quality MODEL.pt DATA.h5 [structures=5] [threads=all] [--psi4-tolerances]
//        [--no-charge-response] [--atomic-charge-response] [--history]
// (--psi4-tolerances: e-conv 1e-8 and RMS commutator 1e-6, Psi4's defaults, instead of the
// dataset's; --no-charge-response: plain CDIIS steps, scf/charge_response.hpp off;
// --atomic-charge-response: that atomic-charge model even with DF, instead of the Coulomb
// response of scf/coulomb_response.hpp; --history:
// every SCF iteration's energy change and commutator on stderr). Not a test.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset_reader.hpp"
#include "model/predict.hpp"
#include "model/trainer.hpp"
#include "scf/driver.hpp"

using namespace hamlet;

int main(int argc, char** argv) {
  bool history = false, psi4_tolerances = false, charge_response = true, fitted_response = true;
  for (; argc > 1; --argc) {
    if (std::strcmp(argv[argc - 1], "--history") == 0)
      history = true;
    else if (std::strcmp(argv[argc - 1], "--psi4-tolerances") == 0)
      psi4_tolerances = true;
    else if (std::strcmp(argv[argc - 1], "--no-charge-response") == 0)
      charge_response = false;
    else if (std::strcmp(argv[argc - 1], "--atomic-charge-response") == 0)
      fitted_response = false;
    else
      break;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.pt DATA.h5 [structures=5] [threads=all] [--psi4-tolerances] "
                 "[--no-charge-response] [--atomic-charge-response] [--history]\n", argv[0]);
    return 1;
  }
  const std::string model_path = argv[1];
  const data::DatasetReader reader(argv[2]);
  const int wanted = argc > 3 ? std::stoi(argv[3]) : 5;
  model::set_threads(argc > 4 ? std::stoi(argv[4]) : 0);
  const std::vector<double> scales = {1.0, 0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3, 1e-4, 0.0};

  scf::ScfSettings settings = reader.metadata().settings;
  if (psi4_tolerances) {
    settings.convergence.energy_tolerance = 1e-8;
    settings.convergence.commutator_tolerance = 1e-6;
    settings.convergence.commutator_rms = true;
  }
  if (!charge_response) settings.convergence.charge_response_below = 0.0;
  settings.convergence.fitted_coulomb_response = fitted_response;
  std::vector<data::Entry> entries;
  std::vector<Molecule> molecules;
  for (size_t pos : reader.training_entries()) {
    if (static_cast<int>(entries.size()) == wanted) break;
    entries.push_back(reader.read(pos));
    molecules.push_back(entries.back().molecule());
  }
  const auto predictions = model::predict_structures(model_path, molecules, false);

  // Mean over structures: guess error (mean |F_guess - F_ref|) and SCF iterations.
  std::vector<double> error(scales.size(), 0.0), iterations(scales.size(), 0.0);
  double it_sap = 0.0, it_sad = 0.0;
  for (size_t k = 0; k < entries.size(); ++k) {
    const Eigen::MatrixXd& F_ref = entries[k].fock[0];
    const Eigen::MatrixXd delta = predictions[k].F - F_ref;
    scf::ScfSettings s = settings;
    for (size_t i = 0; i < scales.size(); ++i) {
      scf::Guess guess;
      guess.fock = {F_ref + scales[i] * delta};
      s.guess_matrices = &guess;
      const auto run = scf::run_scf(molecules[k], s);
      error[i] += scales[i] * delta.cwiseAbs().mean();
      iterations[i] += run.result.iterations;
      if (history)
        for (const auto& h : run.result.history)
          std::fprintf(stderr, "a=%g it %d E %.10f dE %.2e comm %.2e grid %s\n", scales[i], h.iteration, h.energy,
                       h.delta_energy, h.commutator, h.xc_grid.c_str());
    }
    s.guess_matrices = nullptr;
    s.guess = "sap";
    it_sap += scf::run_scf(molecules[k], s).result.iterations;
    s.guess = "sad";
    it_sad += scf::run_scf(molecules[k], s).result.iterations;
    std::fprintf(stderr, "structure %zu/%zu done\n", k + 1, entries.size());
  }
  const double n = static_cast<double>(entries.size());
  std::printf("%zu structures of %s; SCF settings of the dataset, e-conv %.0e, d-conv %.0e (%s), charge response %s\n",
              entries.size(), argv[2], settings.convergence.energy_tolerance, settings.convergence.commutator_tolerance,
              settings.convergence.commutator_rms ? "RMS" : "largest element",
              !charge_response ? "off" : fitted_response ? "fitted Coulomb (with DF)" : "atomic charges");
  std::printf("%-28s %16s %12s %12s\n", "guess", "MAE vs F_ref", "iterations", "/ SAP");
  for (size_t i = 0; i < scales.size(); ++i) {
    char label[64];
    std::snprintf(label, sizeof label, "F_ref + %g (F_model - F_ref)", scales[i]);
    std::printf("%-28s %13.1f µEh %12.2f %12.2f\n", label, 1e6 * error[i] / n, iterations[i] / n,
                iterations[i] / it_sap);
  }
  std::printf("%-28s %16s %12.2f %12.2f\n", "SAP", "", it_sap / n, 1.0);
  std::printf("%-28s %16s %12.2f %12.2f\n", "SAD", "", it_sad / n, it_sad / it_sap);
  return 0;
}
