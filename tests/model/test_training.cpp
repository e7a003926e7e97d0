// Training, checkpoints, prediction and evaluation on a tiny dataset made here (water and
// ammonia conformers, HF/STO-3G with the SAP guess, so H_SAP is stored).
#include <gtest/gtest.h>
#include <omp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "basis/basis_library.hpp"
#include "chem/xyz.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "data/conformers.hpp"
#include "data/datagen.hpp"
#include "data/hdf5_io.hpp"
#include "data/split.hpp"
#include "model/checkpoint.hpp"
#include "model/dataset_graphs.hpp"
#include "model/evaluate.hpp"
#include "model/predict.hpp"
#include "model/trainer.hpp"
#include "scf/driver.hpp"

using namespace hamlet;
namespace fs = std::filesystem;

namespace {

const char* kMolecules =
    "3\nwater\nO 0.000 0.000 0.117\nH 0.000 0.757 -0.467\nH 0.000 -0.757 -0.467\n"
    "4\nammonia\nN 0.000 0.000 0.112\nH 0.000 0.938 -0.262\nH 0.812 -0.469 -0.262\nH -0.812 -0.469 -0.262\n";

class Training : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("hamlet_test_training_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::istringstream in(kMolecules);
    std::string text;
    const auto mols = parse_xyz_frames(in, "test");
    for (size_t k = 0; k < mols.size(); ++k)
      for (const auto& c : data::thermal_conformers(mols[k], 6, {}, k)) text += format_xyz(c);
    write_file_atomically(dir_ / "confs.xyz", text);
    data::DatagenOptions d;
    d.input = dir_ / "confs.xyz";
    d.output = dir_ / "data.h5";
    d.settings.basis = "sto-3g";
    d.settings.method = "hf";
    d.settings.grid_level = 0;
    d.show_progress = false;
    data::run_datagen(d);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static model::TrainOptions options(const std::string& run, int epochs) {
    model::TrainOptions o;
    o.train_data = dir_ / "data.h5";
    o.split = "random";
    o.validation_fraction = 0.25;
    o.test_fraction = 0.17;
    o.model.hidden_irreps = "8x0e+4x1o+2x1e+2x2e";
    o.model.pair_irreps = "4x0e+2x1o+2x2e";
    o.model.lmax = 2;
    o.model.layers = 1;
    o.model.cutoff = 6.0;
    o.epochs = epochs;
    o.warmup_epochs = 1;
    o.batch_size = 2;
    o.out = dir_ / run;
    o.progress = false;
    o.seed = 5;
    return o;
  }
  // The 20-epoch run without extra loss terms that the loss-term tests compare against: trained
  // once, whichever of them runs first.
  static const model::TrainResult& plain_20_epochs() {
    static const model::TrainResult plain = model::train_model(options("plain20", 20), false);
    return plain;
  }
  static inline fs::path dir_;
};

int lines(const fs::path& p) {
  std::ifstream in(p);
  int n = 0;
  for (std::string l; std::getline(in, l);) n += !l.empty();
  return n;
}

}  // namespace

TEST_F(Training, WritesCheckpointsLogAndCurveAndLearns) {
  const auto r = model::train_model(options("run", 6), false);
  ASSERT_EQ(r.history.size(), 6u);
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  for (const char* f : {"best.pt", "last.pt", "log.jsonl", "split.json", "learning_curve.png"})
    EXPECT_TRUE(fs::exists(dir_ / "run" / f)) << f;
  EXPECT_EQ(lines(dir_ / "run" / "log.jsonl"), 6);
  // A second run into the same folder is refused rather than overwriting it.
  EXPECT_THROW(model::train_model(options("run", 6), false), Error);
}

TEST_F(Training, ResumeContinuesExactlyWhereTheRunStopped) {
  const auto straight = model::train_model(options("straight", 4), false);
  auto first = options("resumed", 4);
  first.stop_after_epochs = 2;  // as if the job had been stopped after two epochs
  EXPECT_EQ(model::train_model(first, false).stop_reason, "paused");
  const auto rest = model::train_model(options("resumed", 4), true);
  ASSERT_EQ(rest.history.size(), 2u);
  EXPECT_EQ(lines(dir_ / "resumed" / "log.jsonl"), 4);
  EXPECT_NEAR(rest.history.back().train_loss, straight.history.back().train_loss,
              1e-5 * straight.history.back().train_loss);
  EXPECT_NEAR(rest.history.back().validation_loss, straight.history.back().validation_loss,
              1e-5 * straight.history.back().validation_loss);
}

// Data-parallel threads (TrainOptions::threads): each thread takes a share of every batch with
// its own copy of the model, the parts' losses weighted by their share and the gradients summed
// in order. The same run twice is identical; against one thread only rounding differs (float32,
// 3 epochs: observed relative differences <= 4e-7; the parts' losses averaged instead of
// weighted by their share, term by term, changed them by 1e-3 to 1e-1 when tried).
TEST_F(Training, DataParallelThreadsTrainLikeOneThread) {
  for (const double eigenvalue_weight : {0.0, 10.0}) {
    const std::string tag = eigenvalue_weight > 0 ? "_eps" : "";
    auto one = options("dp1" + tag, 3), two = options("dp2" + tag, 3), again = options("dp2b" + tag, 3);
    for (auto* o : {&one, &two, &again}) {
      o->batch_size = 4;
      o->eigenvalue_weight = eigenvalue_weight;
    }
    two.threads = again.threads = 2;
    const auto a = model::train_model(one, false), b = model::train_model(two, false),
               c = model::train_model(again, false);
    ASSERT_EQ(a.history.size(), 3u);
    ASSERT_EQ(b.history.size(), 3u);
    for (size_t e = 0; e < 3; ++e) {
      EXPECT_EQ(b.history[e].train_loss, c.history[e].train_loss) << e;
      EXPECT_EQ(b.history[e].validation_loss, c.history[e].validation_loss) << e;
      EXPECT_NEAR(b.history[e].train_loss, a.history[e].train_loss, 1e-4 * a.history[e].train_loss) << tag << e;
      EXPECT_NEAR(b.history[e].validation_loss, a.history[e].validation_loss, 1e-4 * a.history[e].validation_loss)
          << tag << e;
      EXPECT_NEAR(b.history[e].validation_mae_ueh, a.history[e].validation_mae_ueh,
                  1e-4 * a.history[e].validation_mae_ueh)
          << tag << e;
    }
  }
}

// The orbital-energy term (optim.eigenvalue_weight): the log carries the validation MAE of the
// occupied orbital energies either way; with the term on, that MAE ends lower than without at the
// same budget and seed (20 epochs, weight 100: 50.4 vs 63.0 mEh when written; asserted: at least
// 10 % lower).
TEST_F(Training, OrbitalEnergyTermLowersTheOrbitalEnergyError) {
  const auto& plain = plain_20_epochs();
  auto o = options("eps_term", 20);
  o.eigenvalue_weight = 100.0;
  const auto with_term = model::train_model(o, false);
  const double before = plain.history.back().validation_eps_occ_mae_ueh;
  const double after = with_term.history.back().validation_eps_occ_mae_ueh;
  ASSERT_GT(before, 0.0);
  ASSERT_GT(after, 0.0);
  EXPECT_LT(after, 0.9 * before);
  std::ifstream log(dir_ / "eps_term" / "log.jsonl");
  std::string line;
  std::getline(log, line);
  EXPECT_GT(nlohmann::json::parse(line).at("validation_eps_occ_mae_ueh").get<double>(), 0.0);
}

// The rotation term (optim.rotation_weight): the log carries the validation RMS rotation either
// way; with the term on, it ends lower than without at the same budget and seed (20 epochs,
// weight 10: 0.0215 vs 0.0273 when written; asserted: at least 10 % lower).
TEST_F(Training, RotationTermLowersTheRotationError) {
  const auto& plain = plain_20_epochs();
  auto o = options("rot_term", 20);
  o.rotation_weight = 10.0;
  const auto with_term = model::train_model(o, false);
  const double before = plain.history.back().validation_rotation_rms;
  const double after = with_term.history.back().validation_rotation_rms;
  ASSERT_GT(before, 0.0);
  ASSERT_GT(after, 0.0);
  EXPECT_LT(after, 0.9 * before) << "plain " << before << ", with the term " << after;
  std::ifstream log(dir_ / "rot_term" / "log.jsonl");
  std::string line;
  std::getline(log, line);
  EXPECT_GT(nlohmann::json::parse(line).at("validation_rotation_rms").get<double>(), 0.0);
}

// The orthonormal-basis term (optim.orthonormal_weight): the log carries the validation RMS
// error of F in the orthonormal basis either way; with the term on, it ends lower than without at
// the same budget and seed (20 epochs, weight 10: 44429 vs 58572 µEh when written; asserted: at
// least 10 % lower).
TEST_F(Training, OrthonormalTermLowersTheOrthonormalError) {
  const auto& plain = plain_20_epochs();
  auto o = options("orth_term", 20);
  o.orthonormal_weight = 10.0;
  const auto with_term = model::train_model(o, false);
  const double before = plain.history.back().validation_orthonormal_rms_ueh;
  const double after = with_term.history.back().validation_orthonormal_rms_ueh;
  ASSERT_GT(before, 0.0);
  ASSERT_GT(after, 0.0);
  EXPECT_LT(after, 0.9 * before) << "plain " << before << ", with the term " << after;
  std::ifstream log(dir_ / "orth_term" / "log.jsonl");
  std::string line;
  std::getline(log, line);
  EXPECT_GT(nlohmann::json::parse(line).at("validation_orthonormal_rms_ueh").get<double>(), 0.0);
}

// The log's validation metrics are the errors `hamlet eval` finds for the best checkpoint on the
// validation entries: the same model (the weight average validated at the best epoch), reached
// through another path (eval builds each molecule's F and solves its eigenproblem; validation
// makes the loss terms' targets batch by batch and solves in the filter's orthonormal basis).
// Tolerance 1e-4 relative: float32 forward passes batched differently round differently.
TEST_F(Training, ValidationMetricsAreEvalsOfTheBestCheckpoint) {
  auto o = options("val_vs_eval", 4);
  o.model.overlap_filter = 0.1;  // some directions dropped, so the filtered eigenproblem is used
  const auto run = model::train_model(o, false);
  ASSERT_GE(run.best_epoch, 1);
  const model::EpochRecord& best = run.history.at(run.best_epoch - 1);
  model::EvalOptions e;
  e.model = run.best_checkpoint;
  e.data = dir_ / "data.h5";
  e.split = dir_ / "val_vs_eval" / "split.json";
  e.subset = "validation";
  e.scf_structures = 0;
  e.progress = false;
  const auto report = model::evaluate_model(e);
  ASSERT_EQ(report["structures"].get<int>(), run.validation_molecules);
  EXPECT_NEAR(best.validation_mae_ueh, report["h_mae_ueh"].get<double>(), 1e-4 * best.validation_mae_ueh);
  EXPECT_NEAR(best.validation_eps_occ_mae_ueh, report["eps_occ_mae_ueh"].get<double>(),
              1e-4 * best.validation_eps_occ_mae_ueh);
}

TEST_F(Training, CorruptOrForeignCheckpointsAreClearErrors) {
  model::train_model(options("corrupt", 1), false);
  const fs::path good = dir_ / "corrupt" / "best.pt", bad = dir_ / "corrupt" / "cut.pt";
  {
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream out(bad, std::ios::binary);
    out << bytes.substr(0, bytes.size() / 2);
  }
  for (const fs::path& p : {bad, dir_ / "data.h5", dir_ / "missing.pt"}) {
    try {
      model::load_checkpoint(p);
      ADD_FAILURE() << "no error for " << p;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
  }
}

TEST_F(Training, PredictAndEvaluate) {
  model::train_model(options("use", 3), false);
  const fs::path model = dir_ / "use" / "best.pt";
  std::istringstream in(kMolecules);
  const auto mols = parse_xyz_frames(in, "test");
  const auto preds = model::predict_structures(model, mols, false);
  ASSERT_EQ(preds.size(), 2u);
  // The checkpoint records how the training data's H_SAP was made; predict makes it the same way.
  EXPECT_EQ(model::load_checkpoint(model).provenance.sap_method, "erf");
  // ... and the training set's largest F - H_SAP blocks: no training structure's reference F
  // exceeds them, and one of them reaches them (model/training_domain.hpp).
  {
    const model::TrainingDomain domain = model::load_checkpoint(model).provenance.domain;
    EXPECT_EQ(domain.cutoff, 6.0);
    EXPECT_TRUE(domain.relative_to_sap);
    EXPECT_EQ(domain.onsite.size(), 3u);   // H, N, O
    EXPECT_EQ(domain.offsite.size(), 3u);  // H-H, H-N, H-O: no molecule holds two heavy atoms
    const data::DatasetReader reader(dir_ / "data.h5");
    const data::Split split = data::read_split(dir_ / "use" / "split.json");
    double largest = 0.0;
    for (size_t pos : model::positions_of(reader, split.train)) {
      const data::Entry e = reader.read(pos);
      const BasisSet basis = reader.basis(e);
      const auto ex = model::extrapolation(domain, e.molecule(), basis.atom_ao_begin, e.fock[0], e.H_sap);
      EXPECT_LE(ex.ratio, 1.0) << e.source;
      largest = std::max(largest, ex.ratio);
    }
    EXPECT_EQ(largest, 1.0);
    for (const auto& p : preds) EXPECT_GT(p.extrapolation.ratio, 0.0);
  }
  {
    const auto erf = scf::sap_inputs(mols[0], basis_library("sto-3g"), "erf", 0);
    const auto grid = scf::sap_inputs(mols[0], basis_library("sto-3g"), "grid", 0);
    EXPECT_LT((preds[0].H_sap - erf.H_sap).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_GT((preds[0].H_sap - grid.H_sap).cwiseAbs().maxCoeff(), 1e-6);  // not the grid's
  }
  for (const auto& p : preds) {
    EXPECT_EQ((p.F - p.F.transpose()).cwiseAbs().maxCoeff(), 0.0);
    EXPECT_EQ(p.solution.n_occupied, 5);
    EXPECT_TRUE(std::isfinite(p.solution.gap));
  }
  // predict_structures passes the molecules through the network together: the same F as one
  // by one (float32 model; sums over a batch may be ordered differently).
  {
    model::LoadedModel loaded = model::load_checkpoint(model);
    for (size_t k = 0; k < mols.size(); ++k) {
      const model::Prediction single = model::predict_structure(loaded, mols[k]);
      EXPECT_LT((single.F - preds[k].F).cwiseAbs().maxCoeff(), 1e-6) << k;
      EXPECT_NEAR(single.solution.homo, preds[k].solution.homo, 1e-6) << k;
    }
  }
  // Many molecules: several network passes, run side by side on two threads, give the same F
  // as one by one; a structure the model cannot take among them is an error naming it.
  {
    std::vector<Molecule> many;
    for (int r = 0; r < 80; ++r) many.insert(many.end(), mols.begin(), mols.end());  // 1440 edges: 3 passes
    const int saved_threads = omp_get_max_threads();
    omp_set_num_threads(2);
    const auto together = model::predict_structures(model, many, false);
    ASSERT_EQ(together.size(), many.size());
    for (size_t k = 0; k < many.size(); ++k) {
      EXPECT_LT((together[k].F - preds[k % 2].F).cwiseAbs().maxCoeff(), 1e-6) << k;
      EXPECT_GT(together[k].seconds_model, 0.0) << k;
    }
    Molecule triplet = many[101];
    triplet.multiplicity = 3;
    triplet.source = "triplet ammonia";
    many[101] = triplet;
    try {
      model::predict_structures(model, many, false);
      ADD_FAILURE() << "no error for an open-shell structure";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("triplet ammonia"), std::string::npos) << e.what();
    }
    omp_set_num_threads(saved_threads);
  }
  model::write_predictions(dir_ / "pred.h5", model, preds);
  EXPECT_TRUE(fs::exists(dir_ / "pred.h5"));
  // Streamed: each prediction reaches the sink once, in input order, as predict_structures
  // returns them; a writer that is not committed leaves no file behind.
  {
    std::vector<Molecule> many;
    // 1800 edges: 4 passes, 2 rounds of 2 on one thread.
    for (int r = 0; r < 100; ++r) many.insert(many.end(), mols.begin(), mols.end());
    std::vector<size_t> order;
    const int saved_threads = omp_get_max_threads();
    omp_set_num_threads(1);
    model::predict_structures(model, many, false, -1.0, [&](size_t k, model::Prediction& p) {
      order.push_back(k);
      EXPECT_LT((p.F - preds[k % 2].F).cwiseAbs().maxCoeff(), 1e-6) << k;
      EXPECT_EQ(p.molecule.source, many[k].source);
    });
    omp_set_num_threads(saved_threads);
    ASSERT_EQ(order.size(), many.size());
    for (size_t k = 0; k < order.size(); ++k) EXPECT_EQ(order[k], k);
    {
      model::PredictionWriter unfinished(dir_ / "unfinished.h5", model);
      unfinished.add(preds[0]);
    }
    EXPECT_FALSE(fs::exists(dir_ / "unfinished.h5"));
    for (const auto& e : fs::directory_iterator(dir_))
      EXPECT_EQ(e.path().filename().string().find("unfinished"), std::string::npos) << e.path();
    // Without matrices (hamlet predict --no-matrices): the properties, no F or S.
    {
      model::PredictionWriter small(dir_ / "small.h5", model, /*matrices=*/false);
      small.add(preds[0]);
      small.commit();
    }
    H5::H5File both((dir_ / "pred.h5").string(), H5F_ACC_RDONLY), small((dir_ / "small.h5").string(), H5F_ACC_RDONLY);
    EXPECT_TRUE(data::detail::read_bool_attr(both.openGroup("/"), "matrices"));
    EXPECT_FALSE(data::detail::read_bool_attr(small.openGroup("/"), "matrices"));
    const H5::Group with = both.openGroup("structures/00000000"), without = small.openGroup("structures/00000000");
    EXPECT_TRUE(with.nameExists("F") && with.nameExists("S"));
    EXPECT_FALSE(without.nameExists("F") || without.nameExists("S"));
    EXPECT_EQ(data::detail::read_vector(without, "orbital_energies"), preds[0].solution.orbital_energies);
    EXPECT_EQ(data::detail::read_double_attr(without, "gap"), preds[0].solution.gap);
  }

  model::EvalOptions e;
  e.model = model;
  e.data = dir_ / "data.h5";
  e.split = dir_ / "use" / "split.json";
  e.scf_structures = 1;
  e.plots_dir = dir_ / "plots";
  e.progress = false;
  const auto report = model::evaluate_model(e);
  for (const char* key : {"h_mae_ueh", "h_mae_onsite_ueh", "h_mae_offsite_ueh", "eps_occ_mae_ueh", "homo_mae_mev",
                          "lumo_mae_mev", "gap_mae_mev", "cosine_similarity", "dipole_mae_debye",
                          "density_error", "density_error_sap", "h_orthonormal_rms_ueh", "h_orthonormal_rms_sap_ueh",
                          "scf_iterations_ml", "scf_iterations_sap", "scf_iterations_sad", "scf_iterations_reference",
                          "predict_seconds", "scf_seconds", "scf_seconds_ml",
                          "outside_training_domain", "extrapolation_ratio_max", "by_element_pair"})
    EXPECT_TRUE(report.contains(key) && !report[key].is_null()) << key;
  // Started from the dataset's converged F, the SCF (same settings) has nothing left to do.
  EXPECT_LE(report["scf_iterations_reference"].get<double>(), 2.0);
  EXPECT_LE(report["scf_iterations_reference"].get<double>(), report["scf_iterations_sap"].get<double>());
  EXPECT_GE(report["beyond_cutoff"]["pair_fraction"].get<double>(), 0.0);
  EXPECT_LE(report["beyond_cutoff"]["pair_fraction"].get<double>(), 1.0);
  EXPECT_GE(report["beyond_cutoff"]["max_abs_reference_ueh"].get<double>(), 0.0);
  EXPECT_GT(report["cosine_similarity"].get<double>(), 0.0);
  EXPECT_LE(report["cosine_similarity"].get<double>(), 1.0 + 1e-12);
  EXPECT_GT(report["density_error"].get<double>(), 0.0);
  EXPECT_GT(report["density_error_sap"].get<double>(), 0.0);
  EXPECT_TRUE(fs::exists(dir_ / "plots" / "parity_fock.png"));
  for (const char* key : {"h_mae_ueh", "h_orthonormal_rms_ueh", "eps_occ_mae_ueh", "homo_mae_mev", "lumo_mae_mev",
                          "gap_mae_mev"})
    EXPECT_TRUE(report["reference_in_model_form"].contains(key)) << key;
  // The Löwdin-basis error weighs near-linear dependencies up: H_SAP's exceeds its element MAE.
  EXPECT_GT(report["h_orthonormal_rms_sap_ueh"].get<double>(), report["h_mae_sap_ueh"].get<double>());

  // The reference F in the model's form: every pair of these molecules is inside the cutoff, so
  // without the overlap filter the form keeps it exactly; a threshold above every overlap
  // eigenvalue leaves H_SAP alone, far from it.
  ASSERT_EQ(report["beyond_cutoff"]["pair_fraction"].get<double>(), 0.0);
  e.scf_structures = 0;
  e.plots_dir.clear();
  e.overlap_filter = 0.0;
  const auto exact = model::evaluate_model(e)["reference_in_model_form"];
  for (const char* key : {"h_mae_ueh", "h_orthonormal_rms_ueh", "eps_occ_mae_ueh", "homo_mae_mev", "lumo_mae_mev",
                          "gap_mae_mev"})
    EXPECT_EQ(exact[key].get<double>(), 0.0) << key;
  e.overlap_filter = 100.0;
  const auto sap_only = model::evaluate_model(e);
  EXPECT_NEAR(sap_only["reference_in_model_form"]["h_mae_ueh"].get<double>(), sap_only["h_mae_sap_ueh"].get<double>(),
              1e-9 * sap_only["h_mae_sap_ueh"].get<double>());
  EXPECT_NEAR(sap_only["reference_in_model_form"]["h_orthonormal_rms_ueh"].get<double>(),
              sap_only["h_orthonormal_rms_sap_ueh"].get<double>(), 1e-9 * sap_only["h_orthonormal_rms_sap_ueh"].get<double>());
  EXPECT_GT(sap_only["reference_in_model_form"]["homo_mae_mev"].get<double>(), 100.0);
}
