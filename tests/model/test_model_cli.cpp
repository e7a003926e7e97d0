// The model commands through the executable: a small `hamlet demo` (the README's main job,
// shrunk: 2 conformers per molecule, 2 epochs) and the bad-input contract of train/predict/eval.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_command.hpp"

using hamlet::test::run_hamlet;
using hamlet::test::scratch_dir;
using hamlet::test::write_text;
namespace fs = std::filesystem;

TEST(CliDemo, SmallDemoWritesReportModelAndPlots) {
  const fs::path dir = scratch_dir("demo");
  const auto r = run_hamlet("demo --out " + dir.string() + " --conformers 2 --epochs 2 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unseen ethanol"), std::string::npos) << r.output;
  for (const char* f : {"report.json", "model.pt", "plots/learning_curve_sap.png", "plots/held_out_conformers/parity_fock.png"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  std::ifstream in(dir / "report.json");
  const auto report = nlohmann::json::parse(in);
  for (const char* key : {"h_mae_ueh", "h_mae_onsite_ueh", "h_mae_offsite_ueh", "eps_occ_mae_ueh", "homo_mae_mev",
                          "lumo_mae_mev", "gap_mae_mev", "cosine_similarity", "dipole_mae_debye", "density_error",
                          "density_error_sap", "scf_iterations_ml", "scf_iterations_sap", "scf_iterations_sad",
                          "scf_iterations_reference", "predict_seconds", "scf_seconds", "scf_seconds_ml",
                          "outside_training_domain", "extrapolation_ratio_max"}) {
    EXPECT_TRUE(report.contains(key) && report[key].is_number()) << key;
    EXPECT_TRUE(report["unseen_molecule"].contains(key)) << key;
    EXPECT_TRUE(report["geometry_only"].contains(key)) << key;
  }
  // The trained model serves as an SCF guess and converges to the same energy as the SAP guess.
  write_text(dir / "water.xyz", "3\n\nO 0 0 0.117\nH 0 0.757 -0.467\nH 0 -0.757 -0.467\n");
  const auto a = run_hamlet("scf " + (dir / "water.xyz").string() +
                            " --basis def2-svp --method b3lyp --df --grid 1 --json " + (dir / "a.json").string() +
                            " --guess " + (dir / "model.pt").string());
  const auto b = run_hamlet("scf " + (dir / "water.xyz").string() +
                            " --basis def2-svp --method b3lyp --df --grid 1 --json " + (dir / "b.json").string());
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  std::ifstream ja(dir / "a.json"), jb(dir / "b.json");
  const double e_sap = nlohmann::json::parse(jb)["energy"].get<double>();
  EXPECT_NEAR(nlohmann::json::parse(ja)["energy"].get<double>(), e_sap, 1e-8);
  // The model's overlap filter can be overridden for the guess (0: none); negative is refused.
  const auto c = run_hamlet("scf " + (dir / "water.xyz").string() +
                            " --basis def2-svp --method b3lyp --df --grid 1 --overlap-filter 0 --json " +
                            (dir / "c.json").string() + " --guess " + (dir / "model.pt").string() +
                            " --threads 3");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  std::ifstream jc(dir / "c.json");
  const auto report_c = nlohmann::json::parse(jc);
  EXPECT_NEAR(report_c["energy"].get<double>(), e_sap, 1e-8);
  // The SCF keeps its threads after the prediction (libtorch's first parallel operation had
  // set the OpenMP team size to libtorch's default, 1 on the 2-core VM).
  EXPECT_EQ(report_c["threads"].get<int>(), 3);
  const auto d = run_hamlet("predict " + (dir / "model.pt").string() + " " + (dir / "water.xyz").string() +
                            " --overlap-filter -1 --out " + (dir / "p.h5").string());
  EXPECT_NE(d.exit_code, 0) << d.output;
  EXPECT_FALSE(fs::exists(dir / "p.h5"));
}

TEST(CliModel, BadInputIsAClearErrorWithNonZeroExit) {
  const fs::path dir = scratch_dir("model_cli_errors");
  write_text(dir / "bad.yaml", "data:\n  train: x.h5\noptim:\n  lrr: 0.1\n");
  auto r = run_hamlet("train " + (dir / "bad.yaml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("bad.yaml:4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("optim.lr"), std::string::npos) << r.output;  // did you mean

  write_text(dir / "missing.yaml", "data:\n  train: " + (dir / "none.h5").string() + "\n");
  r = run_hamlet("train " + (dir / "missing.yaml").string() + " --set run.out=" + (dir / "run").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("none.h5"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "best.pt"));

  write_text(dir / "fake.pt", "not a checkpoint");
  write_text(dir / "w.xyz", "3\n\nO 0 0 0\nH 0 0.76 0.59\nH 0 -0.76 0.59\n");
  r = run_hamlet("predict " + (dir / "fake.pt").string() + " " + (dir / "w.xyz").string() + " --out " +
                 (dir / "p.h5").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("fake.pt"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "p.h5"));
}
