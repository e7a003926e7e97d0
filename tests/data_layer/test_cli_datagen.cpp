// `hamlet datagen` and `hamlet data info` through the executable: outputs, resume after kill -9,
// bad input (clear message, non-zero exit, nothing written) and broken dataset files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/datagen.hpp"
#include "data/dataset_reader.hpp"
#include "small_molecules.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
namespace fs = std::filesystem;

namespace {

const std::string kFast = " --basis sto-3g --method hf --threads 1 --quiet";

size_t finished_parts(const fs::path& parts) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parts, ec))
    n += e.path().extension() == ".h5" && e.path().string().find(".tmp.") == std::string::npos;
  return n;
}

// Starts `hamlet args...` with output to `log`; returns its pid.
pid_t launch(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv{const_cast<char*>(HAMLET_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(HAMLET_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until `parts` holds at least `count` finished parts, then kills the run with SIGKILL.
// Returns false if the run ended on its own first (then nothing was tested).
bool kill_after_parts(pid_t pid, const fs::path& parts, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (finished_parts(parts) < count && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  int status = 0;
  const bool running = waitpid(pid, &status, WNOHANG) == 0;
  kill(pid, SIGKILL);
  if (running) waitpid(pid, &status, 0);
  return running && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

}  // namespace

TEST(CliDatagen, WritesDatasetAndInfoDescribesIt) {
  auto dir = test::scratch_dir("cli_datagen_info");
  test::write_text(dir / "mols.xyz", test::kFourFrames);
  const std::string out = (dir / "data.h5").string();
  auto r = test::run_hamlet("datagen " + (dir / "mols.xyz").string() + " --out " + out + kFast);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("computed 4 (not converged 0), skipped 0 (done before), failed 0"), std::string::npos)
      << r.output;

  auto info = test::run_hamlet("data info " + out + " --json");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  const auto j = nlohmann::json::parse(info.output);
  EXPECT_EQ(j["entries"], 4);
  EXPECT_EQ(j["converged"], 4);
  EXPECT_EQ(j["unrestricted"], 1);
  EXPECT_EQ(j["elements"], (std::vector<std::string>{"H", "O", "F"}));
  EXPECT_EQ(j["natoms"]["min"], 2);
  EXPECT_EQ(j["natoms"]["max"], 3);
  EXPECT_EQ(j["nbf"]["min"], 2);  // H2 in STO-3G
  EXPECT_EQ(j["nbf"]["max"], 7);  // water
  EXPECT_EQ(j["schema_version"], data::kSchemaVersion);
  EXPECT_EQ(j["method"], "hf");
  EXPECT_EQ(j["basis"], "sto-3g");
  EXPECT_EQ(j["file_size_bytes"], fs::file_size(out));

  auto text = test::run_hamlet("data info " + out + " --verify");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const char* s : {"entries 4: converged 4", "elements H O F", "atoms 2-3, basis functions 2-7", "verified"})
    EXPECT_NE(text.output.find(s), std::string::npos) << s << "\n" << text.output;

  auto again = test::run_hamlet("datagen " + (dir / "mols.xyz").string() + " --out " + out + kFast);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("computed 0 (not converged 0), skipped 4"), std::string::npos) << again.output;
}

// kill -9 twice while structures are being computed, then finish: every structure exactly
// once, the file readable, and the same numbers as one uninterrupted run with --jobs 2.
TEST(CliDatagen, SurvivesKillNineAndResumes) {
  auto dir = test::scratch_dir("cli_datagen_kill");
  const fs::path input = dir / "mols.xyz", out = dir / "data.h5", parts = data::parts_directory(out);
  test::write_text(input, test::kEightFrames);
  const std::vector<std::string> args = {"datagen", input.string(), "--out", out.string(), "--basis", "def2-svp",
                                         "--method", "b3lyp", "--grid", "1", "--threads", "1", "--jobs", "1"};
  ASSERT_TRUE(kill_after_parts(launch(args, dir / "run1.log"), parts, 1)) << "run 1 ended before the kill";
  const size_t after_first = finished_parts(parts);
  EXPECT_GE(after_first, 1u);
  EXPECT_LT(after_first, 8u);
  EXPECT_FALSE(fs::exists(out));  // nothing merged yet
  ASSERT_TRUE(kill_after_parts(launch(args, dir / "run2.log"), parts, after_first + 2))
      << "run 2 ended before the kill";
  const size_t after_second = finished_parts(parts);

  std::string cmd;
  for (const auto& a : args) cmd += " " + a;
  auto r = test::run_hamlet(cmd + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("computed " + std::to_string(8 - after_second)), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped " + std::to_string(after_second)), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(parts));
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos);

  const fs::path ref = dir / "ref.h5";
  auto rr = test::run_hamlet("datagen " + input.string() + " --out " + ref.string() +
                             " --basis def2-svp --method b3lyp --grid 1 --threads 2 --jobs 2 --quiet");
  ASSERT_EQ(rr.exit_code, 0) << rr.output;
  data::DatasetReader resumed(out), reference(ref);
  ASSERT_EQ(resumed.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(resumed.index(i), static_cast<std::int64_t>(i));
    const auto a = resumed.read(i), b = reference.read(i);
    EXPECT_TRUE(a.converged);
    EXPECT_NEAR(a.energy, b.energy, 1e-10) << a.source;
    EXPECT_LE((a.fock[0] - b.fock[0]).cwiseAbs().maxCoeff(), 1e-12) << a.source;
  }
}

struct BadInput {
  std::string name, xyz, args, expected_message;
  int exit_code;
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }  // readable test names in ctest

class CliDatagenBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliDatagenBadInput, ClearErrorNonZeroExitNothingWritten) {
  const auto& p = GetParam();
  auto dir = test::scratch_dir("cli_datagen_bad_" + p.name);
  test::write_text(dir / "mols.xyz", p.xyz);
  std::string args = p.args;
  for (size_t pos; (pos = args.find("DIR/")) != std::string::npos;) args.replace(pos, 4, dir.string() + "/");
  auto r = test::run_hamlet("datagen " + (dir / "mols.xyz").string() + " " + args);
  EXPECT_EQ(r.exit_code, p.exit_code) << r.output;
  EXPECT_NE(r.output.find(p.expected_message), std::string::npos) << r.output;
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != "mols.xyz") left.push_back(e.path().filename().string());
  EXPECT_TRUE(left.empty()) << left.front();
}

const std::string kOut = " --out DIR/data.h5 --basis sto-3g --method hf --quiet";

INSTANTIATE_TEST_SUITE_P(
    Cases, CliDatagenBadInput,
    ::testing::Values(
        BadInput{"malformed", std::string(test::kFourFrames) + "3\n\nO 0 0 0\nH 0 0.75 -0.47\nH 0 -0.75\n", kOut,
                 "mols.xyz:22: expected 'element x y z'", 1},
        BadInput{"spin", std::string(test::kFourFrames) + "3\nmultiplicity=2\nO 0 0 0\nH 0 0 1\nH 0 1 0\n", kOut,
                 "mols.xyz:frame 4", 1},
        BadInput{"element", "1\n\nXe 0 0 0\n", " --out DIR/data.h5 --basis 6-31g* --method hf", "element Xe", 1},
        BadInput{"method", test::kFourFrames, " --out DIR/data.h5 --basis sto-3g --method nonsense",
                 "unknown functional 'nonsense'", 1},
        BadInput{"out_folder", test::kFourFrames, " --out DIR/missing/data.h5 --basis sto-3g --method hf",
                 "output folder does not exist", 1},
        BadInput{"usage", test::kFourFrames, " --out DIR/data.h5 --basis sto-3g", "--method", 2}),
    [](const auto& info) { return info.param.name; });

TEST(CliDataInfo, BrokenFilesGiveAClearError) {
  auto dir = test::scratch_dir("cli_data_info_broken");
  test::write_text(dir / "mols.xyz", test::kFourFrames);
  const fs::path good = dir / "data.h5";
  ASSERT_EQ(test::run_hamlet("datagen " + (dir / "mols.xyz").string() + " --out " + good.string() + kFast).exit_code,
            0);
  const fs::path cut = dir / "cut.h5";
  fs::copy_file(good, cut);
  fs::resize_file(cut, fs::file_size(good) / 2);
  test::write_text(dir / "text.h5", "not a dataset\n");
  const fs::path damaged = dir / "damaged.h5";
  fs::copy_file(good, damaged);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.write("XXXXXXXX", 8);  // over the HDF5 signature
  }
  for (const fs::path& bad : {cut, damaged, dir / "text.h5", dir / "none.h5"}) {
    auto r = test::run_hamlet("data info " + bad.string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("hamlet: error: " + bad.string()), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("HDF5-DIAG"), std::string::npos) << r.output;  // HDF5 kept quiet
  }
}
