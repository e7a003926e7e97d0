// `hamlet data export --npz`: the archive's matrices equal the PySCF-order matrices QH9 stores
// (and Psi4/hamlet order on request); Python's zipfile accepts the archive (CRCs, ZIP64) and
// numpy loads it when importable.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "data/import.hpp"
#include "import_fixtures.hpp"
#include "io/npy.hpp"
#include "io/npz.hpp"
#include "support/run_command.hpp"

using namespace hamlet;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t le(const std::string& b, size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(b.at(at + k));
  return v;
}

// Member `name` of a stored (uncompressed) ZIP archive, found by walking its local headers.
Eigen::MatrixXd npz_member(const fs::path& npz, const std::string& name) {
  const std::string zip = read_all(npz);
  size_t at = 0;
  while (at + 30 <= zip.size() && le(zip, at, 4) == 0x04034b50) {
    std::uint64_t size = le(zip, at + 18, 4);
    const size_t name_len = le(zip, at + 26, 2), extra_len = le(zip, at + 28, 2);
    const std::string member = zip.substr(at + 30, name_len);
    if (size == 0xffffffff) size = le(zip, at + 30 + name_len + 4, 8);  // ZIP64 extra
    const size_t data = at + 30 + name_len + extra_len;
    if (member == name + ".npy") {
      const fs::path tmp = npz.parent_path() / "member.npy";
      std::ofstream(tmp, std::ios::binary) << zip.substr(data, size);
      return io::read_npy(tmp);
    }
    at = data + size;
  }
  throw std::runtime_error("no member " + name + " in " + npz.string());
}

// A python3 that can import `module`, or empty.
std::string python_with(const std::string& module) {
  for (const char* py : {"python3", "/usr/bin/python3"})
    if (std::system((std::string(py) + " -c 'import " + module + "' >/dev/null 2>&1").c_str()) == 0) return py;
  return {};
}

int run_python(const std::string& python, const std::string& code) {
  return std::system((python + " -c \"" + code + "\"").c_str());
}

fs::path imported_dataset(const fs::path& dir) {
  test::write_qh9(dir / "QH9Stable.db", false);
  data::ImportOptions o;
  o.input = dir / "QH9Stable.db";
  o.output = dir / "data.h5";
  o.method = "hf";  // the file holds HF matrices (checked by the Fock check)
  o.show_progress = false;
  data::import_dataset(o);
  return o.output;
}

}  // namespace

TEST(CliExport, NpzMatricesEqualReferenceOrders) {
  const auto dir = test::scratch_dir("cli_export_orders");
  const fs::path h5 = imported_dataset(dir);
  for (const char* order : {"pyscf", "psi4", "hamlet"}) {
    SCOPED_TRACE(order);
    const fs::path npz = dir / (std::string(order) + ".npz");
    const std::string extra = std::string(order) == "pyscf" ? "" : std::string(" --order ") + order;
    const auto r = test::run_hamlet("data export " + h5.string() + " --npz " + npz.string() + extra + " --quiet");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("2 entries"), std::string::npos) << r.output;
    for (size_t i = 0; i < test::references().size(); ++i) {
      const auto& ref = test::references()[i];
      const Eigen::MatrixXd& F = ref.run.result.fock[0];
      // PySCF: the order QH9 stores (datasets.py); Psi4: m = 0, +1, -1, ... as ORCA for l <= 2.
      const Eigen::MatrixXd want = std::string(order) == "hamlet"
                                       ? F
                                       : test::to_file_order(F, test::file_positions(ref.Z, std::string(order) == "psi4"));
      const std::string key = "0000000" + std::to_string(i) + "/";
      EXPECT_LT((npz_member(npz, key + "F") - want).cwiseAbs().maxCoeff(), 1e-14);
      const Eigen::MatrixXd Z = npz_member(npz, key + "positions");
      EXPECT_EQ(Z.rows(), static_cast<long>(ref.Z.size()));
    }
  }
}

TEST(CliExport, PythonReadsTheArchive) {
  const std::string python = python_with("zipfile");
  if (python.empty()) GTEST_SKIP() << "no python3 on PATH: cannot check the archive with Python's zipfile";
  const auto dir = test::scratch_dir("cli_export_python");
  const fs::path h5 = imported_dataset(dir), npz = dir / "data.npz";
  ASSERT_EQ(test::run_hamlet("data export " + h5.string() + " --npz " + npz.string() + " --quiet").exit_code, 0);
  // testzip() checks every member's CRC-32 and headers.
  EXPECT_EQ(run_python(python, "import zipfile, sys; z = zipfile.ZipFile('" + npz.string() +
                                   "'); sys.exit(z.testzip() is not None or '00000001/F.npy' not in z.namelist())"),
            0);
  const std::string numpy = python_with("numpy");
  if (numpy.empty()) GTEST_SKIP() << "numpy is not importable by python3 or /usr/bin/python3: npz load not checked";
  const Eigen::MatrixXd want = test::to_file_order(test::references()[1].run.result.fock[0],
                                                   test::file_positions(test::references()[1].Z, false));
  io::write_npy(dir / "want.npy", want);
  EXPECT_EQ(run_python(numpy, "import numpy as np, sys; z = np.load('" + npz.string() + "'); w = np.load('" +
                                  (dir / "want.npy").string() +
                                  "'); ok = abs(z['00000001/F'] - w).max() < 1e-14 and str(z['ao_order']).startswith("
                                  "'pyscf') and list(z['index']) == [0, 1] and z['00000001/atomic_numbers'].dtype == "
                                  "np.int32 and np.isnan(z['00000000/energy'][0]); sys.exit(0 if ok else 1)"),
            0);
}

TEST(Npz, Zip64RecordsAreValid) {
  const std::string python = python_with("zipfile");
  if (python.empty()) GTEST_SKIP() << "no python3 on PATH: cannot check ZIP64 records with Python's zipfile";
  const auto dir = test::scratch_dir("npz_zip64");
  {
    io::NpzWriter w(dir / "z.npz", /*always_zip64=*/true);
    w.add("a", Eigen::MatrixXd(Eigen::MatrixXd::Identity(3, 2)));
    w.add("b", std::vector<std::int32_t>{1, 2, 3});
    w.add_text("c", "hello");
    w.commit();
  }
  EXPECT_EQ(run_python(python, "import zipfile, sys; z = zipfile.ZipFile('" + (dir / "z.npz").string() +
                                   "'); sys.exit(z.testzip() is not None or z.namelist() != ['a.npy', 'b.npy', 'c.npy'])"),
            0);
  const std::string numpy = python_with("numpy");
  if (numpy.empty()) GTEST_SKIP() << "numpy is not importable: ZIP64 archive not loaded with numpy";
  EXPECT_EQ(run_python(numpy, "import numpy as np, sys; z = np.load('" + (dir / "z.npz").string() +
                                  "'); sys.exit(0 if (z['a'] == np.eye(3, 2)).all() and list(z['b']) == [1, 2, 3] "
                                  "and str(z['c']) == 'hello' else 1)"),
            0);
}

TEST(Npz, Crc32MatchesKnownValue) {
  // The CRC-32 check value of "123456789" (ISO 3309 / ITU-T V.42).
  EXPECT_EQ(io::crc32("123456789", 9), 0xcbf43926u);
}
