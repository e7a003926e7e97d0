// Kohn-Sham XC integration on one converged density (DF SCF on grid level 3 first, not timed):
// 1. per grid level, unpruned and Treutler-pruned: points, time per call and the E_xc error
//    against level 4 (the grid error of an SCF energy, to first order);
// 2. on the default grid: time, functions kept per batch and the change of E_xc and V for a
//    list of significance tolerances (XcOptions).
// Usage: bench_xc molecule.xyz [basis] [method] [repeats]; threads from OMP_NUM_THREADS.
// Not a test.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "chem/xyz.hpp"
#include "grid/molecular_grid.hpp"
#include "scf/driver.hpp"
#include "xc/xc_integrator.hpp"

using namespace hamlet;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s molecule.xyz [basis] [method] [grid level] [repeats]\n", argv[0]);
    return 1;
  }
  const Molecule mol = read_xyz(argv[1]);
  scf::ScfSettings settings;
  settings.basis = argc > 2 ? argv[2] : "def2-svp";
  settings.method = argc > 3 ? argv[3] : "b3lyp";
  settings.grid_level = 3;
  const int repeats = argc > 4 ? std::stoi(argv[4]) : 3;
  settings.density_fitting = true;
  settings.guess = "sad";
  const scf::ScfRun run = scf::run_scf(mol, settings);
  const Eigen::MatrixXd D = run.result.total_density();
  const xc::Functional functional = xc::Functional::from_name(settings.method);
  auto timed = [&](const xc::XcIntegrator& integrator, xc::XcResult& r) {
    double best = 1e30;
    for (int i = 0; i < repeats; ++i) {
      const auto t0 = Clock::now();
      r = integrator.compute_restricted(D);
      best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
  };
  std::printf("%d atoms, %s %s, %d functions, %d threads\n", mol.natoms(), settings.method.c_str(),
              settings.basis.c_str(), run.basis.nbf, omp_get_max_threads());

  grid::GridOptions finest;
  finest.level = grid::kMaxGridLevel;
  xc::XcResult r;
  const xc::XcIntegrator reference(run.molecule, run.basis, grid::build_molecular_grid(run.molecule, finest),
                                   functional);
  timed(reference, r);
  const double e_finest = r.energy;
  std::printf("%6s %6s %9s %10s %16s %10s\n", "level", "pruned", "points", "seconds", "E_xc", "E-E(L4)");
  for (int level = 0; level <= grid::kMaxGridLevel; ++level) {
    for (bool prune : {false, true}) {
      grid::GridOptions options;
      options.level = level;
      options.prune = prune;
      const grid::MolecularGrid g = grid::build_molecular_grid(run.molecule, options);
      const xc::XcIntegrator integrator(run.molecule, run.basis, g, functional);
      const double t = timed(integrator, r);
      std::printf("%6d %6s %9d %10.4f %16.10f %10.1e\n", level, prune ? "yes" : "no", g.size(), t, r.energy,
                  r.energy - e_finest);
    }
  }

  grid::GridOptions grid_options;
  grid_options.level = grid::kDefaultGridLevel;
  const grid::MolecularGrid grid = grid::build_molecular_grid(run.molecule, grid_options);
  std::printf("\ngrid level %d: %d points in %zu batches\n", grid_options.level, grid.size(), grid.batches().size());
  std::printf("%10s %10s %10s %16s %10s %10s\n", "tolerance", "seconds", "fn/batch", "E_xc", "dE", "max|dV|");
  double e_ref = 0.0;
  Eigen::MatrixXd V_ref;
  for (double tol : {0.0, 1e-14, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8}) {
    xc::XcOptions options;
    options.significance_tolerance = tol;
    const xc::XcIntegrator integrator(run.molecule, run.basis, grid, functional, options);
    const double best = timed(integrator, r);
    if (tol == 0.0) {
      e_ref = r.energy;
      V_ref = r.V;
    }
    std::printf("%10.0e %10.4f %10.1f %16.10f %10.1e %10.1e\n", tol, best, integrator.mean_functions_per_batch(),
                r.energy, r.energy - e_ref, (r.V - V_ref).cwiseAbs().maxCoeff());
  }
  return 0;
}
