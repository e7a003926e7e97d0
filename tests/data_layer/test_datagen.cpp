// run_datagen in-process: entries equal scf::run_scf for the same structures; reruns skip
// finished work; every state a killed run can leave behind is recovered; inconsistent reruns
// are refused.
#include <gtest/gtest.h>
#include <omp.h>

#include <fstream>
#include <sstream>

#include "chem/xyz.hpp"
#include "core/error.hpp"
#include "data/datagen.hpp"
#include "data/dataset_reader.hpp"
#include "data/dataset_writer.hpp"
#include "scf/properties.hpp"
#include "small_molecules.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
using namespace hamlet::data;
namespace fs = std::filesystem;

namespace {

scf::ScfSettings b3lyp_svp() {
  scf::ScfSettings s;
  s.basis = "def2-svp";
  s.method = "b3lyp";
  // Level 3: on coarser grids the OH radical's UKS oscillates between its two pi occupations
  // and can exhaust the iterations (engine issue recorded on issue #2), which is not what this
  // test is about.
  s.grid_level = 3;
  return s;
}

DatagenOptions options(const fs::path& dir, const std::string& frames, scf::ScfSettings settings = b3lyp_svp()) {
  test::write_text(dir / "mols.xyz", frames);
  DatagenOptions o;
  o.input = dir / "mols.xyz";
  o.output = dir / "data.h5";
  o.settings = settings;
  o.jobs = 2;
  o.threads = 2;  // one thread per SCF: results independent of scheduling
  o.show_progress = false;
  return o;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double max_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e300;
  return a.size() ? (a - b).cwiseAbs().maxCoeff() : 0.0;
}

bool no_leftovers(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().string().find(".tmp.") != std::string::npos || e.path().extension() == ".parts") return false;
  return true;
}

// Entry indices of a dataset, in order.
std::vector<std::int64_t> indices(const DatasetReader& r) {
  std::vector<std::int64_t> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.index(i));
  return out;
}

}  // namespace

// Each stored entry is what run_scf gives for the structure: energy 1e-10 Eh, matrices 1e-12.
TEST(Datagen, EntriesEqualRunScf) {
  auto dir = test::scratch_dir("datagen_equal");
  const auto o = options(dir, test::kFourFrames);
  const auto summary = run_datagen(o);
  EXPECT_EQ(summary.total, 4u);
  EXPECT_EQ(summary.computed, 4u);
  EXPECT_EQ(summary.skipped, 0u);
  EXPECT_EQ(summary.failed, 0u);
  EXPECT_TRUE(no_leftovers(dir));

  omp_set_num_threads(1);
  const auto molecules = read_structures(o.input);
  DatasetReader r(o.output);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r.training_entries().size(), 4u);
  for (size_t i = 0; i < r.size(); ++i) {
    const Entry e = r.read(i);
    SCOPED_TRACE(e.source);
    const auto run = scf::run_scf(molecules[i], o.settings);
    const auto& ref = run.result;
    EXPECT_EQ(e.index, static_cast<std::int64_t>(i));
    EXPECT_EQ(e.source, molecules[i].source);
    EXPECT_TRUE(e.converged);
    EXPECT_EQ(e.iterations, ref.iterations);
    EXPECT_EQ(e.restricted, i != 3);  // frame 3 is the OH radical
    EXPECT_EQ(e.multiplicity, molecules[i].multiplicity);
    EXPECT_EQ(e.nbf, run.basis.nbf);
    EXPECT_NEAR(e.energy, ref.energy, 1e-10);
    EXPECT_NEAR(e.components.xc, ref.components.xc, 1e-10);
    EXPECT_NEAR(e.components.coulomb, ref.components.coulomb, 1e-10);
    for (int a = 0; a < e.natoms(); ++a) {
      EXPECT_EQ(e.atomic_numbers[a], molecules[i].atoms[a].Z);
      EXPECT_EQ(e.positions.row(a).transpose(), molecules[i].atoms[a].position);
    }
    EXPECT_LE(max_diff(e.S, run.S), 1e-12);
    EXPECT_LE(max_diff(e.H_core, run.H_core), 1e-12);
    EXPECT_LE(max_diff(e.H_sap, run.H_sap), 1e-12);
    EXPECT_LE(max_diff(e.density, ref.total_density()), 1e-12);
    ASSERT_EQ(e.fock.size(), ref.fock.size());
    for (size_t s = 0; s < ref.fock.size(); ++s) {
      EXPECT_LE(max_diff(e.fock[s], ref.fock[s]), 1e-12);
      EXPECT_LE(max_diff(e.orbital_energies[s], ref.orbital_energies[s]), 1e-12);
      if (!ref.restricted) {
        EXPECT_LE(max_diff(e.spin_density[s], ref.density[s]), 1e-12);
      }
    }
    const Eigen::Vector3d dipole = scf::dipole_moment(run.molecule, run.basis, ref.total_density());
    EXPECT_LE((e.dipole - dipole).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_EQ(r.basis(e).nbf, e.nbf);
  }
}

TEST(Datagen, RerunRecomputesNothingAndKeepsTheFile) {
  auto dir = test::scratch_dir("datagen_rerun");
  auto o = options(dir, test::kFourFrames, [] {
    auto s = b3lyp_svp();
    s.basis = "sto-3g";
    return s;
  }());
  ASSERT_EQ(run_datagen(o).computed, 4u);
  const std::string before = file_bytes(o.output);
  const auto mtime = fs::last_write_time(o.output);
  const auto again = run_datagen(o);
  EXPECT_EQ(again.computed, 0u);
  EXPECT_EQ(again.skipped, 4u);
  EXPECT_EQ(file_bytes(o.output), before);
  EXPECT_EQ(fs::last_write_time(o.output), mtime);
  EXPECT_TRUE(no_leftovers(dir));
}

// The states a kill -9 can leave: OUT with some entries, finished parts (one already merged
// into OUT), a temporary part and a temporary merged file. A rerun computes only the missing
// structure and ends with every structure exactly once.
TEST(Datagen, RecoversEveryStateAKilledRunLeaves) {
  auto dir = test::scratch_dir("datagen_states");
  auto settings = b3lyp_svp();
  settings.basis = "sto-3g";
  auto o = options(dir, test::kFourFrames, settings);
  o.jobs = o.threads = 1;  // same thread count for every SCF: bitwise comparable results
  const fs::path full = dir / "full.h5";
  o.output = full;
  ASSERT_EQ(run_datagen(o).computed, 4u);

  o.output = dir / "data.h5";
  const fs::path parts = parts_directory(o.output);
  fs::create_directories(parts);
  {
    DatasetReader reference(full);
    DatasetWriter out(o.output, reference.metadata());
    out.copy_from(reference, 0);
    out.copy_from(reference, 2);
    out.commit();
    for (size_t i : {1, 2}) {  // part 2 duplicates an entry already in OUT
      DatasetWriter part(parts / (entry_name(static_cast<std::int64_t>(i)) + ".h5"), reference.metadata());
      part.copy_from(reference, i);
      part.commit();
    }
  }
  test::write_text(parts / (entry_name(3) + ".h5.tmp.999999.0"), "half-written part");
  test::write_text(dir / "data.h5.tmp.999999.0", "half-written merge");

  const auto s = run_datagen(o);
  EXPECT_EQ(s.computed, 1u);
  EXPECT_EQ(s.skipped, 3u);
  EXPECT_TRUE(no_leftovers(dir));
  EXPECT_FALSE(fs::exists(parts));
  DatasetReader merged(o.output), reference(full);
  EXPECT_EQ(indices(merged), (std::vector<std::int64_t>{0, 1, 2, 3}));
  for (size_t i = 0; i < 4; ++i) {
    const Entry a = merged.read(i), b = reference.read(i);
    EXPECT_NEAR(a.energy, b.energy, 1e-10);
    EXPECT_LE(max_diff(a.fock[0], b.fock[0]), 1e-12);
  }
}

TEST(Datagen, RefusesOtherSettingsOrChangedInput) {
  auto dir = test::scratch_dir("datagen_refuse");
  auto settings = b3lyp_svp();
  settings.basis = "sto-3g";
  settings.method = "hf";
  auto o = options(dir, test::kFourFrames, settings);
  ASSERT_EQ(run_datagen(o).computed, 4u);
  const std::string before = file_bytes(o.output);

  auto other = o;
  other.settings.method = "b3lyp";
  try {
    run_datagen(other);
    ADD_FAILURE() << "different method accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("method is hf there but b3lyp here"), std::string::npos) << e.what();
  }
  // Frame 1 moved: the stored entry 1 no longer describes input structure 1.
  std::string changed = test::kFourFrames;
  changed.replace(changed.find("O 0 0 0.117790"), 14, "O 0 0 0.127790");
  test::write_text(o.input, changed);
  try {
    run_datagen(o);
    ADD_FAILURE() << "changed input accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the input changed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(file_bytes(o.output), before);
  EXPECT_TRUE(no_leftovers(dir));
}

TEST(Datagen, NotConvergedStoredButNotTrainingData) {
  auto dir = test::scratch_dir("datagen_noconv");
  auto settings = b3lyp_svp();
  settings.basis = "sto-3g";
  settings.convergence.max_iterations = 2;
  auto o = options(dir, test::kFourFrames, settings);
  const auto s = run_datagen(o);
  EXPECT_EQ(s.computed, 4u);
  EXPECT_GE(s.not_converged, 3u);  // H2/STO-3G may converge in 2 iterations; the others cannot
  DatasetReader r(o.output);
  ASSERT_EQ(r.size(), 4u);
  std::vector<size_t> converged;
  for (size_t i = 0; i < r.size(); ++i)
    if (r.read(i, EntryParts::header).converged) converged.push_back(i);
  EXPECT_EQ(converged.size(), 4 - s.not_converged);
  EXPECT_EQ(r.training_entries(), converged);
  const Entry water = r.read(1);
  EXPECT_FALSE(water.converged);
  EXPECT_EQ(water.iterations, 2);
  EXPECT_EQ(water.fock[0].rows(), 7);  // the last iteration's matrices are kept
  EXPECT_EQ(run_datagen(o).computed, 0u);  // not retried
}

TEST(Datagen, FolderInputInFileNameOrder) {
  auto dir = test::scratch_dir("datagen_folder");
  fs::create_directories(dir / "in");
  test::write_text(dir / "in" / "b.xyz", "2\n\nH 0 0 0\nH 0 0 0.74\n2\n\nH 0 0 0\nH 0 0 0.80\n");
  test::write_text(dir / "in" / "a.xyz", "2\n\nF 0 0 0\nH 0 0 0.917\n");
  test::write_text(dir / "in" / "notes.txt", "ignored");
  const auto mols = read_structures(dir / "in");
  ASSERT_EQ(mols.size(), 3u);
  EXPECT_EQ(mols[0].atoms[0].Z, 9);
  EXPECT_NE(mols[2].source.find("b.xyz:frame 1"), std::string::npos) << mols[2].source;
  fs::create_directories(dir / "empty");
  EXPECT_THROW(read_structures(dir / "empty"), Error);
}

TEST(Datagen, ValidationNamesTheFrame) {
  std::istringstream in(std::string(test::kFourFrames) + "3\nmultiplicity=2\nO 0 0 0\nH 0 0 1\nH 0 1 0\n");
  const auto mols = parse_xyz_frames(in, "mols.xyz");
  auto settings = b3lyp_svp();
  try {
    validate_structures(mols, settings);
    ADD_FAILURE() << "doublet water accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mols.xyz:frame 4"), std::string::npos) << e.what();
  }
  settings.method = "nonsense";
  EXPECT_THROW(validate_structures({mols[0]}, settings), Error);
  settings = b3lyp_svp();
  settings.guess = "magic";
  EXPECT_THROW(validate_structures({mols[0]}, settings), Error);
}
