// `hamlet data import`: QH9 and SchNOrb/PhiSNet MD17 files written here in their own formats
// (public_formats.hpp) with Fock matrices from hamlet's SCF; the importer must return them in
// hamlet's AO order, agree with hamlet's overlap (the AO-convention proof for md17), and refuse
// bad files with file, row and cause, writing nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <tuple>

#include "chem/xyz.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "data/dataset_reader.hpp"
#include "data/import.hpp"
#include "import_fixtures.hpp"
#include "scf/driver.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
namespace fs = std::filesystem;

namespace {

using namespace hamlet::test;

// The files hold HF matrices, so the Fock check rebuilds F with HF.
data::ImportSummary import(data::ImportFormat format, const fs::path& in, const fs::path& out,
                           const std::function<void(data::ImportOptions&)>& adjust = {}) {
  data::ImportOptions o;
  o.format = format;
  o.input = in;
  o.output = out;
  o.method = "hf";
  o.show_progress = false;
  if (adjust) adjust(o);
  return data::import_dataset(o);
}

std::string import_error(const fs::path& in, const fs::path& out, const std::function<void(data::ImportOptions&)>& adjust) {
  try {
    import(data::ImportFormat::qh9, in, out, adjust);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The imported entries equal the SCF that made the matrices: F, S, H_core, H_sap, D, orbitals.
// Tolerances: float64 files give F exactly; D differs from the SCF's by its convergence (the
// SCF keeps the density F was built from: 2.4e-8 measured). float32 files (schnetpack) carry
// ~1e-6 relative rounding into F, D (4e-7 measured) and orbital energies (1.2e-6 measured).
void expect_entries_match(const fs::path& out, bool float32) {
  const double f_tolerance = float32 ? 1e-5 : 1e-14, d_tolerance = float32 ? 1e-6 : 1e-7,
               eps_tolerance = float32 ? 5e-6 : 1e-12;
  const data::DatasetReader reader(out);
  ASSERT_EQ(reader.size(), references().size());
  for (size_t i = 0; i < reader.size(); ++i) {
    const auto e = reader.read(i);
    const auto& run = references()[i].run;
    EXPECT_EQ(e.index, static_cast<std::int64_t>(i));
    EXPECT_EQ(e.atomic_numbers, references()[i].Z);
    for (int a = 0; a < e.natoms(); ++a)
      EXPECT_LT((e.positions.row(a).transpose() - run.molecule.atoms[a].position).norm(), 1e-9);
    EXPECT_LT((e.fock[0] - run.result.fock[0]).cwiseAbs().maxCoeff(), f_tolerance);
    EXPECT_LT((e.S - run.S).cwiseAbs().maxCoeff(), 1e-13);
    EXPECT_LT((e.H_core - run.H_core).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((e.H_sap - run.H_sap).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_LT((e.density - run.result.total_density()).cwiseAbs().maxCoeff(), d_tolerance);
    EXPECT_LT((e.orbital_energies[0] - run.result.orbital_energies[0]).cwiseAbs().maxCoeff(), eps_tolerance);
    EXPECT_TRUE(std::isnan(e.energy));
    EXPECT_EQ(e.nalpha * 2, run.molecule.electron_count());
  }
}

}  // namespace

TEST(ImportQh9, StableRoundTripInHamletOrder) {
  const auto dir = test::scratch_dir("import_qh9_stable");
  write_qh9(dir / "QH9Stable.db", false);
  const auto s = import(data::ImportFormat::qh9, dir / "QH9Stable.db", dir / "out.h5");
  EXPECT_EQ(s.imported, 2);
  EXPECT_NE(s.layout.find("QH9Stable"), std::string::npos);
  expect_entries_match(dir / "out.h5", false);
  const data::DatasetReader reader(dir / "out.h5");
  EXPECT_EQ(reader.metadata().origin, "import qh9");
  EXPECT_EQ(reader.metadata().settings.method, "hf");
  EXPECT_EQ(reader.metadata().schema_version, data::kSchemaVersion);
  EXPECT_NE(reader.read(0).source.find("row 17 (id 17)"), std::string::npos) << reader.read(0).source;
}

TEST(ImportQh9, DynamicPositionsInBohrAndConvergedFlag) {
  const auto dir = test::scratch_dir("import_qh9_dynamic");
  write_qh9(dir / "QH9Dynamic.db", true);
  const auto s = import(data::ImportFormat::qh9, dir / "QH9Dynamic.db", dir / "out.h5");
  EXPECT_EQ(s.not_converged, 1);
  expect_entries_match(dir / "out.h5", false);
  const data::DatasetReader reader(dir / "out.h5");
  EXPECT_TRUE(reader.read(0).converged);
  EXPECT_FALSE(reader.read(1).converged);
  EXPECT_NE(reader.read(1).source.find("(id 18, geo_id 3)"), std::string::npos) << reader.read(1).source;
  EXPECT_EQ(reader.training_entries(), std::vector<size_t>{0});
}

TEST(ImportMd17, ThreeAseEncodingsAgreeWithHamletOverlap) {
  const auto dir = test::scratch_dir("import_md17");
  for (auto [enc, name, float32] : {std::tuple{AseEncoding::binary, "binary", false},
                                    std::tuple{AseEncoding::json, "json", false},
                                    std::tuple{AseEncoding::schnetpack, "schnetpack", true}}) {
    SCOPED_TRACE(name);
    const fs::path in = dir / (std::string(name) + ".db"), out = dir / (std::string(name) + ".h5");
    write_md17(in, enc);
    const auto s = import(data::ImportFormat::md17, in, out);
    EXPECT_EQ(s.imported, 2);
    // float32 storage (schnetpack) limits the agreement; float64 agrees to rounding.
    EXPECT_GE(s.max_overlap_deviation, 0);
    EXPECT_LT(s.max_overlap_deviation, float32 ? 1e-7 : 1e-14);
    expect_entries_match(out, float32);
  }
}

TEST(ImportMd17, OverlapInAnotherAoOrderIsRefused) {
  const auto dir = test::scratch_dir("import_md17_wrong_order");
  write_md17(dir / "in.db", AseEncoding::binary, /*overlap_in_pyscf_order=*/true);
  try {
    import(data::ImportFormat::md17, dir / "in.db", dir / "out.h5");
    FAIL() << "accepted an overlap in PySCF order";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((dir / "in.db").string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("row id 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("overlap"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
}

// Through the executable: exit code 1, file and row in the message, no output, no leftovers.
TEST(CliImport, BadFilesFailCleanly) {
  const auto dir = test::scratch_dir("cli_import_bad");
  auto leftovers = [&] {
    size_t n = 0;
    for (const auto& p : fs::directory_iterator(dir)) n += p.path().filename().string().find("out.h5") == 0;
    return n;
  };
  struct Case {
    std::string name, format, expect1, expect2;
    std::function<void(const fs::path&)> write;
  };
  const std::vector<Case> cases = {
      {"no_table", "qh9", "no table 'data'", "not a QH9 database",
       [](const fs::path& p) { test::TestDb(p).exec("CREATE TABLE other (x INTEGER)"); }},
      {"not_sqlite", "md17", "not an SQLite database", "not_sqlite.db",
       [](const fs::path& p) { test::write_text(p, "this is not a database, just text that is long enough\n"); }},
      {"ase_without_systems", "md17", "no table 'systems'", "ase_without_systems.db",
       [](const fs::path& p) { test::TestDb(p).exec("CREATE TABLE information (name TEXT, value TEXT)"); }},
      {"short_ham", "qh9", "row 2 (id 2)", "Ham has 80 bytes, expected 24 x 24",
       [](const fs::path& p) {
         test::TestDb db(p);
         test::create_qh9_table(db, false);
         const auto& r = references()[0];
         const auto Z = test::raw_bytes(std::vector<std::int32_t>(r.Z.begin(), r.Z.end()));
         const auto ham = test::raw_bytes(test::row_major(r.run.result.fock[0]));
         for (std::int64_t id : {1, 2})
           db.insert("INSERT INTO data VALUES (?, 3, ?, ?, ?)",
                     {test::TestDb::int_of(id), test::TestDb::blob_of(Z),
                      test::TestDb::blob_of(test::raw_bytes(r.pos_angstrom)),
                      test::TestDb::blob_of(id == 1 ? ham : ham.substr(0, 80))});
       }},
      {"unknown_element", "qh9", "row 1 (id 1)", "unknown element Z = 200",
       [](const fs::path& p) {
         test::TestDb db(p);
         test::create_qh9_table(db, false);
         db.insert("INSERT INTO data VALUES (1, 1, ?, ?, ?)",
                   {test::TestDb::blob_of(test::raw_bytes(std::vector<std::int32_t>{200})),
                    test::TestDb::blob_of(test::raw_bytes(std::vector<double>(3, 0.0))),
                    test::TestDb::blob_of(std::string(8, '\0'))});
       }},
      {"element_without_def2svp_functions", "md17", "row id 1", "basis 'def2-svp' has no functions for element Og (Z = 118",
       [](const fs::path& p) {
         test::TestDb db(p);
         test::create_ase_tables(db, 9);
         test::insert_ase_row(db, {118}, {0, 0, 0}, test::TestDb::blob_of(test::ase_binary_data({})));
       }},
      {"missing_overlap", "md17", "row id 1", "data has no 'overlap' array",
       [](const fs::path& p) {
         test::TestDb db(p);
         test::create_ase_tables(db, 9);
         const auto& r = references()[0];
         test::insert_ase_row(db, r.Z, r.pos_angstrom,
                              test::TestDb::blob_of(test::ase_binary_data({{"hamiltonian", r.run.result.fock[0]}})));
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path in = dir / (c.name + ".db");
    c.write(in);
    const auto r = test::run_hamlet("data import " + c.format + " " + in.string() + " --out " +
                                    (dir / "out.h5").string() + " --check-fock 0 --quiet");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(in.string()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.expect1), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.expect2), std::string::npos) << r.output;
    EXPECT_EQ(leftovers(), 0u) << "output or temporary file left behind";
  }
}

TEST(CliImport, ImportsAndInfoShowsOrigin) {
  const auto dir = test::scratch_dir("cli_import_ok");
  write_qh9(dir / "QH9Stable.db", false);
  const auto r = test::run_hamlet("data import qh9 " + (dir / "QH9Stable.db").string() + " --out " +
                                  (dir / "out.h5").string() + " --limit 1 --method hf --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("imported 1 of 2 rows"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Fock check (1 entries)"), std::string::npos) << r.output;
  const auto info = test::run_hamlet("data info " + (dir / "out.h5").string());
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("import qh9: QH9Stable"), std::string::npos) << info.output;
  // datagen must not add hamlet SCF entries to an imported dataset.
  test::write_text(dir / "w.xyz", "3\nwater\nO 0 0 0.117790\nH 0 0.755453 -0.471161\nH 0 -0.755453 -0.471161\n");
  const auto gen = test::run_hamlet("datagen " + (dir / "w.xyz").string() + " --basis def2-svp --method b3lyp --out " +
                                    (dir / "out.h5").string() + " --quiet");
  EXPECT_EQ(gen.exit_code, 1) << gen.output;
  EXPECT_NE(gen.output.find("origin is import qh9 there but hamlet datagen here"), std::string::npos) << gen.output;
}

// Without an overlap in the file (QH9), hamlet's Fock build from the imported F's density is
// what catches a wrong AO order, length unit or functional; a right file passes to SCF accuracy.
TEST(ImportQh9, FockCheckCatchesWrongConventions) {
  const auto dir = test::scratch_dir("import_qh9_fock_check");
  write_qh9(dir / "right.db", false);
  const auto s = import(data::ImportFormat::qh9, dir / "right.db", dir / "out.h5", [](auto& o) { o.check_fock = 2; });
  EXPECT_EQ(s.fock_checked, 2);
  EXPECT_LT(s.max_fock_deviation, 1e-5);  // the reference SCF's convergence
  fs::remove(dir / "out.h5");

  {  // F stored in hamlet's order instead of PySCF's
    test::TestDb db(dir / "hamlet_order.db");
    test::create_qh9_table(db, false);
    const auto& r = references()[0];
    db.insert("INSERT INTO data VALUES (5, 3, ?, ?, ?)",
              {test::TestDb::blob_of(test::raw_bytes(std::vector<std::int32_t>(r.Z.begin(), r.Z.end()))),
               test::TestDb::blob_of(test::raw_bytes(r.pos_angstrom)),
               test::TestDb::blob_of(test::raw_bytes(test::row_major(r.run.result.fock[0])))});
  }
  std::string msg = import_error(dir / "hamlet_order.db", dir / "out.h5", {});
  EXPECT_NE(msg.find("row 5 (id 5): hamlet's hf Fock matrix"), std::string::npos) << msg;
  EXPECT_NE(msg.find("AO order"), std::string::npos) << msg;
  msg = import_error(dir / "right.db", dir / "out.h5", [](auto& o) { o.length_unit = "bohr"; });
  EXPECT_NE(msg.find("row 17 (id 17)"), std::string::npos) << msg;
  msg = import_error(dir / "right.db", dir / "out.h5", [](auto& o) { o.method = "b3lyp"; });
  EXPECT_NE(msg.find("hamlet's b3lyp Fock matrix"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
  // Without the check the hamlet-order file would be imported silently (why the check is on).
  EXPECT_EQ(import(data::ImportFormat::qh9, dir / "hamlet_order.db", dir / "out.h5", [](auto& o) { o.check_fock = 0; })
                .imported,
            1);
}
