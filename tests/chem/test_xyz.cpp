#include <gtest/gtest.h>

#include <sstream>

#include "chem/xyz.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

using namespace hamlet;

namespace {
std::vector<Molecule> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_xyz_frames(in, "mol.xyz");
}
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Xyz, AngstromInBohrInside) {
  auto m = parse("2\nH2\nH 0 0 0\nH 0 0 0.74\n").front();
  ASSERT_EQ(m.natoms(), 2);
  EXPECT_EQ(m.atoms[1].Z, 1);
  // 0.74 Å / 0.529177210903 Å/Bohr (CODATA 2018)
  EXPECT_NEAR(m.atoms[1].position.z(), 1.398397332223, 1e-11);
  EXPECT_EQ(m.charge, 0);
  EXPECT_EQ(m.multiplicity, 1);
}

TEST(Xyz, MultiFrameExtxyzWithChargeMultiplicityAndProperties) {
  auto frames = parse(
      "1\ncharge=0 multiplicity=2 comment=\"radical\"\nH 0 0 0\n"
      "2\nProperties=species:S:1:forces:R:3:pos:R:3 charge=1 multiplicity=2 pbc=\"F F F\"\n"
      "H 9 9 9 0 0 0\nH 9 9 9 0 0 1.0\n");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].multiplicity, 2);
  EXPECT_EQ(frames[1].charge, 1);
  EXPECT_EQ(frames[1].electron_count(), 1);
  EXPECT_NEAR(frames[1].atoms[1].position.z(), units::kAngstromToBohr, 1e-12);  // pos after forces
  EXPECT_NO_THROW(frames[1].check_spin());
}

TEST(Xyz, ElementCaseAndAtomicNumbers) {
  auto m = parse("3\n\nCL 0 0 0\nc 1 0 0\n8 2 0 0\n").front();
  EXPECT_EQ(m.atoms[0].Z, 17);
  EXPECT_EQ(m.atoms[1].Z, 6);
  EXPECT_EQ(m.atoms[2].Z, 8);
}

TEST(Xyz, MalformedInputNamesFileAndLine) {
  EXPECT_NE(error_of("2\n\nH 0 0 0\nH 0 zero 0\n").find("mol.xyz:4"), std::string::npos);
  EXPECT_NE(error_of("2\n\nH 0 0 0\nXx 0 0 0\n").find("unknown element 'Xx'"), std::string::npos);
  EXPECT_NE(error_of("3\n\nH 0 0 0\nH 0 0 1\n").find("file ends after 2 of 3 atoms"), std::string::npos);
  EXPECT_NE(error_of("two\n\nH 0 0 0\n").find("mol.xyz:1"), std::string::npos);
  EXPECT_NE(error_of("1\n\nH 0 0 nan\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("1\ncharge=0.5\nH 0 0 0\n").find("mol.xyz:2"), std::string::npos);
}

TEST(Molecule, SpinConsistency) {
  auto m = parse("1\n\nH 0 0 0\n").front();
  EXPECT_THROW(m.check_spin(), Error);  // 1 electron, singlet
  m.multiplicity = 2;
  EXPECT_NO_THROW(m.check_spin());
  m.multiplicity = 4;
  EXPECT_THROW(m.check_spin(), Error);  // 3 unpaired > 1 electron
}

TEST(Molecule, NuclearRepulsion) {
  // H2 at 1.4 Bohr: 1/1.4
  Molecule m;
  m.atoms = {{1, {0, 0, 0}}, {1, {0, 0, 1.4}}};
  EXPECT_NEAR(m.nuclear_repulsion_energy(), 1.0 / 1.4, 1e-15);
  m.atoms[1].position.setZero();
  EXPECT_THROW(m.nuclear_repulsion_energy(), Error);
}

TEST(Xyz, FormatRoundTrip) {
  auto m = parse("2\ncharge=-1 multiplicity=2\nO 0 0 0\nH 0.1 0.2 0.97\n").front();
  auto back = parse(format_xyz(m)).front();
  EXPECT_EQ(back.charge, -1);
  EXPECT_EQ(back.multiplicity, 2);
  EXPECT_LT((back.atoms[1].position - m.atoms[1].position).norm(), 1e-9);
}
