#include "model/predict.hpp"

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>

#include "core/error.hpp"
#include "data/dataset_writer.hpp"
#include "data/hdf5_io.hpp"
#include "data/progress.hpp"
#include "hamlet/version.hpp"
#include "model/checkpoint.hpp"
#include "scf/driver.hpp"
#include "scf/properties.hpp"

namespace hamlet::model {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

FockSolution solve_fock(const Molecule& mol, const BasisSet& basis, const Eigen::MatrixXd& F,
                        const Eigen::MatrixXd& S) {
  const int electrons = mol.electron_count();
  if (electrons % 2 != 0 || mol.multiplicity != 1)
    throw Error(mol.source + ": open-shell structures (" + std::to_string(electrons) +
                " electrons, multiplicity " + std::to_string(mol.multiplicity) +
                ") are not supported by the model yet");
  if (!F.allFinite()) throw Error(mol.source + ": the predicted Fock matrix contains NaN or Inf");
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> es(F, S);
  if (es.info() != Eigen::Success) throw Error(mol.source + ": F C = S C eps could not be solved (S singular?)");
  FockSolution s;
  s.orbital_energies = es.eigenvalues();
  s.coefficients = es.eigenvectors();
  s.n_occupied = electrons / 2;
  const int n = static_cast<int>(s.orbital_energies.size());
  s.homo = s.n_occupied > 0 ? s.orbital_energies(s.n_occupied - 1) : std::nan("");
  s.lumo = s.n_occupied < n ? s.orbital_energies(s.n_occupied) : std::nan("");
  s.gap = s.lumo - s.homo;
  const Eigen::MatrixXd C = s.coefficients.leftCols(s.n_occupied);
  s.density = 2.0 * C * C.transpose();
  s.dipole = scf::dipole_moment(mol, basis, s.density);
  return s;
}

Prediction predict_structure(LoadedModel& m, const Molecule& mol) {
  Prediction p;
  p.molecule = mol;
  auto t0 = Clock::now();
  // H_SAP as the training data had it (method and grid), so the model sees the inputs it knows.
  auto in = scf::sap_inputs(mol, m.provenance.basis, m.provenance.sap_method, m.provenance.sap_grid_level);
  p.basis = std::move(in.basis);
  p.S = std::move(in.S);
  p.H_sap = std::move(in.H_sap);
  p.seconds_inputs = since(t0);
  t0 = Clock::now();
  std::vector<int> Z;
  Eigen::Matrix<double, Eigen::Dynamic, 3> pos(mol.natoms(), 3);
  for (int i = 0; i < mol.natoms(); ++i) {
    Z.push_back(mol.atoms[i].Z);
    pos.row(i) = mol.atoms[i].position.transpose();
  }
  MoleculeGraph g;
  try {
    g = make_graph(m.model->basis(), Z, pos, p.S, p.H_sap, Eigen::MatrixXd(), m.model->config().cutoff);
  } catch (const Error& e) {
    throw Error(mol.source + ": " + e.what());
  }
  {
    torch::NoGradGuard no_grad;
    const ModelOutput out = m.model->forward(collate({&g}));
    p.F = predicted_fock(*m.model, g, out.onsite, out.offsite, p.H_sap, p.S);
  }
  p.seconds_model = since(t0);
  p.solution = solve_fock(mol, p.basis, p.F, p.S);
  return p;
}

Eigen::MatrixXd predict_fock(const std::filesystem::path& model_path, const Molecule& mol,
                             double overlap_filter) {
  LoadedModel m = load_checkpoint(model_path);
  if (overlap_filter >= 0.0) m.model->set_overlap_filter(overlap_filter);
  return predict_structure(m, mol).F;
}

std::vector<Prediction> predict_structures(const std::filesystem::path& model_path,
                                           const std::vector<Molecule>& molecules, bool progress,
                                           double overlap_filter) {
  LoadedModel m = load_checkpoint(model_path);
  if (overlap_filter >= 0.0) m.model->set_overlap_filter(overlap_filter);
  std::vector<Prediction> out;
  data::Progress bar(molecules.size(), 0, progress);
  for (const auto& mol : molecules) {
    out.push_back(predict_structure(m, mol));
    bar.advance();
  }
  bar.finish();
  return out;
}

void write_predictions(const std::filesystem::path& path, const std::filesystem::path& model_path,
                       const std::vector<Prediction>& predictions) {
  namespace d = hamlet::data::detail;
  const std::filesystem::path tmp = data::temp_name(path);
  try {
    d::guarded(path, "cannot write predictions", [&] {
      H5::H5File file(tmp.string(), H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, d::file_access());
      H5::Group root = file.openGroup("/");
      d::write_attr(root, "format", std::string("hamlet-predictions"));
      d::write_attr(root, "hamlet_version", std::string(kVersion));
      d::write_attr(root, "model", model_path.string());
      d::write_attr(root, "units", std::string("atomic units (Bohr, Hartree, e*a0)"));
      d::write_attr(root, "ao_order", std::string("hamlet (ARCHITECTURE.md)"));
      H5::Group all = file.createGroup("structures");
      for (size_t k = 0; k < predictions.size(); ++k) {
        const auto& p = predictions[k];
        H5::Group g = all.createGroup(data::entry_name(static_cast<std::int64_t>(k)));
        d::write_attr(g, "source", p.molecule.source);
        std::vector<int> Z;
        Eigen::MatrixXd pos(p.molecule.natoms(), 3);
        for (int i = 0; i < p.molecule.natoms(); ++i) {
          Z.push_back(p.molecule.atoms[i].Z);
          pos.row(i) = p.molecule.atoms[i].position.transpose();
        }
        d::write_ints(g, "atomic_numbers", Z);
        d::write_matrix(g, "positions", pos);
        d::write_matrix(g, "F", p.F);
        d::write_matrix(g, "S", p.S);
        d::write_vector(g, "orbital_energies", p.solution.orbital_energies);
        d::write_attr(g, "homo", p.solution.homo);
        d::write_attr(g, "lumo", p.solution.lumo);
        d::write_attr(g, "gap", p.solution.gap);
        d::write_attr(g, "n_occupied", p.solution.n_occupied);
        d::write_vector(g, "dipole", p.solution.dipole);
      }
    });
    data::durable_rename(tmp, path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace hamlet::model
