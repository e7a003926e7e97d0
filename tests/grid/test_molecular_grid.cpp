#include <gtest/gtest.h>

#include <Eigen/Geometry>
#include <cmath>
#include <functional>
#include <random>

#include "core/error.hpp"
#include "core/units.hpp"
#include "grid/molecular_grid.hpp"

namespace {
using namespace hamlet::grid;
using hamlet::Molecule;

Molecule make_molecule(const std::vector<std::pair<int, Eigen::Vector3d>>& atoms_angstrom) {
  Molecule mol;
  for (const auto& [Z, p] : atoms_angstrom) mol.atoms.push_back({Z, p * hamlet::units::kAngstromToBohr});
  return mol;
}

// Methanol (6 atoms, no symmetry axis of order > 1: an asymmetric top).
Molecule methanol() {
  return make_molecule({{6, {-0.0467, 0.6634, 0.0}},
                        {8, {-0.0467, -0.7542, 0.0}},
                        {1, {-1.0923, 0.9787, 0.0}},
                        {1, {0.4369, 1.0800, 0.8892}},
                        {1, {0.4369, 1.0800, -0.8892}},
                        {1, {0.8680, -1.0855, 0.0}}});
}

double integrate(const MolecularGrid& g, const std::function<double(const Eigen::Vector3d&)>& f) {
  double s = 0.0;
  for (int i = 0; i < g.size(); ++i) s += g.weights()[i] * f(g.points().row(i).transpose());
  return s;
}

// Sum of unit-normalised Gaussians of varied widths on every atom plus one between C and O:
// its exact integral is natoms + 1.
double gaussian_density(const Molecule& mol, const Eigen::Vector3d& r) {
  double f = 0.0;
  for (int A = 0; A < mol.natoms(); ++A) {
    const double a = mol.atoms[A].Z == 1 ? 0.4 : 15.0 + A;
    f += std::pow(a / M_PI, 1.5) * std::exp(-a * (r - mol.atoms[A].position).squaredNorm());
  }
  const Eigen::Vector3d mid = 0.5 * (mol.atoms[0].position + mol.atoms[1].position);
  f += std::pow(1.3 / M_PI, 1.5) * std::exp(-1.3 * (r - mid).squaredNorm());
  return f;
}

TEST(AtomicPartition, WeightsSumToOneEverywhere) {
  const Molecule mol = methanol();
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-4.0, 4.0);
  for (NuclearScheme scheme : {NuclearScheme::Becke, NuclearScheme::Treutler, NuclearScheme::Stratmann}) {
    const AtomicPartition part(mol, scheme);
    AtomicPartition::Scratch scratch;
    Eigen::MatrixX3d points(500, 3);
    for (int k = 0; k < points.rows(); ++k) points.row(k) << u(rng), u(rng), u(rng);
    // The screened, vectorised weights of all points at once against the unscreened
    // one-point reference: equal up to rounding (observed <= 1.7e-15; vectorised and scalar
    // code contract products into FMAs differently).
    Eigen::ArrayXd screened_sum = Eigen::ArrayXd::Zero(points.rows()), wa;
    Eigen::MatrixXd reference(points.rows(), mol.natoms());
    for (int k = 0; k < points.rows(); ++k) {
      const Eigen::VectorXd w = part.all_weights(points.row(k).transpose());
      EXPECT_NEAR(w.sum(), 1.0, 1e-14);
      EXPECT_GE(w.minCoeff(), 0.0);
      reference.row(k) = w.transpose();
    }
    for (int A = 0; A < mol.natoms(); ++A) {
      part.weights(A, points, wa, scratch);
      EXPECT_LT((wa.matrix() - reference.col(A)).cwiseAbs().maxCoeff(), 5e-15) << to_string(scheme);
      screened_sum += wa;
      // One point alone gives the same weight as among many (up to rounding, as above).
      Eigen::ArrayXd single;
      part.weights(A, points.topRows(1), single, scratch);
      EXPECT_NEAR(single[0], wa[0], 5e-15);
    }
    EXPECT_LT((screened_sum - 1.0).abs().maxCoeff(), 1e-14);
  }
}

TEST(AtomicPartition, PointOnANucleusBelongsToThatAtom) {
  const Molecule mol = methanol();
  const AtomicPartition part(mol, NuclearScheme::Treutler);
  for (int A = 0; A < mol.natoms(); ++A)
    EXPECT_NEAR(part.all_weights(mol.atoms[A].position)[A], 1.0, 1e-12);
}

TEST(MolecularGrid, IntegratesNormalisedGaussiansToTheirCount) {
  const Molecule mol = methanol();
  const double exact = mol.natoms() + 1.0;
  double previous = 1.0;
  for (int level : {0, 2, 3}) {
    GridOptions opt;
    opt.level = level;
    const MolecularGrid g = build_molecular_grid(mol, opt);
    const double err = std::abs(integrate(g, [&](const Eigen::Vector3d& r) { return gaussian_density(mol, r); }) - exact);
    // Observed errors: level 0 2.8e-4, level 2 1.6e-6, level 3 1.3e-8.
    EXPECT_LT(err, level == 0 ? 1e-3 : level == 2 ? 5e-6 : 5e-8) << "level " << level;
    EXPECT_LT(err, previous);
    previous = err;
  }
}

TEST(MolecularGrid, BatchesPartitionThePointsCompactly) {
  GridOptions opt;
  opt.level = 1;
  opt.max_batch_points = 100;
  const MolecularGrid g = build_molecular_grid(methanol(), opt);
  ASSERT_GT(g.size(), 0);
  int next = 0;
  for (const GridBatch& b : g.batches()) {
    EXPECT_EQ(b.begin, next);
    EXPECT_GT(b.size(), 0);
    EXPECT_LE(b.size(), 100);
    for (int i = b.begin; i < b.end; ++i)
      EXPECT_LE((g.points().row(i).transpose() - b.center).norm(), b.radius + 1e-12);
    next = b.end;
  }
  EXPECT_EQ(next, g.size());
  EXPECT_EQ(static_cast<int>(g.point_atoms().size()), g.size());
  EXPECT_GT(g.weights().cwiseAbs().minCoeff(), opt.weight_cutoff);
}

TEST(MolecularGrid, StandardOrientationMakesIntegralsRotationInvariant) {
  const Molecule mol = methanol();
  Molecule turned = mol;
  const Eigen::Matrix3d R =
      Eigen::AngleAxisd(0.7, Eigen::Vector3d(0.3, -1.0, 0.5).normalized()).toRotationMatrix();
  for (auto& a : turned.atoms) a.position = R * a.position + Eigen::Vector3d(0.4, -1.1, 2.0);
  // A function that moves with the atoms and is hard to integrate (cusps, overlap product).
  auto f_of = [](const Molecule& m) {
    return [&m](const Eigen::Vector3d& r) {
      return std::exp(-(r - m.atoms[1].position).norm()) * std::exp(-1.5 * (r - m.atoms[5].position).norm());
    };
  };
  GridOptions opt;
  opt.level = 1;
  const double a = integrate(build_molecular_grid(mol, opt), f_of(mol));
  const double b = integrate(build_molecular_grid(turned, opt), f_of(turned));
  EXPECT_NEAR(a, b, 1e-12);
  opt.standard_orientation = false;  // without it the grid error shows up as a difference
  const double c = integrate(build_molecular_grid(mol, opt), f_of(mol));
  const double d = integrate(build_molecular_grid(turned, opt), f_of(turned));
  EXPECT_GT(std::abs(c - d), 1e-11);
  EXPECT_NEAR(a, c, 1e-4);  // both are level-1 approximations of the same integral
}

TEST(MolecularGrid, PruningKeepsAccuracyWithFewerPoints) {
  const Molecule mol = methanol();
  GridOptions opt;
  const MolecularGrid full = build_molecular_grid(mol, opt);
  opt.prune = true;
  const MolecularGrid pruned = build_molecular_grid(mol, opt);
  EXPECT_LT(pruned.size(), 0.7 * full.size());
  const double v = integrate(pruned, [&](const Eigen::Vector3d& r) { return gaussian_density(mol, r); });
  EXPECT_NEAR(v, mol.natoms() + 1.0, 2e-5);  // observed 5.8e-6 (unpruned: 1.6e-6)
}

TEST(MolecularGrid, ReproducesPsi4DefaultGrid) {
  // Points and weights of Psi4 1.3.2's default DFT grid (75 radial x 302 spherical,
  // TREUTLER radial and nuclear schemes) for water, written out by psi4.core.DFTGrid with
  // `symmetry c1, no_reorient, no_com`. Psi4 converts Angstrom with 0.52917721067 (CODATA
  // 2014), so the molecule is built with that factor here. Across all 66409 Psi4 points the
  // weights agree to 5e-14 absolute; these six span the nucleus, bonds and far field.
  const double bohr = 1.0 / 0.52917721067;
  Molecule water;
  water.atoms = {{8, Eigen::Vector3d(0.0, 0.0, 0.1173) * bohr},
                 {1, Eigen::Vector3d(0.0, 0.7572, -0.4692) * bohr},
                 {1, Eigen::Vector3d(0.0, -0.7572, -0.4692) * bohr}};
  const double psi4_points[6][4] = {
      {-0.0089400758825556731, 0, 0.25427225105265489, 3.8582823730172602e-07},
      {-0.55984071336266217, -0.38126425745758824, 0.046028390579326228, 0.0015689935700115613},
      {-0.013444550195092615, 1.4015068603026328, -0.88264166527603094, 3.6210576163070987e-07},
      {-0.59536034051067388, 0.59536034051067388, -0.37369546599447068, 0.003318277627830617},
      {3.8250196723612353, -3.8250196723612353, -0.48335071814991126, 0.0098177362255900871},
      {0, -11.958436304326769, 8.5585620056177927, 3.3481436312584822}};
  const MolecularGrid g = build_molecular_grid(water, GridOptions{});
  for (const auto& q : psi4_points) {
    const Eigen::RowVector3d p(q[0], q[1], q[2]);
    Eigen::Index k;
    const double distance = (g.points().rowwise() - p).rowwise().norm().minCoeff(&k);
    EXPECT_LT(distance, 1e-10);
    EXPECT_NEAR(g.weights()[k], q[3], 1e-12 * q[3]);
  }
}

TEST(MolecularGrid, LevelsAndOptions) {
  EXPECT_EQ(grid_level_spec(2, 6).radial_points, 75);
  EXPECT_EQ(grid_level_spec(2, 6).angular_degree, 29);
  EXPECT_EQ(grid_level_spec(3, 1).radial_points, 99);
  EXPECT_EQ(grid_level_spec(3, 1).angular_degree, 41);
  EXPECT_EQ(grid_level_spec(3, 35).radial_points, 99);  // Psi4: one size for all elements
  EXPECT_THROW(grid_level_spec(5, 1), hamlet::Error);
  EXPECT_THROW(grid_level_spec(-1, 1), hamlet::Error);
  EXPECT_THROW(build_molecular_grid(Molecule{}), hamlet::Error);
  // A lone atom: no partition, every point kept; 40 radial x 110 angular at level 0.
  Molecule he = make_molecule({{2, {0.0, 0.0, 0.0}}});
  GridOptions opt;
  opt.level = 0;
  EXPECT_EQ(build_molecular_grid(he, opt).size(), 40 * 110);
  opt.radial_points = 10;
  opt.angular_degree = 7;
  EXPECT_EQ(build_molecular_grid(he, opt).size(), 10 * 26);
  opt.angular_scheme = AngularScheme::Product;
  EXPECT_EQ(build_molecular_grid(he, opt).size(), 10 * 32);
}

}  // namespace
