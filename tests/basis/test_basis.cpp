#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "basis/ao_order.hpp"
#include "basis/basis_library.hpp"
#include "basis/gaussian94.hpp"
#include "core/error.hpp"
#include "support/molecules.hpp"

using namespace hamlet;

namespace {
const char* kWater = "O 0 0 0.117790\nH 0 0.755453 -0.471161\nH 0 -0.755453 -0.471161";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Gaussian94, ParsesShellsSpShellsAndEcpBlocks) {
  std::istringstream in(
      "spherical\n! comment\n****\nH 0\nS 2 1.00\n 1.0D+00 0.5\n 0.5 0.5\n****\n"
      "C 0\nSP 1 1.00\n 0.3 0.2 0.4\nD 1 1.00\n 0.8 1.0\n****\n"
      "RB 0\nRB-ECP 1 28\ns-ul potential\n 1\n2 1.0 2.0\n");
  auto lib = parse_gaussian94(in, "mini.gbs");
  ASSERT_EQ(lib.shells.at(1).size(), 1u);
  EXPECT_DOUBLE_EQ(lib.shells.at(1)[0].exponents[0], 1.0);  // Fortran D exponent
  ASSERT_EQ(lib.shells.at(6).size(), 3u);                   // SP -> s + p, then d
  EXPECT_EQ(lib.shells.at(6)[1].l, 1);
  EXPECT_DOUBLE_EQ(lib.shells.at(6)[1].coefficients[0], 0.4);
  EXPECT_EQ(lib.shells.at(6)[2].l, 2);
  EXPECT_TRUE(lib.ecp_elements.count(37));
}

TEST(Gaussian94, MalformedFilesNameTheLine) {
  auto err = [](const std::string& text) {
    return error_of([&] {
      std::istringstream in(text);
      parse_gaussian94(in, "bad.gbs");
    });
  };
  EXPECT_NE(err("****\nH 0\nS 2 1.00\n 1.0 0.5\n****\n").find("bad.gbs:5"), std::string::npos);
  EXPECT_NE(err("****\nH 0\nS 1 1.00\n 1.0 zz\n").find("bad.gbs:4"), std::string::npos);
  EXPECT_NE(err("****\nH 0\nQ 1 1.00\n 1.0 1.0\n").find("unknown angular momentum"), std::string::npos);
  EXPECT_NE(err("****\nQq 0\n").find("unknown element 'Qq'"), std::string::npos);
  EXPECT_NE(err("****\nH 0\nS 1 1.0\n -1.0 1.0\n").find("exponent must be positive"), std::string::npos);
}

// An error inside one element's block leaves the other elements usable; the element itself
// reports the file's line and the cause when it is used.
TEST(Gaussian94, MalformedBlockSparesTheOtherElements) {
  std::istringstream in(
      "****\nH 0\nS 1 1.00\n 1.0 1.0\n****\n"
      "He 0\nS 1 1.00\n 2.0 1.0\nF 1 1.00\n .85\nP 1 1.00\n 0.5 1.0\n****\n"  // He: line 10
      "Li 0\nS 2 1.00\n 3.0 0.5\n****\n"                                       // Li: the terminator, line 17
      "Be 0\nS 1 1.00\n 4.0 1.0\n****\n"
      "B 0\nS 1 1.00\n 4.5 1.0\n****\nB 0\nS 1 1.00\n 5.0 1.0\n****\n");  // B twice: line 26
  const BasisLibrary lib = parse_gaussian94(in, "mixed.gbs");
  EXPECT_EQ(lib.shells.size(), 2u);  // H and Be
  EXPECT_EQ(lib.shells.at(4).at(0).exponents, std::vector<double>{4.0});
  EXPECT_EQ(lib.unusable_reason(1), "");
  EXPECT_NE(lib.unusable_reason(5).find("line 26: element B appears twice"), std::string::npos)
      << lib.unusable_reason(5);
  EXPECT_NE(lib.unusable_reason(2).find("line 10: expected 'exponent coefficient', found ' .85'"), std::string::npos)
      << lib.unusable_reason(2);
  EXPECT_NE(lib.unusable_reason(3).find("line 17"), std::string::npos) << lib.unusable_reason(3);
  EXPECT_NE(lib.unusable_reason(6).find("no functions for element C"), std::string::npos);
  // A file whose only block is malformed is an error at parse time (the cases above).
}

// Psi4's def2-TZVPP and def2-QZVP files have a malformed Rb block (an f exponent without its
// coefficient; Debian psi4-data 1.3.2); water must still load from them.
TEST(BasisLibrary, Psi4FilesWithAMalformedBlockServeTheOtherElements) {
  auto mol = test::molecule_from_xyz_lines(kWater);
  EXPECT_EQ(load_basis(mol, "def2-tzvpp").max_l, 3);
  EXPECT_EQ(load_basis(mol, "def2-qzvp").max_l, 4);
}

// Every file of Psi4's basis library reads (0.5 s for 523 files); before per-element errors,
// 11 of them failed as a whole for one bad block, def2-TZVPP and def2-QZVP among them.
TEST(Gaussian94, EveryPsi4LibraryFileReads) {
  const std::filesystem::path dir = "/usr/share/psi4/basis";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".gbs") continue;
    ++files;
    EXPECT_NO_THROW(read_gaussian94(e.path())) << e.path();
  }
  EXPECT_GT(files, 500);
  const BasisLibrary tzvpp = read_gaussian94(dir / "def2-tzvpp.gbs");
  EXPECT_EQ(tzvpp.malformed.count(37), 1u);  // Rb (an ECP element too: that is reported first)
  EXPECT_EQ(tzvpp.malformed.at(37).line, 1690);
}

TEST(BasisLibrary, NamesMapToPsi4FileNames) {
  EXPECT_EQ(basis_file_stem("6-31G*"), "6-31gs");
  EXPECT_EQ(basis_file_stem("6-31+G(d,p)"), "6-31pg_d_p_");
  EXPECT_EQ(basis_file_stem("def2-SVP"), "def2-svp");
  EXPECT_EQ(default_jkfit_basis("def2-svp"), "def2-universal-jkfit");
  EXPECT_EQ(default_jkfit_basis("cc-pvdz"), "cc-pvdz-jkfit");
}

TEST(BasisLibrary, WaterDef2SvpHas24Functions) {
  // Psi4 1.3.2: water/def2-SVP nbf = 24 (reference set)
  auto mol = test::molecule_from_xyz_lines(kWater);
  auto b = load_basis(mol, "def2-svp");
  EXPECT_EQ(b.nbf, 24);
  EXPECT_EQ(b.atom_ao_begin, (std::vector<int>{0, 14, 19, 24}));
  EXPECT_EQ(b.max_l, 2);
  auto tz = load_basis(mol, "def2-tzvp");
  EXPECT_EQ(tz.max_l, 3);  // O has f functions in def2-TZVP
}

TEST(BasisLibrary, HelpfulErrors) {
  auto mol = test::molecule_from_xyz_lines(kWater);
  EXPECT_NE(error_of([&] { load_basis(mol, "def9-nonsense"); }).find("unknown basis set 'def9-nonsense'"),
            std::string::npos);
  auto rb = test::molecule_from_xyz_lines("Rb 0 0 0\nH 0 0 2.4");
  EXPECT_NE(error_of([&] { load_basis(rb, "def2-svp"); }).find("effective core potential"), std::string::npos);
  // A file that lacks oxygen.
  auto dir = std::filesystem::temp_directory_path() / "hamlet_basis_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "honly.gbs") << "****\nH 0\nS 1 1.00\n 1.0 1.0\n****\n";
  EXPECT_NE(error_of([&] { load_basis(mol, (dir / "honly.gbs").string()); }).find("no functions for element O"),
            std::string::npos);
  // HAMLET_BASIS_PATH is searched before Psi4's library.
  setenv("HAMLET_BASIS_PATH", dir.c_str(), 1);
  auto h2 = test::molecule_from_xyz_lines("H 0 0 0\nH 0 0 0.74");
  EXPECT_EQ(load_basis(h2, "honly").nbf, 2);
  unsetenv("HAMLET_BASIS_PATH");
}

TEST(AoOrder, PermutationsWithinShells) {
  auto mol = test::molecule_from_xyz_lines("O 0 0 0");
  auto b = load_basis(mol, "def2-svp");  // O: s s s p p d
  auto psi4 = ao_permutation(b, AoOrder::psi4);
  auto pyscf = ao_permutation(b, AoOrder::pyscf);
  // first p shell starts at AO 3: hamlet (y, z, x) -> Psi4 (z, x, y), PySCF (x, y, z)
  EXPECT_EQ(std::vector<int>(psi4.begin() + 3, psi4.begin() + 6), (std::vector<int>{4, 5, 3}));
  EXPECT_EQ(std::vector<int>(pyscf.begin() + 3, pyscf.begin() + 6), (std::vector<int>{5, 3, 4}));
  // d shell at 9..13 (m=-2..2): Psi4 m = 0, +1, -1, +2, -2
  EXPECT_EQ(std::vector<int>(psi4.begin() + 9, psi4.end()), (std::vector<int>{11, 12, 10, 13, 9}));
  Eigen::MatrixXd m = Eigen::MatrixXd::Random(b.nbf, b.nbf);
  EXPECT_EQ(from_ao_order(to_ao_order(m, b, AoOrder::psi4), b, AoOrder::psi4), m);
}
