#pragma once
// Using a trained model: F from a geometry (inputs S and H_SAP computed by the engine), then
// what follows from F: orbital energies, HOMO/LUMO/gap, density and dipole (closed shells).
#include <Eigen/Core>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"
#include "model/training_domain.hpp"

namespace hamlet::model {

struct LoadedModel;

// Generalised eigenproblem F C = S C eps and the closed-shell properties it gives.
struct FockSolution {
  Eigen::VectorXd orbital_energies;  // Eh, ascending
  Eigen::MatrixXd coefficients;      // columns = orbitals
  int n_occupied = 0;
  double homo = 0, lumo = 0, gap = 0;  // Eh; lumo/gap NaN without virtual orbitals
  Eigen::MatrixXd density;           // 2 C_occ C_occ^T
  Eigen::Vector3d dipole = Eigen::Vector3d::Zero();  // e a0, total, about the origin
};
// Throws hamlet::Error for open shells (odd electron count / multiplicity != 1).
FockSolution solve_fock(const Molecule& mol, const BasisSet& basis, const Eigen::MatrixXd& F,
                        const Eigen::MatrixXd& S);

struct Prediction {
  Molecule molecule;
  BasisSet basis;
  Eigen::MatrixXd S, H_sap, F;
  FockSolution solution;
  Extrapolation extrapolation;  // against the model's training domain (ratio 0: unknown)
  double seconds_inputs = 0;  // S and H_SAP from the geometry
  double seconds_model = 0;   // graph, network (a batched pass shared out by atoms), assembly
  double seconds_solve = 0;   // F C = S C eps, density, dipole
};

// Predicts F for a structure. Throws hamlet::Error naming the structure for elements the model
// does not know.
Prediction predict_structure(LoadedModel& model, const Molecule& mol);
// F only, for a given model path (the SCF's "--guess MODEL.pt"); loads the model each call and
// keeps the calling thread's OpenMP count for the SCF that follows (set_threads).
// overlap_filter >= 0 overrides the model's (ModelConfig::overlap_filter), as in eval.
// `extrapolation`, when given, receives the prediction's extrapolation check.
Eigen::MatrixXd predict_fock(const std::filesystem::path& model_path, const Molecule& mol,
                             double overlap_filter = -1.0, Extrapolation* extrapolation = nullptr);

// Receives each finished prediction in input order (its index in `molecules`); the prediction
// is released when the call returns, so memory stays bounded by one round of network passes
// (a QM9-size structure holds ~1.2 MB of matrices: 100 000 of them would not fit in RAM).
using PredictionSink = std::function<void(size_t index, Prediction& prediction)>;

// Loads the model once and predicts every structure, several molecules per network pass
// (the same F as one by one); progress bar on stderr when asked.
void predict_structures(const std::filesystem::path& model_path, const std::vector<Molecule>& molecules,
                        bool progress, double overlap_filter, const PredictionSink& sink);
// The same, all predictions kept (for a few structures).
std::vector<Prediction> predict_structures(const std::filesystem::path& model_path,
                                           const std::vector<Molecule>& molecules, bool progress,
                                           double overlap_filter = -1.0);

// Writes predictions one at a time into an HDF5 file (format in src/model/README.md) under a
// temporary name next to `path`; commit() moves it into place. Destroyed uncommitted (an error
// on the way), it removes the temporary file: nothing half-written is left. Without
// `matrices`, F and S are left out (~0.4 MB per QM9 structure in def2-SVP; the rest ~3 kB).
class PredictionWriter {
 public:
  PredictionWriter(const std::filesystem::path& path, const std::filesystem::path& model_path, bool matrices = true);
  ~PredictionWriter();
  PredictionWriter(const PredictionWriter&) = delete;
  PredictionWriter& operator=(const PredictionWriter&) = delete;
  void add(const Prediction& prediction);
  void commit();

 private:
  struct File;
  std::unique_ptr<File> file_;
  std::filesystem::path path_, temp_;
  size_t count_ = 0;
  bool matrices_ = true, committed_ = false;
};

// All at once (PredictionWriter).
void write_predictions(const std::filesystem::path& path, const std::filesystem::path& model_path,
                       const std::vector<Prediction>& predictions);

}  // namespace hamlet::model
