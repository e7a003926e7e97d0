// `mpirun -np N hamlet datagen`: the same dataset as one process with --jobs 1, the summary and
// errors printed once (by rank 0), and resume across launch modes.
#include <gtest/gtest.h>

#include "data/datagen.hpp"
#include "data/dataset_reader.hpp"
#include "small_molecules.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
namespace fs = std::filesystem;

namespace {

test::CommandResult run_mpi(int ranks, const std::string& args) {
  // run_hamlet prefixes the binary; put mpirun in front of it through the shell instead.
  const std::string cmd = std::string(HAMLET_MPIEXEC) + " --allow-run-as-root --oversubscribe -np " +
                          std::to_string(ranks) + " " + HAMLET_BINARY + " " + args + " 2>&1";
  test::CommandResult r{-1, ""};
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

const std::string kSettings = " --basis def2-svp --method b3lyp --grid 1 --threads 1 --quiet";

}  // namespace

TEST(MpiDatagen, SameDatasetAsOneProcessAndResumes) {
  for (int ranks : {2, 3}) {
    auto dir = test::scratch_dir("mpi_datagen_" + std::to_string(ranks));
    test::write_text(dir / "mols.xyz", test::kEightFrames);
    const std::string input = (dir / "mols.xyz").string();
    auto r = run_mpi(ranks, "datagen " + input + " --out " + (dir / "mpi.h5").string() + kSettings);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(count(r.output, "hamlet datagen:"), 1u) << r.output;  // rank 0 only
    EXPECT_NE(r.output.find("computed 8 (not converged 0), skipped 0"), std::string::npos) << r.output;
    auto ref = test::run_hamlet("datagen " + input + " --out " + (dir / "ref.h5").string() + " --jobs 1" + kSettings);
    ASSERT_EQ(ref.exit_code, 0) << ref.output;

    data::DatasetReader a(dir / "mpi.h5"), b(dir / "ref.h5");
    ASSERT_EQ(a.size(), 8u);
    ASSERT_EQ(b.size(), 8u);
    for (size_t i = 0; i < 8; ++i) {
      const auto ea = a.read(i), eb = b.read(i);
      EXPECT_EQ(ea.index, eb.index);
      EXPECT_EQ(ea.source, eb.source);
      EXPECT_NEAR(ea.energy, eb.energy, 1e-10) << ea.source;
      EXPECT_LE((ea.fock[0] - eb.fock[0]).cwiseAbs().maxCoeff(), 1e-12) << ea.source;
      EXPECT_LE((ea.density - eb.density).cwiseAbs().maxCoeff(), 1e-12) << ea.source;
    }
    // A dataset made by one process is completed (here: nothing to do) under MPI and vice versa.
    auto again = run_mpi(ranks, "datagen " + input + " --out " + (dir / "ref.h5").string() + kSettings);
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("computed 0 (not converged 0), skipped 8"), std::string::npos) << again.output;
    EXPECT_FALSE(fs::exists(data::parts_directory(dir / "mpi.h5")));
  }
}

TEST(MpiDatagen, BadInputReportedOnceNothingWritten) {
  auto dir = test::scratch_dir("mpi_datagen_bad");
  test::write_text(dir / "mols.xyz", std::string(test::kFourFrames) + "1\n\nXx 0 0 0\n");
  auto r = run_mpi(2, "datagen " + (dir / "mols.xyz").string() + " --out " + (dir / "out.h5").string() + kSettings);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(count(r.output, "hamlet: error:"), 1u) << r.output;
  EXPECT_NE(r.output.find("unknown element 'Xx'"), std::string::npos) << r.output;
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "mols.xyz");
}
