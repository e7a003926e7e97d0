#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "grid/radial_grid.hpp"

namespace {
using namespace hamlet::grid;

double integrate(const RadialGrid& g, const std::function<double(double)>& f) {
  double s = 0.0;
  for (int i = 0; i < g.size(); ++i) s += g.w[i] * f(g.r[i]);
  return s;
}

// integral_0^inf r^2 exp(-a r^2) dr = sqrt(pi) / (4 a^{3/2})
double gaussian_moment(double a) { return std::sqrt(M_PI) / (4.0 * std::pow(a, 1.5)); }

TEST(RadialGrid, TreutlerIntegratesGaussiansAndSlatersOfAllWidths) {
  // Carbon scale, 75 points (Psi4's default count); exponents from products of diffuse
  // valence to core (def2-SVP C 1s: 1238) primitives. The outermost point is at 22 Bohr, so
  // much more diffuse functions (a < 0.05) are cut off.
  const RadialGrid g = make_radial_grid(RadialScheme::Treutler, 75, bragg_slater_radius(6), 6);
  EXPECT_NEAR(g.r.front(), 22.4, 0.1);
  const std::vector<std::pair<double, double>> gaussian_tolerance = {
      {0.1, 1e-12}, {1.0, 1e-12}, {10.0, 1e-12}, {100.0, 1e-11}, {1000.0, 1e-9}, {5000.0, 1e-7}};
  for (const auto& [a, tol] : gaussian_tolerance) {
    const double exact = gaussian_moment(a);
    EXPECT_NEAR(integrate(g, [a](double r) { return std::exp(-a * r * r); }) / exact, 1.0, tol)
        << "a=" << a;
  }
  // integral_0^inf r^2 exp(-z r) dr = 2 / z^3 (nuclear cusp, slow decay).
  for (double z : {1.0, 2.0, 12.0}) {
    EXPECT_NEAR(integrate(g, [z](double r) { return std::exp(-z * r); }) * z * z * z / 2.0, 1.0, 1e-8)
        << "zeta=" << z;
  }
}

TEST(RadialGrid, AllSchemesConvergeAndOrderPointsOutermostFirst) {
  for (RadialScheme scheme : {RadialScheme::Treutler, RadialScheme::Becke, RadialScheme::MuraKnowles}) {
    for (int Z : {1, 8, 11}) {
      const RadialGrid g = make_radial_grid(scheme, 99, bragg_slater_radius(Z), Z);
      ASSERT_EQ(g.size(), 99);
      for (int i = 0; i < g.size(); ++i) {
        EXPECT_GT(g.w[i], 0.0);
        if (i > 0) {
          EXPECT_LT(g.r[i], g.r[i - 1]) << to_string(scheme);
        }
      }
      for (double a : {0.3, 1.0, 100.0}) {
        const double v = integrate(g, [a](double r) { return std::exp(-a * r * r); });
        EXPECT_NEAR(v / gaussian_moment(a), 1.0, 1e-7) << to_string(scheme) << " Z=" << Z << " a=" << a;
      }
    }
  }
}

TEST(RadialGrid, MorePointsAreMoreAccurate) {
  // A tight core-like Gaussian: the error must fall with the number of points.
  const double a = 3000.0, exact = gaussian_moment(a);
  double previous = 1.0;
  for (int n : {20, 40, 80}) {
    const RadialGrid g = make_radial_grid(RadialScheme::Treutler, n, bragg_slater_radius(8), 8);
    const double err = std::abs(integrate(g, [a](double r) { return std::exp(-a * r * r); }) / exact - 1);
    EXPECT_LT(err, previous);
    previous = err;
  }
  EXPECT_LT(previous, 1e-8);
}

TEST(RadialGrid, AtomicRadiiAgreeWithSlater1964) {
  // Slater, JCP 41, 3199 (1964), Angstrom: C 0.70, O 0.60, Cl 1.00, Br 1.15;
  // H is taken as 0.35 (Treutler's and Psi4's convention).
  const double a0 = hamlet::units::kBohrInAngstrom;
  EXPECT_NEAR(bragg_slater_radius(6) * a0, 0.70, 1e-3);
  EXPECT_NEAR(bragg_slater_radius(8) * a0, 0.60, 1e-3);
  EXPECT_NEAR(bragg_slater_radius(17) * a0, 1.00, 1e-3);
  EXPECT_NEAR(bragg_slater_radius(35) * a0, 1.15, 1e-3);
  EXPECT_NEAR(bragg_slater_radius(1) * a0, 0.35, 1e-3);
  EXPECT_GT(bragg_slater_radius(86), 1.0);
  EXPECT_THROW(bragg_slater_radius(87), hamlet::Error);
  EXPECT_THROW(bragg_slater_radius(0), hamlet::Error);
  // Treutler & Ahlrichs Table I.
  EXPECT_DOUBLE_EQ(treutler_xi(1), 0.8);
  EXPECT_DOUBLE_EQ(treutler_xi(6), 1.1);
  EXPECT_DOUBLE_EQ(treutler_xi(36), 0.9);
}

TEST(RadialGrid, SchemeNames) {
  EXPECT_EQ(parse_radial_scheme("TREUTLER"), RadialScheme::Treutler);
  EXPECT_EQ(parse_radial_scheme("Becke"), RadialScheme::Becke);
  EXPECT_EQ(parse_radial_scheme("mura"), RadialScheme::MuraKnowles);
  EXPECT_THROW(parse_radial_scheme("lebedev"), hamlet::Error);
  EXPECT_THROW(make_radial_grid(RadialScheme::Treutler, 0, 1.0, 1), hamlet::Error);
}

}  // namespace
