#include <gtest/gtest.h>

#include "core/error.hpp"
#include "equivariant/irreps.hpp"

namespace hamlet::equivariant {
namespace {

TEST(Irreps, ParsesE3nnStrings) {
  Irreps irreps("32x0e+16x1o+8x2e");
  ASSERT_EQ(irreps.size(), 3u);
  EXPECT_EQ(irreps[0].mul, 32);
  EXPECT_EQ(irreps[1].ir, Irrep(1, -1));
  EXPECT_EQ(irreps[2].ir, Irrep(2, 1));
  EXPECT_EQ(irreps.dim(), 32 + 16 * 3 + 8 * 5);
  EXPECT_EQ(irreps.num_irreps(), 56);
  EXPECT_EQ(irreps.lmax(), 2);
  EXPECT_EQ(irreps.str(), "32x0e+16x1o+8x2e");
}

TEST(Irreps, AcceptsSpacesImplicitMultiplicityAndSphericalParity) {
  Irreps irreps(" 0e + 1o+ 2x3y + 0x2e ");
  ASSERT_EQ(irreps.size(), 4u);
  EXPECT_EQ(irreps[0].mul, 1);
  EXPECT_EQ(irreps[2].ir, Irrep(3, -1));
  EXPECT_EQ(irreps[3].mul, 0);
  EXPECT_EQ(irreps.dim(), 1 + 3 + 14);
  EXPECT_TRUE(Irreps("").empty());
  EXPECT_EQ(Irreps::spherical_harmonics(3).str(), "1x0e+1x1o+1x2e+1x3o");
}

TEST(Irreps, SlicesFollowTheLayout) {
  Irreps irreps("2x0e+3x1o+1x2e");
  EXPECT_EQ(irreps.slice(0).start, 0);
  EXPECT_EQ(irreps.slice(0).size, 2);
  EXPECT_EQ(irreps.slice(1).start, 2);
  EXPECT_EQ(irreps.slice(1).size, 9);
  EXPECT_EQ(irreps.slice(2).start, 11);
  EXPECT_EQ(irreps.slice(2).stop(), 16);
}

TEST(Irreps, RejectsMalformedStrings) {
  for (const char* bad : {"32x", "x0e", "3x1", "1q", "+1o", "1o+", "1o++2e", "-1x0e", "ax0e",
                          "1.5x0e", "e", "-1e"}) {
    EXPECT_THROW(Irreps{bad}, Error) << bad;
  }
  try {
    Irreps("4x1q");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1q"), std::string::npos) << e.what();
  }
}

TEST(Irreps, SortAndSimplify) {
  Irreps irreps("1o+0e+1e+0e+1o+0x3e");
  auto sorted = irreps.sort();
  EXPECT_EQ(sorted.irreps.str(), "1x0e+1x0e+1x1e+1x1o+1x1o+0x3e");
  ASSERT_EQ(sorted.perm.size(), 6u);
  for (size_t i = 0; i < sorted.perm.size(); ++i) {
    EXPECT_EQ(sorted.irreps[i], irreps[sorted.perm[i]]);
    EXPECT_EQ(sorted.inv[sorted.perm[i]], static_cast<int>(i));
  }
  EXPECT_EQ(irreps.simplify().str(), "1x1o+1x0e+1x1e+1x0e+1x1o");
  EXPECT_EQ(Irreps("1o+1o+0e+0x2e+0e").simplify().str(), "2x1o+2x0e");
  EXPECT_EQ(irreps.canonical().str(), "2x0e+1x1e+2x1o");
  EXPECT_EQ(irreps.count(Irrep("1o")), 2);
}

TEST(Irrep, ProductObeysTriangleAndParity) {
  auto prod = Irrep("1o") * Irrep("2e");
  ASSERT_EQ(prod.size(), 3u);
  EXPECT_EQ(prod[0], Irrep("1o"));
  EXPECT_EQ(prod[2], Irrep("3o"));
  EXPECT_TRUE(Irrep("0e") < Irrep("0o"));
  EXPECT_TRUE(Irrep("0o") < Irrep("1e"));
}

}  // namespace
}  // namespace hamlet::equivariant
