#include "model/demo.hpp"

#include <omp.h>

#include <fmt/format.h>

#include <sstream>

#include "chem/xyz.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "data/conformers.hpp"
#include "data/datagen.hpp"
#include "model/evaluate.hpp"
#include "model/trainer.hpp"

namespace hamlet::model {
namespace {

// Equilibrium-like geometries (Å) written here; the conformers are thermal displacements.
const char* kTrainingMolecules = R"(3
water
O 0.000 0.000 0.117
H 0.000 0.757 -0.467
H 0.000 -0.757 -0.467
4
ammonia
N 0.000 0.000 0.112
H 0.000 0.938 -0.262
H 0.812 -0.469 -0.262
H -0.812 -0.469 -0.262
5
methane
C 0.000 0.000 0.000
H 0.629 0.629 0.629
H -0.629 -0.629 0.629
H -0.629 0.629 -0.629
H 0.629 -0.629 -0.629
4
formaldehyde
C 0.000 0.000 -0.529
O 0.000 0.000 0.677
H 0.000 0.935 -1.118
H 0.000 -0.935 -1.118
6
methanol
C -0.046 0.663 0.000
O -0.046 -0.758 0.000
H -1.086 0.980 0.000
H 0.441 1.074 0.888
H 0.441 1.074 -0.888
H 0.868 -1.068 0.000
8
ethane
C 0.000 0.000 0.765
C 0.000 0.000 -0.765
H 1.018 0.000 1.160
H -0.509 0.882 1.160
H -0.509 -0.882 1.160
H -1.018 0.000 -1.160
H 0.509 -0.882 -1.160
H 0.509 0.882 -1.160
)";

const char* kUnseenMolecule = R"(9
ethanol
C -1.168 -0.215 0.000
C 0.198 0.440 0.000
O 1.196 -0.571 0.000
H -1.304 -0.848 0.883
H -1.304 -0.848 -0.883
H -1.953 0.545 0.000
H 0.321 1.083 0.885
H 0.321 1.083 -0.885
H 2.053 -0.131 0.000
)";

// Thermal conformers of every structure in `xyz_text`, written as one multi-frame file.
void write_conformers(const std::filesystem::path& path, const char* xyz_text, int count, std::uint64_t seed) {
  std::istringstream in(xyz_text);
  const auto molecules = parse_xyz_frames(in, "built-in molecules");
  data::ThermalSampling sampling;
  sampling.seed = seed;
  std::string text;
  for (size_t k = 0; k < molecules.size(); ++k)
    for (const auto& c : data::thermal_conformers(molecules[k], count, sampling, k)) text += format_xyz(c);
  write_file_atomically(path, text);
}

void generate(const std::filesystem::path& input, const std::filesystem::path& output, const DemoOptions& o) {
  data::DatagenOptions d;
  d.input = input;
  d.output = output;
  d.settings.basis = o.basis;
  d.settings.method = o.method;
  d.settings.density_fitting = true;
  d.settings.grid_level = o.grid_level;
  d.threads = o.threads;
  d.show_progress = o.progress;
  const auto s = data::run_datagen(d);
  if (s.failed > 0 || s.not_converged > 0)
    throw Error(output.string(), 0, fmt::format("{} structures failed and {} did not converge", s.failed, s.not_converged));
}

TrainOptions training(const DemoOptions& o, const std::filesystem::path& data, const std::string& type) {
  TrainOptions t;
  t.train_data = data;
  t.split = "random";  // held-out conformers of the training molecules
  t.validation_fraction = 0.15;
  t.test_fraction = 0.15;
  t.model.type = type;
  t.model.target = type == "sap" ? "delta" : "full";
  t.model.cutoff = 8.0;
  t.model.layers = 2;
  t.epochs = o.epochs;
  t.warmup_epochs = 2;
  t.lr = 5e-3;
  t.max_minutes = o.minutes;
  t.early_stopping_patience = 0;
  t.seed = o.seed;
  t.out = o.out / (type == "sap" ? "sap_model" : "geometry_model");
  t.progress = o.progress;
  t.threads = o.train_threads > 0 ? o.train_threads : std::max(1, omp_get_num_procs());
  t.as_json = {{"demo", true}, {"model_type", type}, {"epochs", o.epochs}, {"max_minutes", o.minutes}};
  return t;
}

nlohmann::json evaluation(const DemoOptions& o, const std::filesystem::path& model, const std::filesystem::path& data,
                          const std::filesystem::path& split, const std::filesystem::path& plots) {
  EvalOptions e;
  e.model = model;
  e.data = data;
  e.split = split;
  e.scf_structures = o.scf_structures;
  e.plots_dir = plots;
  e.progress = o.progress;
  set_threads(o.threads);  // prediction and the SCF comparison use every core
  return evaluate_model(e);
}

}  // namespace

nlohmann::json run_demo(const DemoOptions& o) {
  namespace fs = std::filesystem;
  fs::create_directories(o.out);
  const fs::path train_xyz = o.out / "conformers.xyz", unseen_xyz = o.out / "unseen_conformers.xyz";
  write_conformers(train_xyz, kTrainingMolecules, o.conformers, o.seed);
  write_conformers(unseen_xyz, kUnseenMolecule, std::max(2, o.conformers / 2), o.seed + 1);
  const fs::path data = o.out / "data.h5", unseen = o.out / "unseen.h5";
  if (o.progress) fmt::print(stderr, "hamlet demo: 1/4 reference data ({}/{}, hamlet's SCF)\n", o.method, o.basis);
  set_threads(o.threads);
  generate(train_xyz, data, o);
  generate(unseen_xyz, unseen, o);

  nlohmann::json models = nlohmann::json::object();
  int step = 2;
  for (const std::string type : {"sap", "geometry"}) {
    if (o.progress)
      fmt::print(stderr, "hamlet demo: {}/4 training the {} model ({} epochs or {} min)\n", step++, type, o.epochs,
                 o.minutes);
    TrainOptions t = training(o, data, type);
    fs::remove_all(t.out);  // a rerun of the demo trains afresh (the datasets are reused)
    set_threads(t.threads);
    const TrainResult r = train_model(t, false);
    models[type] = {{"epochs", r.history.size()},
                    {"best_epoch", r.best_epoch},
                    {"stop_reason", r.stop_reason},
                    {"train_structures", r.train_molecules},
                    {"seconds", r.history.empty() ? 0.0 : [&] {
                       double s = 0;
                       for (const auto& h : r.history) s += h.seconds;
                       return s;
                     }()},
                    {"molecules_per_second", r.history.empty() ? 0.0 : r.history.back().molecules_per_second}};
  }
  if (o.progress) fmt::print(stderr, "hamlet demo: 4/4 evaluation\n");
  const fs::path sap_model = o.out / "sap_model" / "best.pt", geo_model = o.out / "geometry_model" / "best.pt";
  const fs::path sap_split = o.out / "sap_model" / "split.json", geo_split = o.out / "geometry_model" / "split.json";
  nlohmann::json report = evaluation(o, sap_model, data, sap_split, o.out / "plots" / "held_out_conformers");
  report["unseen_molecule"] = evaluation(o, sap_model, unseen, "", o.out / "plots" / "unseen_molecule");
  report["geometry_only"] = evaluation(o, geo_model, data, geo_split, "");
  report["training"] = models;
  report["settings"] = {{"method", o.method}, {"basis", o.basis}, {"grid_level", o.grid_level},
                        {"conformers_per_molecule", o.conformers}, {"seed", o.seed},
                        {"training_molecules", "water ammonia methane formaldehyde methanol ethane"},
                        {"unseen_molecule", "ethanol"}};
  fs::copy_file(sap_model, o.out / "model.pt", fs::copy_options::overwrite_existing);
  for (const auto& [name, dir] : {std::pair{"learning_curve_sap.png", "sap_model"}, {"learning_curve_geometry.png", "geometry_model"}})
    if (fs::exists(o.out / dir / "learning_curve.png"))
      fs::copy_file(o.out / dir / "learning_curve.png", o.out / "plots" / name, fs::copy_options::overwrite_existing);
  write_file_atomically(o.out / "report.json", report.dump(2) + "\n");
  return report;
}

}  // namespace hamlet::model
