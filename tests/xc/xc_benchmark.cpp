// Timing of grid construction and V_xc builds (not a test).
//   xc_benchmark [xyz-file|hexane] [basis=def2-svp] [functional=b3lyp] [level=2] [repeats=5]
//                [basis_tolerance=1e-12] [max_batch_points=128] [prune=0]
// Without an xyz file it uses n-hexane (20 atoms, 154 def2-SVP functions) built below.
#include <omp.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>

#include "basis/basis_library.hpp"
#include "chem/xyz.hpp"
#include "core/units.hpp"
#include "xc/xc_integrator.hpp"
#include "xc_test_systems.hpp"

namespace {
using namespace hamlet;

// Staggered n-hexane: zig-zag carbons (C-C 1.53 A, C-C-C ~112 deg), C-H 1.09 A, tetrahedral H.
Molecule hexane() {
  Molecule mol;
  const double s = units::kAngstromToBohr;
  for (int i = 0; i < 6; ++i) {
    const double up = i % 2 ? -1.0 : 1.0;
    const Eigen::Vector3d c(1.268 * i, 0.428 * up, 0.0);
    mol.atoms.push_back({6, c * s});
    for (double z : {-1.0, 1.0})
      mol.atoms.push_back({1, (c + 1.09 * Eigen::Vector3d(0.0, 0.577 * up, 0.816 * z)) * s});
    if (i == 0 || i == 5)
      mol.atoms.push_back({1, (c + 1.09 * Eigen::Vector3d(i == 0 ? -0.94 : 0.94, -0.33 * up, 0.0)) * s});
  }
  mol.source = "n-hexane";
  return mol;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "hexane";
  const std::string basis_name = argc > 2 ? argv[2] : "def2-svp";
  const std::string functional = argc > 3 ? argv[3] : "b3lyp";
  const int level = argc > 4 ? std::stoi(argv[4]) : grid::kDefaultGridLevel;
  const int repeats = argc > 5 ? std::stoi(argv[5]) : 5;
  xc::XcOptions xopt;
  if (argc > 6) xopt.basis_tolerance = std::stod(argv[6]);
  try {
    const Molecule mol = what == "hexane" ? hexane() : read_xyz(what);
    const BasisSet basis = load_basis(mol, basis_name);
    grid::GridOptions opt;
    opt.level = level;
    if (argc > 7) opt.max_batch_points = std::stoi(argv[7]);
    if (argc > 8) opt.prune = std::stoi(argv[8]) != 0;
    auto t0 = std::chrono::steady_clock::now();
    const grid::MolecularGrid grid = grid::build_molecular_grid(mol, opt);
    const double t_grid = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const xc::XcIntegrator xc(mol, basis, grid, xc::Functional::from_name(functional), xopt);
    const double t_setup = seconds_since(t0);
    const Eigen::MatrixXd C = xc_test::random_orbitals(xc.numerical_overlap(), mol.electron_count() / 2, 1);
    const Eigen::MatrixXd D = 2.0 * C * C.transpose();
    double best = 1e300, best_u = 1e300, best_cpu = 1e300;
    xc::XcResult r;
    for (int k = 0; k < repeats; ++k) {
      t0 = std::chrono::steady_clock::now();
      const std::clock_t c0 = std::clock();
      r = xc.compute_restricted(D);
      best_cpu = std::min(best_cpu, double(std::clock() - c0) / CLOCKS_PER_SEC);
      best = std::min(best, seconds_since(t0));
      t0 = std::chrono::steady_clock::now();
      xc.compute_unrestricted(0.5 * D, 0.5 * D);
      best_u = std::min(best_u, seconds_since(t0));
    }
    std::printf("%s: %d atoms, %s %d functions, %s, level %d, %d threads\n", mol.source.c_str(),
                mol.natoms(), basis_name.c_str(), basis.nbf, functional.c_str(), level,
                omp_get_max_threads());
    std::printf("grid: %d points in %zu batches, built in %.3f s; integrator setup %.3f s\n",
                grid.size(), grid.batches().size(), t_grid, t_setup);
    std::printf("mean functions per batch: %.1f\n", xc.mean_functions_per_batch());
    std::printf("V_xc restricted: %.4f s (CPU %.4f s summed over threads)   unrestricted: %.4f s   (best of %d)\n",
                best, best_cpu, best_u, repeats);
    std::printf("E_xc = %.10f  electrons = %.8f\n", r.energy, r.electrons);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
