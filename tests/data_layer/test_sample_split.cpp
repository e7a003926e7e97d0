// Thermal conformers (`hamlet data sample`) and splits (`hamlet data split`).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "chem/xyz.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "data/conformers.hpp"
#include "data/dataset_reader.hpp"
#include "data/dataset_writer.hpp"
#include "data/split.hpp"
#include "small_molecules.hpp"
#include "support/molecules.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
using namespace hamlet::data;
namespace fs = std::filesystem;

namespace {

// Same formula C2H6O, different bonds: the identity must tell them apart.
const char* kEthanol =
    "C 0 0 0\nC 1.52 0 0\nO 2.0 1.35 0\nH 2.96 1.33 0\nH -0.39 1.02 0\nH -0.39 -0.51 0.89\n"
    "H -0.39 -0.51 -0.89\nH 1.91 -0.51 0.89\nH 1.91 -0.51 -0.89";
const char* kDimethylEther =
    "O 0 0 0\nC 1.2 0.74 0\nC -1.2 0.74 0\nH 2.1 0.11 0\nH 1.2 1.38 0.89\nH 1.2 1.38 -0.89\n"
    "H -2.1 0.11 0\nH -1.2 1.38 0.89\nH -1.2 1.38 -0.89";

std::vector<Molecule> base_molecules() {
  std::istringstream in(test::kEightFrames);
  auto mols = parse_xyz_frames(in, "eight.xyz");
  mols.push_back(test::molecule_from_xyz_lines(kEthanol));
  mols.push_back(test::molecule_from_xyz_lines(kDimethylEther));
  return mols;
}

// A dataset of `per_molecule` conformers of each base molecule (geometry only; 1x1 matrices),
// plus two non-converged entries that no split may contain.
fs::path conformer_dataset(const fs::path& dir, int per_molecule) {
  const auto mols = base_molecules();
  scf::ScfSettings settings;
  settings.basis = "sto-3g";
  const fs::path path = dir / "conformers.h5";
  DatasetWriter w(path, make_metadata(settings, mols));
  std::int64_t index = 0;
  for (size_t m = 0; m < mols.size(); ++m)
    for (const auto& c : thermal_conformers(mols[m], per_molecule + (m < 2 ? 1 : 0), ThermalSampling{}, m)) {
      Entry e;
      e.index = index++;
      e.source = mols[m].source;
      e.positions.resize(c.natoms(), 3);
      for (int a = 0; a < c.natoms(); ++a) {
        e.atomic_numbers.push_back(c.atoms[a].Z);
        e.positions.row(a) = c.atoms[a].position.transpose();
      }
      e.converged = !(m < 2 && e.index % (per_molecule + 1) == 0);  // first of molecules 0 and 1
      e.nbf = 1;
      e.S = e.H_core = e.density = Eigen::MatrixXd::Identity(1, 1);
      e.fock = {Eigen::MatrixXd::Zero(1, 1)};
      e.orbital_energies = {Eigen::VectorXd::Zero(1)};
      w.add(e);
    }
  w.commit();
  return path;
}

std::map<std::int64_t, std::string> identities(const DatasetReader& r) {
  std::map<std::int64_t, std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out[r.index(i)] = molecule_identity(r.read(i, EntryParts::header));
  return out;
}

}  // namespace

// Equipartition: <m_A w^2 dx^2> = k_B T for every atom and Cartesian component.
TEST(ThermalConformers, DisplacementsFollowEquipartition) {
  const Molecule water = test::molecule_from_xyz_lines("O 0 0 0.117790\nH 0 0.755453 -0.471161\nH 0 -0.755453 -0.471161");
  ThermalSampling s;
  s.temperature = 250;
  s.wavenumber = 800;
  const int n = 6000;
  const auto confs = thermal_conformers(water, n, s, 0);
  const double kT = 3.1668115634e-6 * s.temperature;   // CODATA 2018 k_B in Eh/K
  const double omega = s.wavenumber / 219474.6313632;  // Eh
  for (int a = 0; a < 3; ++a) {
    const double mass = (a == 0 ? 15.999 : 1.008) * 1822.888486209;
    Eigen::Vector3d sum = Eigen::Vector3d::Zero(), sum2 = Eigen::Vector3d::Zero();
    for (const auto& c : confs) {
      const Eigen::Vector3d d = c.atoms[a].position - water.atoms[a].position;
      sum += d;
      sum2 += d.cwiseProduct(d);
    }
    const double sigma = std::sqrt(kT / (mass * omega * omega));
    for (int x = 0; x < 3; ++x) {
      EXPECT_NEAR(mass * omega * omega * sum2(x) / n / kT, 1.0, 0.05);  // 2.7 standard errors
      EXPECT_LT(std::abs(sum(x) / n), 4 * sigma / std::sqrt(n));
    }
  }
  // sigma_H at 300 K, 1000 cm^-1: sqrt(k_B T / (m w^2)) = 0.083512 Angstrom (by hand).
  EXPECT_NEAR(thermal_sigma(1, ThermalSampling{}) * units::kBohrInAngstrom, 0.083512, 1e-6);
  EXPECT_THROW(thermal_sigma(37, ThermalSampling{}), Error);
}

// The stream is fixed by the C++ standard (seed_seq, mt19937_64) plus our Box–Muller. Values
// checked against an independent Python implementation of those three algorithms.
TEST(ThermalConformers, SeededStreamIsPinned) {
  Molecule hydroxyl = test::molecule_from_xyz_lines("H 0 0 0\nO 0 0 0", 0, 2);
  ThermalSampling s;
  s.seed = 42;
  const auto c = thermal_conformers(hydroxyl, 2, s, 7);
  EXPECT_NEAR(c[0].atoms[0].position.x(), 0.15474441165669545, 1e-13);
  EXPECT_NEAR(c[0].atoms[1].position.y(), 0.051364583248454283, 1e-13);
  EXPECT_NEAR(c[1].atoms[1].position.z(), -0.017869102241769526, 1e-13);
  EXPECT_EQ(c[1].multiplicity, 2);
  const auto again = thermal_conformers(hydroxyl, 2, s, 7), other_stream = thermal_conformers(hydroxyl, 2, s, 8);
  EXPECT_EQ(again[1].atoms[0].position, c[1].atoms[0].position);
  EXPECT_NE(other_stream[0].atoms[0].position, c[0].atoms[0].position);
}

TEST(Split, MoleculeIdentityGroupsConformersAndSeparatesIsomers) {
  auto dir = test::scratch_dir("split_identity");
  DatasetReader r(conformer_dataset(dir, 6));
  const auto ids = identities(r);
  std::set<std::string> distinct;
  for (const auto& [index, id] : ids) distinct.insert(id);
  EXPECT_EQ(distinct.size(), 10u);  // ten molecules, each conformer recognised
  EXPECT_NE(ids.at(r.index(r.size() - 1)), ids.at(r.index(r.size() - 7)));  // dimethyl ether vs ethanol
  EXPECT_EQ(ids.at(r.index(r.size() - 1)).substr(0, 5), "C2H6O");
  EXPECT_EQ(ids.at(r.index(r.size() - 7)).substr(0, 5), "C2H6O");
}

TEST(Split, MoleculeModeKeepsMoleculesTogetherAndIsSeeded) {
  auto dir = test::scratch_dir("split_molecule");
  DatasetReader r(conformer_dataset(dir, 6));
  const auto ids = identities(r);
  SplitOptions o;
  o.train = 0.5;
  o.validation = 0.2;
  o.test = 0.3;
  o.seed = 5;
  const Split s = make_split(r, o);
  // 60 converged entries, 10 molecules of 6: the fractions are met exactly.
  EXPECT_EQ(s.train.size(), 30u);
  EXPECT_EQ(s.validation.size(), 12u);
  EXPECT_EQ(s.test.size(), 18u);
  std::map<std::string, int> split_of;
  std::set<std::int64_t> seen;
  for (int k = 0; k < 3; ++k)
    for (auto index : k == 0 ? s.train : k == 1 ? s.validation : s.test) {
      EXPECT_TRUE(seen.insert(index).second) << index;
      EXPECT_TRUE(r.read(*r.find(index), EntryParts::header).converged) << index;
      auto [it, inserted] = split_of.emplace(ids.at(index), k);
      EXPECT_EQ(it->second, k) << ids.at(index) << " in two splits";
    }
  EXPECT_EQ(seen.size(), 60u);
  const Split same = make_split(r, o);
  EXPECT_EQ(same.train, s.train);
  o.seed = 6;
  EXPECT_NE(make_split(r, o).train, s.train);

  write_split(dir / "split.json", r.path(), o, s);
  const Split back = read_split(dir / "split.json");
  EXPECT_EQ(back.train, s.train);
  EXPECT_EQ(back.test, s.test);
}

TEST(Split, SizeAndEntryModes) {
  auto dir = test::scratch_dir("split_size");
  DatasetReader r(conformer_dataset(dir, 6));
  SplitOptions o;
  o.mode = SplitMode::size;
  const Split s = make_split(r, o);
  auto natoms = [&](std::int64_t index) { return r.read(*r.find(index), EntryParts::header).natoms(); };
  int max_train = 0, min_rest = 1000;
  for (auto i : s.train) max_train = std::max(max_train, natoms(i));
  for (auto i : s.validation) min_rest = std::min(min_rest, natoms(i));
  for (auto i : s.test) min_rest = std::min(min_rest, natoms(i));
  EXPECT_LE(max_train, min_rest);
  EXPECT_EQ(s.train.size() + s.validation.size() + s.test.size(), 60u);

  o.mode = SplitMode::entry;
  const Split e = make_split(r, o);
  EXPECT_EQ(e.train.size(), 48u);
  EXPECT_EQ(e.validation.size(), 6u);
  EXPECT_EQ(e.test.size(), 6u);
  o.train = 0.9;
  EXPECT_THROW(make_split(r, o), Error);
}

TEST(CliSampleSplit, SampleThenSplit) {
  auto dir = test::scratch_dir("cli_sample_split");
  test::write_text(dir / "in.xyz", test::kFourFrames);
  const std::string sample = "data sample " + (dir / "in.xyz").string() + " --count 3 --seed 9 --keep-original --out ";
  auto r = test::run_hamlet(sample + (dir / "a.xyz").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(test::run_hamlet(sample + (dir / "b.xyz").string()).exit_code, 0);
  const auto frames = read_xyz_frames(dir / "a.xyz");
  ASSERT_EQ(frames.size(), 16u);
  EXPECT_EQ(frames[15].multiplicity, 2);  // the hydroxyl radical's conformers keep their spin
  EXPECT_EQ(frames[0].atoms[1].position, read_xyz_frames(dir / "in.xyz")[0].atoms[1].position);
  std::ifstream a(dir / "a.xyz"), b(dir / "b.xyz");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}), std::string(std::istreambuf_iterator<char>(b), {}));

  const fs::path data = conformer_dataset(dir, 6);
  auto s = test::run_hamlet("data split " + data.string() + " --by molecule --seed 5 --train 0.5 --validation 0.2 "
                            "--test 0.3 --out " + (dir / "split.json").string());
  ASSERT_EQ(s.exit_code, 0) << s.output;
  std::ifstream in(dir / "split.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["counts"]["train"], 30);
  EXPECT_EQ(j["mode"], "molecule");
  auto bad = test::run_hamlet("data split " + data.string() + " --by colour --out " + (dir / "x.json").string());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("unknown split mode 'colour'"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir / "x.json"));
}
