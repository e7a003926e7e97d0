// The training-domain bounds and the extrapolation ratio of predictions (model/training_domain.hpp),
// on hand-made matrices: exact invariants, no model.
#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"
#include "model/training_domain.hpp"

using namespace hamlet;
using model::TrainingDomain;

namespace {

// Three atoms O, H, H with 3, 1, 1 functions; H2 far from O at `far` Bohr when given.
struct Structure {
  std::vector<int> Z = {8, 1, 1};
  Eigen::Matrix<double, Eigen::Dynamic, 3> pos;
  std::vector<int> ao = {0, 3, 4, 5};
  Eigen::MatrixXd correction;
};

Structure water_like(unsigned seed, double h_distance = 1.8) {
  Structure s;
  s.pos.resize(3, 3);
  s.pos << 0, 0, 0, h_distance, 0, 0, 0, h_distance, 0;
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  Eigen::MatrixXd A(5, 5);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) A(i, j) = g(rng);
  s.correction = A + A.transpose();
  return s;
}

double block_norm(const Structure& s, int a, int b) {
  return s.correction.block(s.ao[a], s.ao[b], s.ao[a + 1] - s.ao[a], s.ao[b + 1] - s.ao[b]).norm();
}

// The bounds of water_like(0 ... n-1).
TrainingDomain domain_of(unsigned n, double cutoff) {
  TrainingDomain d;
  d.cutoff = cutoff;
  for (unsigned k = 0; k < n; ++k) {
    const Structure s = water_like(k);
    d.add(s.Z, s.pos, s.ao, s.correction);
  }
  return d;
}

}  // namespace

TEST(TrainingDomain, BoundsAreTheLargestTrainingBlocksSoTrainingDataNeverExceedsThem) {
  TrainingDomain d;
  d.cutoff = 5.0;
  std::vector<Structure> train;
  for (unsigned k = 0; k < 6; ++k) train.push_back(water_like(k));
  for (const auto& s : train) d.add(s.Z, s.pos, s.ao, s.correction);
  ASSERT_EQ(d.onsite.size(), 2u);
  ASSERT_EQ(d.offsite.size(), 2u);  // O-H and H-H (stored as (1, 8) and (1, 1))
  double on_o = 0, off_oh = 0;
  for (const auto& s : train) {
    on_o = std::max(on_o, block_norm(s, 0, 0));
    off_oh = std::max({off_oh, block_norm(s, 0, 1), block_norm(s, 0, 2)});
  }
  EXPECT_EQ(d.onsite.at(8), on_o);
  EXPECT_EQ(d.offsite.at({1, 8}), off_oh);
  double largest = 0;
  for (const auto& s : train) {
    const auto ex = model::extrapolation(d, s.Z, s.pos, s.ao, s.correction);
    EXPECT_LE(ex.ratio, 1.0);
    EXPECT_FALSE(ex.flagged());
    largest = std::max(largest, ex.ratio);
  }
  EXPECT_EQ(largest, 1.0);  // some training structure holds each bound

  // Twice the largest training correction: ratio 2, flagged, and the block named.
  Structure big = train[0];
  big.correction *= 2.0;
  const auto ex = model::extrapolation(d, big.Z, big.pos, big.ao, big.correction);
  EXPECT_GE(ex.ratio, 2.0 * (1.0 - 1e-12));
  EXPECT_TRUE(ex.flagged());
  EXPECT_FALSE(ex.block.empty());
}

TEST(TrainingDomain, PermutingAtomsKeepsTheRatioAndFollowsTheBlock) {
  const TrainingDomain d = domain_of(4, 5.0);
  Structure s = water_like(11);
  s.correction.block(0, 3, 3, 1) *= 5.0;  // the O-H(atom 2) block
  s.correction.block(3, 0, 1, 3) *= 5.0;
  const auto ex = model::extrapolation(d, s.Z, s.pos, s.ao, s.correction);
  EXPECT_EQ(ex.block, "atoms 1-2 (O-H)");
  // Order H, H, O: AO blocks move with their atoms.
  Structure p;
  p.Z = {1, 1, 8};
  p.pos.resize(3, 3);
  p.pos << s.pos.row(1), s.pos.row(2), s.pos.row(0);
  p.ao = {0, 1, 2, 5};
  const std::vector<int> from = {3, 4, 0, 1, 2};  // new AO i is old AO from[i]
  p.correction.resize(5, 5);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) p.correction(i, j) = s.correction(from[i], from[j]);
  const auto moved = model::extrapolation(d, p.Z, p.pos, p.ao, p.correction);
  EXPECT_NEAR(moved.ratio, ex.ratio, 1e-12 * ex.ratio);
  EXPECT_EQ(moved.block, "atoms 1-3 (H-O)");
}

TEST(TrainingDomain, PairsBeyondTheCutoffAndUnseenElementsAreNotJudged) {
  TrainingDomain d;
  d.cutoff = 3.0;
  const Structure s = water_like(1, 1.8);  // H-H at 2.55 Bohr: inside
  d.add(s.Z, s.pos, s.ao, s.correction);
  // H atoms at 4 Bohr from O (H-H 5.7): no off-site block is judged, however large.
  Structure far = water_like(2, 4.0);
  far.correction.block(0, 3, 3, 2) *= 1e3;
  far.correction.block(3, 0, 2, 3) *= 1e3;
  far.correction.block(3, 4, 1, 1) *= 1e3;
  far.correction.block(4, 3, 1, 1) *= 1e3;
  const auto ex = model::extrapolation(d, far.Z, far.pos, far.ao, far.correction);
  EXPECT_LT(ex.ratio, 1e2) << ex.block;
  EXPECT_EQ(ex.block.rfind("atom ", 0), 0u) << ex.block;  // an on-site block, not a pair
  // An element the bounds lack (F in place of O) is not judged; an empty domain judges nothing.
  Structure other = s;
  other.Z[0] = 9;
  other.correction.topLeftCorner(3, 3) *= 1e3;
  EXPECT_LT(model::extrapolation(d, other.Z, other.pos, other.ao, other.correction).ratio, 1e2);
  EXPECT_EQ(model::extrapolation(TrainingDomain{}, s.Z, s.pos, s.ao, s.correction).ratio, 0.0);
  // Mismatched shapes are an error, not a silent answer.
  EXPECT_THROW(model::extrapolation(d, s.Z, s.pos, {0, 3, 4}, s.correction), Error);
}

TEST(TrainingDomain, JsonRoundTripKeepsEveryBound) {
  const TrainingDomain d = domain_of(3, 8.0);
  const TrainingDomain back = model::training_domain_from_json(model::training_domain_to_json(d));
  EXPECT_EQ(back.cutoff, d.cutoff);
  EXPECT_EQ(back.relative_to_sap, d.relative_to_sap);
  EXPECT_EQ(back.onsite, d.onsite);
  EXPECT_EQ(back.offsite, d.offsite);
  nlohmann::json bad = model::training_domain_to_json(d);
  bad["offsite"]["18"] = 1.0;
  EXPECT_THROW(model::training_domain_from_json(bad), Error);
}
