#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "xc/functional.hpp"

namespace {
using hamlet::xc::Functional;

// Dirac/Slater exchange of the uniform gas: eps_x = -(3/4) (3/pi)^{1/3} rho^{1/3}.
const double kCx = 0.75 * std::cbrt(3.0 / M_PI);

TEST(Functional, UnknownNameListsTheValidOnes) {
  try {
    Functional::from_name("b3lpy");
    FAIL() << "expected hamlet::Error";
  } catch (const hamlet::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("b3lpy"), std::string::npos);
    for (const char* name : {"svwn", "pbe", "blyp", "b3lyp", "pbe0", "hf"})
      EXPECT_NE(msg.find(name), std::string::npos) << name << " missing from: " << msg;
  }
  EXPECT_THROW(Functional::from_name(""), hamlet::Error);
  EXPECT_THROW(Functional::from_name("lda_x+nonsense"), hamlet::Error);
  // meta-GGAs are refused rather than silently mis-evaluated
  EXPECT_THROW(Functional::from_name("mgga_x_scan"), hamlet::Error);
}

TEST(Functional, ExactExchangeFractionsAndFamilies) {
  // B3LYP: 20% HF exchange (Becke, JCP 98, 5648 (1993)); PBE0: 25% (Adamo & Barone, JCP 110,
  // 6158 (1999)).
  EXPECT_DOUBLE_EQ(Functional::from_name("b3lyp").exact_exchange_fraction(), 0.2);
  EXPECT_DOUBLE_EQ(Functional::from_name("PBE0").exact_exchange_fraction(), 0.25);
  EXPECT_DOUBLE_EQ(Functional::from_name("pbe").exact_exchange_fraction(), 0.0);
  EXPECT_DOUBLE_EQ(Functional::from_name("svwn").exact_exchange_fraction(), 0.0);
  EXPECT_DOUBLE_EQ(Functional::from_name("blyp").exact_exchange_fraction(), 0.0);
  EXPECT_FALSE(Functional::from_name("b3lyp").exact_exchange().range_separated());
  const Functional hf = Functional::from_name("hf");
  EXPECT_DOUBLE_EQ(hf.exact_exchange_fraction(), 1.0);
  EXPECT_FALSE(hf.has_density_functional());
  EXPECT_FALSE(Functional::from_name("svwn").needs_gradient());
  for (const char* gga : {"pbe", "blyp", "b3lyp", "pbe0"})
    EXPECT_TRUE(Functional::from_name(gga).needs_gradient()) << gga;
  // CAM-B3LYP via its libxc name: 19% HF exchange at short range, 65% at long range,
  // omega = 0.33 (Yanai, Tew & Handy, CPL 393, 51 (2004)).
  const Functional cam = Functional::from_name("hyb_gga_xc_cam_b3lyp");
  EXPECT_TRUE(cam.exact_exchange().range_separated());
  EXPECT_NEAR(cam.exact_exchange().omega, 0.33, 1e-12);
  EXPECT_NEAR(cam.exact_exchange().alpha, 0.65, 1e-12);
  EXPECT_NEAR(cam.exact_exchange().alpha + cam.exact_exchange().beta, 0.19, 1e-12);
}

TEST(Functional, SvwnIsSlaterPlusRpaVwn) {
  EXPECT_EQ(Functional::from_name("svwn").libxc_ids(), (std::vector<int>{1, 8}));  // LDA_X, LDA_C_VWN_RPA
  EXPECT_EQ(Functional::from_name("b3lyp").libxc_ids(), (std::vector<int>{402}));
  EXPECT_EQ(Functional::from_name("pbe0").libxc_ids(), (std::vector<int>{406}));
}

TEST(Functional, SlaterExchangeMatchesTheUniformGasFormula) {
  const Functional f = Functional::from_name("lda_x");
  const std::vector<double> rho = {1e-3, 0.1, 1.0, 25.0};
  std::vector<double> exc(4), vrho(4);
  f.evaluate_unpolarized(4, rho.data(), nullptr, exc.data(), vrho.data(), nullptr);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(exc[i], -kCx * std::cbrt(rho[i]), 1e-14 * std::cbrt(rho[i]));
    EXPECT_NEAR(vrho[i], 4.0 / 3.0 * exc[i], 1e-14 * std::cbrt(rho[i]));
  }
  // Fully spin-polarised: E_x[rho_a, 0] = E_x[2 rho_a] / 2, so eps_x gains 2^{1/3}.
  const std::vector<double> rho_ab = {0.5, 0.0};
  double e = 0.0;
  std::vector<double> v(2);
  f.evaluate_polarized(1, rho_ab.data(), nullptr, &e, v.data(), nullptr);
  EXPECT_NEAR(e, -kCx * std::cbrt(2.0 * 0.5), 1e-14);
}

TEST(Functional, PolarizedEqualsUnpolarizedForEqualSpins) {
  // rho_a = rho_b = rho/2 and sigma_aa = sigma_ab = sigma_bb = sigma/4 must reproduce the
  // closed-shell functional: vrho_a = vrho and vsigma = (v_aa + v_ab + v_bb) / 4.
  const std::vector<double> rho = {1e-4, 0.02, 0.3, 2.0, 40.0};
  const std::vector<double> sigma = {1e-8, 1e-3, 0.2, 1.5, 300.0};
  const int np = static_cast<int>(rho.size());
  for (const char* name : {"svwn", "pbe", "blyp", "b3lyp", "pbe0"}) {
    const Functional f = Functional::from_name(name);
    std::vector<double> exc(np), vrho(np), vsigma(np);
    f.evaluate_unpolarized(np, rho.data(), sigma.data(), exc.data(), vrho.data(), vsigma.data());
    std::vector<double> rho2(2 * np), sigma3(3 * np), exc2(np), vrho2(2 * np), vsigma3(3 * np);
    for (int i = 0; i < np; ++i) {
      rho2[2 * i] = rho2[2 * i + 1] = rho[i] / 2;
      sigma3[3 * i] = sigma3[3 * i + 1] = sigma3[3 * i + 2] = sigma[i] / 4;
    }
    f.evaluate_polarized(np, rho2.data(), sigma3.data(), exc2.data(), vrho2.data(), vsigma3.data());
    for (int i = 0; i < np; ++i) {
      EXPECT_NEAR(exc2[i], exc[i], 1e-12 * std::abs(exc[i])) << name << " point " << i;
      EXPECT_NEAR(vrho2[2 * i], vrho[i], 1e-11 * std::abs(vrho[i])) << name;
      EXPECT_NEAR(vrho2[2 * i + 1], vrho[i], 1e-11 * std::abs(vrho[i])) << name;
      if (f.needs_gradient()) {
        const double vs = (vsigma3[3 * i] + vsigma3[3 * i + 1] + vsigma3[3 * i + 2]) / 4;
        EXPECT_NEAR(vs, vsigma[i], 1e-10 * std::abs(vsigma[i]) + 1e-14) << name;
      }
    }
  }
}

TEST(Functional, CopiesAreIndependentAndEqual) {
  Functional a = Functional::from_name("pbe");
  const Functional b = a;  // re-initialises libxc handles
  a = Functional::from_name("svwn");
  const double rho = 0.7, sigma = 0.3;
  double e1, v1, s1;
  b.evaluate_unpolarized(1, &rho, &sigma, &e1, &v1, &s1);
  const Functional c = Functional::from_name("pbe");
  double e2, v2, s2;
  c.evaluate_unpolarized(1, &rho, &sigma, &e2, &v2, &s2);
  EXPECT_EQ(e1, e2);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(b.name(), "pbe");
  EXPECT_EQ(a.name(), "svwn");
}

}  // namespace
