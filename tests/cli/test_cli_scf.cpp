// The `hamlet scf` contract: outputs on success; on bad input a clear message naming the cause,
// a non-zero exit code and no output file left behind.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <Eigen/Core>
#include <limits>

#include "io/npy.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
namespace fs = std::filesystem;

namespace {
const char* kWater = "3\nwater\nO 0 0 0.117790\nH 0 0.755453 -0.471161\nH 0 -0.755453 -0.471161\n";

struct Case {
  fs::path dir, json;
};
Case prepare(const std::string& name, const std::string& xyz) {
  Case c{test::scratch_dir(name), {}};
  c.json = c.dir / "out.json";
  test::write_text(c.dir / "mol.xyz", xyz);
  return c;
}
}  // namespace

TEST(CliScf, WritesJsonMatricesAndMolden) {
  auto c = prepare("ok", kWater);
  auto r = test::run_hamlet("scf " + (c.dir / "mol.xyz").string() + " --basis def2-svp --method hf --json " +
                            c.json.string() + " --save-matrices " + (c.dir / "m").string() + " --molden " +
                            (c.dir / "w.molden").string() + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(c.json);
  auto j = nlohmann::json::parse(in);
  // Psi4 1.3.2 RHF/def2-SVP water: -75.9609698336 Eh (tests/support/psi4_reference.hpp), 1e-8
  EXPECT_NEAR(j["energy"].get<double>(), -75.9609698336, 1e-8);
  EXPECT_TRUE(j["converged"].get<bool>());
  EXPECT_EQ(j["nbf"].get<int>(), 24);
  EXPECT_EQ(j["orbital_energies"].size(), 24u);
  EXPECT_LT(j["homo"].get<double>(), j["lumo"].get<double>());
  EXPECT_EQ(j["dipole_au"].size(), 3u);
  // Psi4 1.3.2 oeprop QUADRUPOLE, same water (tests/scf/test_hf_psi4.cpp): XX -5.235088303,
  // YY -3.094957374 e a0^2 about the origin, 1e-5.
  EXPECT_NEAR(j["quadrupole_au"][0][0].get<double>(), -5.235088303, 1e-5);
  EXPECT_NEAR(j["quadrupole_au"][1][1].get<double>(), -3.094957374, 1e-5);
  EXPECT_NEAR(j["quadrupole_traceless_au"][0][0].get<double>() + j["quadrupole_traceless_au"][1][1].get<double>() +
                  j["quadrupole_traceless_au"][2][2].get<double>(), 0.0, 1e-10);
  for (auto key : {"iterations", "timings", "energy_components", "mulliken_charges"}) EXPECT_TRUE(j.contains(key)) << key;
  for (auto f : {"S.npy", "T.npy", "H_core.npy", "H_sap.npy", "F.npy", "D.npy", "C.npy", "orbital_energies.npy"})
    EXPECT_TRUE(fs::exists(c.dir / "m" / f)) << f;
  EXPECT_TRUE(fs::exists(c.dir / "w.molden"));
  for (const auto& e : fs::directory_iterator(c.dir)) EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos);
}

struct BadInput {
  std::string name, xyz, args, expected_message;
  int exit_code;
};

class CliScfBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliScfBadInput, ClearErrorNonZeroExitNoOutput) {
  const auto& p = GetParam();
  auto c = prepare(p.name, p.xyz);
  test::write_text(c.dir / "honly.gbs", "****\nH 0\nS 1 1.00\n 1.0 1.0\n****\n");
  test::write_text(c.dir / "bad_o.gbs", "****\nH 0\nS 1 1.00\n 1.0 1.0\n****\nO 0\nS 1 1.00\n 2.0\n****\n");
  std::string args = p.args;
  for (size_t pos; (pos = args.find("DIR/")) != std::string::npos;) args.replace(pos, 4, c.dir.string() + "/");
  auto r = test::run_hamlet("scf " + (c.dir / "mol.xyz").string() + " " + args + " --json " + c.json.string());
  EXPECT_EQ(r.exit_code, p.exit_code) << r.output;
  EXPECT_NE(r.output.find(p.expected_message), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(c.json));
  for (const auto& e : fs::directory_iterator(c.dir)) EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliScfBadInput,
    ::testing::Values(
        BadInput{"malformed", "3\n\nO 0 0 0\nH 0 0.75 -0.47\nH 0 -0.75\n", "", "mol.xyz:5: expected 'element x y z'", 1},
        BadInput{"element", "2\n\nO 0 0 0\nQx 0 0 1\n", "", "mol.xyz:4: unknown element 'Qx'", 1},
        BadInput{"basis_name", kWater, "--basis def2-nonexistent", "unknown basis set 'def2-nonexistent'", 1},
        BadInput{"basis_element", kWater, "--basis DIR/honly.gbs", "has no functions for element O", 1},
        BadInput{"basis_block", kWater, "--basis DIR/bad_o.gbs",
                 "block of element O cannot be read (line 8: expected 'exponent coefficient', found ' 2.0')", 1},
        BadInput{"multiplicity", kWater, "--multiplicity 2", "cannot have multiplicity 2", 1},
        BadInput{"not_converged", kWater, "--max-iter 3", "SCF did not converge in 3 iterations", 3},
        BadInput{"method", kWater, "--method nonsense", "unknown functional 'nonsense'", 1},
        BadInput{"usage", kWater, "--grid notanumber", "--grid", 2}),
    [](const auto& info) { return info.param.name; });

// --guess FILE.npy ("this Fock or density matrix"): restarting from a converged calculation's
// own F or D reproduces it in a couple of iterations; bad matrices are named and refused.
TEST(CliScf, StartsFromASavedFockOrDensityMatrix) {
  auto c = prepare("matrix_guess", kWater);
  const std::string base = "scf " + (c.dir / "mol.xyz").string() + " --basis def2-svp --method hf --threads 1";
  auto r = test::run_hamlet(base + " --save-matrices " + (c.dir / "m").string() + " --json " + c.json.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in0(c.json);
  const int sad_iterations = nlohmann::json::parse(in0)["iterations"].get<int>();
  for (const std::string guess : {"F.npy --guess-matrix fock", "D.npy --guess-matrix density"}) {
    const fs::path out = c.dir / "restart.json";
    r = test::run_hamlet(base + " --guess " + (c.dir / "m").string() + "/" + guess + " --json " + out.string());
    ASSERT_EQ(r.exit_code, 0) << guess << "\n" << r.output;
    std::ifstream in(out);
    const auto j = nlohmann::json::parse(in);
    // Psi4 1.3.2 RHF/def2-SVP water: -75.9609698336 Eh (tests/support/psi4_reference.hpp), 1e-8
    EXPECT_NEAR(j["energy"].get<double>(), -75.9609698336, 1e-8) << guess;
    // From the converged matrix the first iteration is already converged; the second confirms dE.
    EXPECT_LE(j["iterations"].get<int>(), 2) << guess;
    EXPECT_LT(j["iterations"].get<int>(), sad_iterations) << guess;
  }
}

TEST(CliScf, RefusesBadGuessMatrices) {
  auto c = prepare("bad_matrix_guess", kWater);
  Eigen::MatrixXd asymmetric = Eigen::MatrixXd::Identity(24, 24);
  asymmetric(0, 1) = 0.5;
  Eigen::MatrixXd with_nan = Eigen::MatrixXd::Identity(24, 24);
  with_nan(3, 3) = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd indefinite = Eigen::MatrixXd::Identity(24, 24);
  indefinite(5, 5) = -1.0;
  io::write_npy(c.dir / "asymmetric.npy", asymmetric);
  io::write_npy(c.dir / "nan.npy", with_nan);
  io::write_npy(c.dir / "wrong_size.npy", Eigen::MatrixXd(Eigen::MatrixXd::Identity(7, 7)));
  io::write_npy(c.dir / "indefinite.npy", indefinite);
  test::write_text(c.dir / "garbage.npy", "not a numpy file");
  const struct {
    std::string file, kind, message;
  } cases[] = {
      {"asymmetric.npy", "fock", "asymmetric.npy: the Fock matrix is not symmetric"},
      {"nan.npy", "fock", "nan.npy: the Fock matrix contains NaN or Inf"},
      {"wrong_size.npy", "fock", "wrong_size.npy is 7x7 but the basis def2-svp has 24 functions"},
      {"wrong_size.npy", "density", "wrong_size.npy is 7x7 but the basis def2-svp has 24 functions"},
      {"indefinite.npy", "density", "indefinite.npy: the density matrix is not positive semidefinite"},
      {"garbage.npy", "fock", "garbage.npy: not a .npy file"},
      {"missing.npy", "fock", "missing.npy': no such file"},
  };
  for (const auto& k : cases) {
    auto r = test::run_hamlet("scf " + (c.dir / "mol.xyz").string() + " --basis def2-svp --method hf --guess " +
                              (c.dir / k.file).string() + " --guess-matrix " + k.kind + " --json " +
                              c.json.string());
    EXPECT_EQ(r.exit_code, 1) << k.file << "\n" << r.output;
    EXPECT_NE(r.output.find(k.message), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(c.json)) << k.file;
  }
}
