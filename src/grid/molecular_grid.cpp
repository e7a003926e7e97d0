#include "grid/molecular_grid.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "core/error.hpp"
#include "core/memory.hpp"
#include "grid/angular_grid.hpp"

namespace hamlet::grid {
namespace {

struct RadialShellTask {
  int atom;
  double r, w;
  int degree;
};

// A point while the grid is built; `id` (its index in shell order) breaks ties in the
// bisection, so batches do not depend on how the points were moved.
struct GridPoint {
  double x, y, z, w;
  int atom, id;
  double coordinate(int axis) const { return axis == 0 ? x : axis == 1 ? y : z; }
};

// Recursive median bisection along the longest box edge: leaves hold <= max_points points
// and are spatially compact, which is what basis-function screening per batch needs. Large
// halves are split in parallel (OpenMP tasks); each subtree collects its own leaves, joined in
// tree order, so the batches do not depend on the thread count.
void bisect(std::vector<GridPoint>& p, int begin, int end, int max_points,
            std::vector<std::pair<int, int>>& leaves) {
  if (end - begin <= max_points) {
    leaves.emplace_back(begin, end);
    return;
  }
  Eigen::Vector3d lo = Eigen::Vector3d::Constant(1e300), hi = -lo;
  for (int k = begin; k < end; ++k) {
    const Eigen::Vector3d r(p[k].x, p[k].y, p[k].z);
    lo = lo.cwiseMin(r);
    hi = hi.cwiseMax(r);
  }
  int axis = 0;
  (hi - lo).maxCoeff(&axis);
  const int mid = begin + (end - begin) / 2;
  const auto below = [axis](const GridPoint& a, const GridPoint& b) {
    const double pa = a.coordinate(axis), pb = b.coordinate(axis);
    return pa < pb || (pa == pb && a.id < b.id);  // total order: deterministic batches
  };
  std::nth_element(p.begin() + begin, p.begin() + mid, p.begin() + end, below);
  constexpr int kParallelPoints = 20000;
  if (end - begin < kParallelPoints) {
    bisect(p, begin, mid, max_points, leaves);
    bisect(p, mid, end, max_points, leaves);
    return;
  }
  std::vector<std::pair<int, int>> right;
#pragma omp task shared(p, right)
  bisect(p, mid, end, max_points, right);
  bisect(p, begin, mid, max_points, leaves);
#pragma omp taskwait
  leaves.insert(leaves.end(), right.begin(), right.end());
}

int shell_degree(const GridOptions& opt, int nominal, int radial_index, int nradial, int Z) {
  if (!opt.prune || Z >= 36) return nominal;
  // Radial index 0 is the outermost shell.
  if (radial_index >= 2.0 * nradial / 3.0) return std::min(nominal, 7);
  if (radial_index >= nradial / 2.0) return std::min(nominal, 11);
  return nominal;
}

}  // namespace

GridLevelSpec grid_level_spec(int level, int Z) {
  static constexpr std::array<GridLevelSpec, kMaxGridLevel + 1> kLevels = {
      GridLevelSpec{40, 17}, GridLevelSpec{50, 23}, GridLevelSpec{75, 29},
      GridLevelSpec{99, 41}, GridLevelSpec{150, 59}};
  if (level < 0 || level > kMaxGridLevel)
    throw Error("grid level " + std::to_string(level) + " is outside 0.." +
                std::to_string(kMaxGridLevel));
  (void)Z;  // same for every row, as in Psi4 (see the header)
  return kLevels[level];
}

Eigen::Matrix3d standard_orientation(const Molecule& mol) {
  if (mol.natoms() < 2) return Eigen::Matrix3d::Identity();
  Eigen::Vector3d center = Eigen::Vector3d::Zero();
  double total = 0.0;
  for (const auto& a : mol.atoms) {
    center += a.Z * a.position;
    total += a.Z;
  }
  center /= total;
  Eigen::Matrix3d inertia = Eigen::Matrix3d::Zero();
  for (const auto& a : mol.atoms) {
    const Eigen::Vector3d d = a.position - center;
    inertia += a.Z * (d.squaredNorm() * Eigen::Matrix3d::Identity() - d * d.transpose());
  }
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(inertia);
  Eigen::Matrix3d axes = eig.eigenvectors();
  // Sign choices do not matter: the angular rule is symmetric under each axis reflection.
  if (axes.determinant() < 0) axes.col(2) *= -1.0;
  return axes;
}

MolecularGrid build_molecular_grid(const Molecule& mol, const GridOptions& opt) {
  if (mol.natoms() == 0) throw Error("cannot build an integration grid for a molecule without atoms");
  if (opt.max_batch_points < 1) throw Error("grid batches need at least one point");
  if (opt.radial_points < 0 || opt.angular_degree < 0)
    throw Error("grid radial points and angular degree must be positive");

  const AtomicPartition partition(mol, opt.nuclear_scheme, opt.partition_radii);
  MolecularGrid grid;
  grid.options_ = opt;
  grid.orientation_ = opt.standard_orientation ? standard_orientation(mol) : Eigen::Matrix3d::Identity();

  std::vector<RadialShellTask> tasks;
  for (int A = 0; A < mol.natoms(); ++A) {
    const int Z = mol.atoms[A].Z;
    GridLevelSpec spec = grid_level_spec(opt.level, Z);
    if (opt.radial_points > 0) spec.radial_points = opt.radial_points;
    if (opt.angular_degree > 0) spec.angular_degree = opt.angular_degree;
    const RadialGrid radial = make_radial_grid(opt.radial_scheme, spec.radial_points,
                                               radial_scale(opt.radial_scale, Z), Z);
    for (int i = 0; i < radial.size(); ++i) {
      const int degree = shell_degree(opt, spec.angular_degree, i, radial.size(), Z);
      cached_angular_grid(degree, opt.angular_scheme);  // build outside the parallel region
      tasks.push_back({A, radial.r[i], radial.w[i], degree});
    }
  }

  std::vector<std::vector<GridPoint>> shell_points(tasks.size());
  const Eigen::Matrix3d& axes = grid.orientation_;
#pragma omp parallel
  {
    AtomicPartition::Scratch scratch;
    Eigen::MatrixX3d p;
    Eigen::ArrayXd partition_weight;
#pragma omp for schedule(dynamic)
    for (size_t t = 0; t < tasks.size(); ++t) {
      const RadialShellTask& task = tasks[t];
      const AngularGrid& ang = cached_angular_grid(task.degree, opt.angular_scheme);
      const Eigen::Vector3d& origin = mol.atoms[task.atom].position;
      p.resize(ang.size(), 3);
      for (int k = 0; k < ang.size(); ++k) p.row(k) = origin + task.r * (axes * ang.directions.col(k));
      partition.weights(task.atom, p, partition_weight, scratch);
      std::vector<GridPoint>& out = shell_points[t];
      for (int k = 0; k < ang.size(); ++k) {
        const double w = task.w * ang.weights[k] * partition_weight[k];
        if (std::abs(w) > opt.weight_cutoff) out.push_back({p(k, 0), p(k, 1), p(k, 2), w, task.atom, 0});
      }
    }
  }

  size_t npoints = 0;
  for (const auto& s : shell_points) npoints += s.size();
  std::vector<GridPoint> points;
  points.reserve(npoints);
  advise_huge_pages(points.data(), npoints * sizeof(GridPoint));
  for (const auto& s : shell_points) points.insert(points.end(), s.begin(), s.end());
  for (size_t i = 0; i < npoints; ++i) points[i].id = static_cast<int>(i);

  std::vector<std::pair<int, int>> leaves;
  if (npoints > 0) {
#pragma omp parallel
#pragma omp single
    bisect(points, 0, static_cast<int>(npoints), opt.max_batch_points, leaves);
  }

  grid.points_.resize(npoints, 3);
  advise_huge_pages(grid.points_.data(), 3 * npoints * sizeof(double));
  grid.weights_.resize(npoints);
  grid.point_atoms_.resize(npoints);
  for (size_t i = 0; i < npoints; ++i) {
    grid.points_.row(i) << points[i].x, points[i].y, points[i].z;
    grid.weights_[i] = points[i].w;
    grid.point_atoms_[i] = points[i].atom;
  }
  grid.batches_.reserve(leaves.size());
  for (const auto& [b, e] : leaves) {
    GridBatch batch;
    batch.begin = b;
    batch.end = e;
    const auto block = grid.points_.middleRows(b, e - b);
    const Eigen::Vector3d lo = block.colwise().minCoeff().transpose();
    const Eigen::Vector3d hi = block.colwise().maxCoeff().transpose();
    batch.center = 0.5 * (lo + hi);
    batch.radius = (block.rowwise() - batch.center.transpose()).rowwise().norm().maxCoeff();
    grid.batches_.push_back(batch);
  }
  return grid;
}

}  // namespace hamlet::grid
