// Tests of the SAP atomic potentials against Lehtola's reference table.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <thread>
#include <vector>

#include "atom/atom.hpp"
#include "atom/sap.hpp"
#include "core/error.hpp"

namespace hamlet::atom {
namespace {

struct SapRow {
  double r;        // Bohr
  double zeff[7];  // H, C, N, O, F, S, Cl
};
constexpr int kTableZ[7] = {1, 6, 7, 8, 9, 16, 17};

// S. Lehtola's SAP table (JCTC 15, 1593 (2019)): exchange-only LDA Z_eff(r) at the
// complete-basis-set limit, from psi4/psi4 psi4/src/psi4/libfock/sap.cc as copied into
// /work/shared/reference/sap/zeff_table.tsv (provenance in /work/shared/SOURCES.md). Every 25th
// of its 701 radii (rows 0, 25, ..., 700), digits verbatim.
constexpr SapRow kSapTable[] = {
    {0.00000000000000e+00,
     {1.00000000000000e+00, 6.00000000000000e+00, 7.00000000000000e+00,
      8.00000000000000e+00, 9.00000000000000e+00, 1.60000000000000e+01, 1.70000000000000e+01}},
    {2.84767538853797e-03,
     {9.99226535660342e-01, 5.97247731968850e+00, 6.96457740905015e+00,
      7.95574108201413e+00, 8.94597306174564e+00, 1.58697135670178e+01, 1.68572913516887e+01}},
    {3.83272779215565e-02,
     {9.89056070246724e-01, 5.61668176794972e+00, 6.50829165581377e+00,
      7.38800000053244e+00, 8.25604126579256e+00, 1.42622824849361e+01, 1.51057449492670e+01}},
    {7.53491593811074e-02,
     {9.77515644121382e-01, 5.25296605433273e+00, 6.05055581546187e+00,
      6.82846092420296e+00, 7.58705549837120e+00, 1.28488532557846e+01, 1.35813296407064e+01}},
    {7.87329788170817e-02,
     {9.76419626012780e-01, 5.22112741973357e+00, 6.01098060080605e+00,
      6.78058567250702e+00, 7.53029640568951e+00, 1.27331883197321e+01, 1.34568431248068e+01}},
    {8.86932406159385e-02,
     {9.73157064019956e-01, 5.12910065651605e+00, 5.89701787668777e+00,
      6.64310885337162e+00, 7.36762906179001e+00, 1.24036907058280e+01, 1.31023244628035e+01}},
    {2.12789588594760e-01,
     {9.29020698997229e-01, 4.20216582503103e+00, 4.76947149291384e+00,
      5.29321995514703e+00, 5.77234133760866e+00, 9.28114235121464e+00, 9.76418085354397e+00}},
    {3.42280336980668e-01,
     {8.79324412207355e-01, 3.54353830178281e+00, 3.95751504456732e+00,
      4.31115110597494e+00, 4.61061603311697e+00, 7.19948022306612e+00, 7.56531459421310e+00}},
    {3.54115859484996e-01,
     {8.74726123674056e-01, 3.49251284180941e+00, 3.89420070434337e+00,
      4.23540228275230e+00, 4.52200161599512e+00, 7.04876639096005e+00, 7.40789300227307e+00}},
    {3.76680873561329e-01,
     {8.65961110655000e-01, 3.39839419421443e+00, 3.77776335982428e+00,
      4.09673836091917e+00, 4.35971682330636e+00, 6.77690967997404e+00, 7.12428182354788e+00}},
    {6.57821654399415e-01,
     {7.60716733007413e-01, 2.51323214311269e+00, 2.70477433374341e+00,
      2.80191718997748e+00, 2.82054043518057e+00, 4.53660065542543e+00, 4.74933466138108e+00}},
    {9.51183471289749e-01,
     {6.65793628344072e-01, 1.94523436315915e+00, 1.97588885993737e+00,
      1.92933846321967e+00, 1.84153007650788e+00, 3.27503978345824e+00, 3.38573486097770e+00}},
    {9.77996895638559e-01,
     {6.58000257705104e-01, 1.90175119957372e+00, 1.92134353012969e+00,
      1.86742555224793e+00, 1.77576244646620e+00, 3.19011912582648e+00, 3.29245523282308e+00}},
    {1.02806176063975e+00,
     {6.43837209987412e-01, 1.82348433349907e+00, 1.82433966036621e+00,
      1.75869790841010e+00, 1.66152121294825e+00, 3.04128115724669e+00, 3.12714408939548e+00}},
    {1.65182716904896e+00,
     {5.03874937796681e-01, 1.11943831989604e+00, 1.03041115075949e+00,
      9.35432180340408e-01, 8.47269308495240e-01, 1.77026143111682e+00, 1.70054645034571e+00}},
    {2.30270731876888e+00,
     {4.06236064391002e-01, 7.44892253500509e-01, 6.61754540640834e-01,
      5.87553572665649e-01, 5.23809575609915e-01, 1.08930979407673e+00, 1.00465069485190e+00}},
    {2.36219810676458e+00,
     {3.98798591932805e-01, 7.21163250875252e-01, 6.39283932827679e-01,
      5.66702645805795e-01, 5.04475185763597e-01, 1.04753586223873e+00, 9.63958692811975e-01}},
    {2.48112897773257e+00,
     {3.84472900380353e-01, 6.77327938971681e-01, 5.97954863482804e-01,
      5.28374854157435e-01, 4.68887073011111e-01, 9.71269374356483e-01, 8.90152473223610e-01}},
    {3.96290594051081e+00,
     {2.45328419950414e-01, 3.57226807550488e-01, 2.99365429892212e-01,
      2.50379641254203e-01, 2.09183185363305e-01, 4.62696980976645e-01, 4.05453290953266e-01}},
    {5.50909493782037e+00,
     {1.48281616601765e-01, 2.04985146117858e-01, 1.58978168531650e-01,
      1.22176210690981e-01, 9.35532518618462e-02, 2.47242763905295e-01, 2.01927843825141e-01}},
    {5.65041742534716e+00,
     {1.41311557588864e-01, 1.95184110994551e-01, 1.50144847406880e-01,
      1.14413115934417e-01, 8.68743699844906e-02, 2.33748484842328e-01, 1.89535676556729e-01}},
    {5.96353116123453e+00,
     {1.26873830861614e-01, 1.75184163040941e-01, 1.32277340903925e-01,
      9.88961062874666e-02, 7.36957190588582e-02, 2.06402924021549e-01, 1.64673329029757e-01}},
    {9.86466061061565e+00,
     {3.04108015512515e-02, 4.56387506094259e-02, 2.66320786979374e-02,
      1.55517427967860e-02, 9.14200992062153e-03, 4.23517894776564e-02, 2.74433997305853e-02}},
    {1.39353700245371e+01,
     {6.31350042417353e-03, 1.08704981800113e-02, 4.80548032359159e-03,
      2.16509185383551e-03, 9.93681204491334e-04, 7.72171811196311e-03, 4.03527481905917e-03}},
    {1.43074350058396e+01,
     {5.45749599994320e-03, 9.52260537461337e-03, 4.10423805719786e-03,
      1.80582314862672e-03, 8.10255353254197e-04, 6.60018213711826e-03, 3.38236155275767e-03}},
    {1.52367036425128e+01,
     {3.78877463022148e-03, 6.83695918432332e-03, 2.76592364243797e-03,
      1.14700349702108e-03, 4.86379757351143e-04, 4.45698439440659e-03, 2.17501858439602e-03}},
    {2.68145964356084e+01,
     {3.55271367880050e-15, 2.30926389122033e-14, -1.77635683940025e-15,
      1.06581410364015e-14, 1.42108547152020e-14, 2.30926389122033e-14, 1.77635683940025e-14}},
    {3.88957738991516e+01,
     {2.66453525910038e-15, 7.99360577730113e-15, -1.77635683940025e-15,
      1.06581410364015e-14, 1.42108547152020e-14, -1.77635683940025e-14, 1.77635683940025e-14}},
    {3.99999998730599e+01,
     {2.66453525910038e-15, 7.99360577730113e-15, -1.77635683940025e-15,
      1.06581410364015e-14, 1.42108547152020e-14, -1.77635683940025e-14, 1.77635683940025e-14}},
};

// Required agreement with the table: 1e-3 in Z_eff at every tabulated radius.
//
// Beyond ~16–22 Bohr the table drops abruptly to ~1e-13, exactly where the density falls below
// 1e-15 (H: 22.0, F: 16.8, S: 21.6 Bohr in our solution): libxc's default density threshold,
// below which it returns V_x = 0. hamlet keeps the smooth exchange tail there, so the two differ
// by up to 2.8e-4 (measured) in that region. Inside 15 Bohr, where both describe the same
// physics, the measured difference is <= 1.4e-6.
constexpr double kTableTolerance = 1e-3;
constexpr double kInnerRadius = 15.0;
constexpr double kInnerTolerance = 1e-5;

TEST(Sap, MatchesLehtolaTable) {
  for (int k = 0; k < 7; ++k) {
    const SapPotential& sap = sap_potential(kTableZ[k]);
    for (const SapRow& row : kSapTable) {
      const double tolerance = row.r <= kInnerRadius ? kInnerTolerance : kTableTolerance;
      EXPECT_NEAR(sap.zeff(row.r), row.zeff[k], tolerance)
          << "Z = " << kTableZ[k] << " r = " << row.r;
    }
  }
}

// The spline must reproduce the solver: -r V_eff(r) of the exchange-only atom at its own
// quadrature points (a grid unrelated to the spline knots).
TEST(Sap, SplineReproducesSolver) {
  for (int Z : {1, 8, 17}) {
    const SapPotential& sap = sap_potential(Z);
    const AtomResult& atom = cached_atom(Z, Functional::lda_exchange);
    for (size_t i = 0; i < atom.r.size(); ++i) {
      const double zeff = -atom.r[i] * atom.effective_potential[i];
      EXPECT_NEAR(sap.zeff(atom.r[i]), zeff, 1e-7 * Z) << "Z = " << Z << " r = " << atom.r[i];
    }
  }
}

// Near the nucleus V = -Z/r + (V_H + V_x)(0): the finite part must agree with the atom's
// density. V_H(0) = integral of 4 pi r n(r) dr; V_x(0) = -(3 n(0) / pi)^(1/3), with n(0) taken
// at the innermost quadrature point (about 1e-4 / Z Bohr, where n differs from n(0) by ~1e-3).
TEST(Sap, FinitePotentialAtNucleus) {
  for (int Z : {1, 6, 16}) {
    const SapPotential& sap = sap_potential(Z);
    const AtomResult& atom = cached_atom(Z, Functional::lda_exchange);
    double hartree_at_nucleus = 0.0;
    for (size_t i = 0; i < atom.r.size(); ++i)
      hartree_at_nucleus += atom.weights[i] * 4.0 * std::numbers::pi * atom.r[i] * atom.density[i];
    const double exchange_at_nucleus = -std::cbrt(3.0 * atom.density.front() / std::numbers::pi);
    const double expected = hartree_at_nucleus + exchange_at_nucleus;
    EXPECT_NEAR(sap.screening_at_nucleus(), expected, 1e-3 * std::abs(expected)) << "Z = " << Z;

    EXPECT_EQ(sap.zeff(0.0), Z);
    for (double r : {1e-10, 1e-7, 1e-5}) {
      EXPECT_NEAR(sap.potential(r) + Z / r, sap.screening_at_nucleus(),
                  1e-2 * std::abs(sap.screening_at_nucleus()))
          << "Z = " << Z << " r = " << r;
      EXPECT_NEAR((Z - sap.zeff(r)) / r, sap.screening_at_nucleus(),
                  1e-2 * std::abs(sap.screening_at_nucleus()))
          << "Z = " << Z << " r = " << r;
    }
    EXPECT_TRUE(std::isinf(sap.potential(0.0)) && sap.potential(0.0) < 0.0);
  }
}

TEST(Sap, PotentialIsMinusZeffOverR) {
  const SapPotential& sap = sap_potential(7);
  for (double r : {0.01, 0.3, 1.0, 2.5, 7.0}) EXPECT_DOUBLE_EQ(sap.potential(r), -sap.zeff(r) / r);
  EXPECT_EQ(sap.zeff(2.0 * sap.cutoff_radius()), 0.0);
  EXPECT_EQ(sap.potential(2.0 * sap.cutoff_radius()), 0.0);
}

// A cation keeps its net charge outside: Z_eff -> Z - N.
TEST(Sap, CationTail) {
  AtomOptions options;
  options.configuration = {{1, 0, 2.0}, {2, 0, 2.0}, {2, 1, 6.0}};  // Na+ ([Ne])
  const SapPotential sodium_cation(11, options);
  EXPECT_NEAR(sodium_cation.zeff(30.0), 1.0, 1e-6);
  EXPECT_EQ(sodium_cation.zeff(0.0), 11.0);
}

TEST(Sap, Errors) {
  EXPECT_THROW(sap_potential(0), Error);
  EXPECT_THROW(sap_potential(kMaxAtomZ + 1), Error);
  EXPECT_THROW(SapPotential(-1), Error);
}

TEST(Sap, SharedAcrossThreads) {
  std::vector<const SapPotential*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&seen, t] { seen[t] = &sap_potential(3); });
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(seen[0]->Z(), 3);
}

}  // namespace
}  // namespace hamlet::atom
