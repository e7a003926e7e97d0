// H_SAP by grid quadrature vs by the error-function fit: time and largest matrix difference.
// Usage: bench_sap molecule.xyz [basis] [repeats]; threads from OMP_NUM_THREADS. Not a test.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "atom/sap_fit.hpp"
#include "basis/basis_library.hpp"
#include "chem/xyz.hpp"
#include "grid/molecular_grid.hpp"
#include "integrals/one_body.hpp"
#include "scf/kohn_sham.hpp"

using namespace hamlet;
using Clock = std::chrono::steady_clock;

template <typename F>
double best_seconds(int repeats, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s molecule.xyz [basis] [repeats]\n", argv[0]);
    return 1;
  }
  const Molecule mol = read_xyz(argv[1]);
  const std::string basis_name = argc > 2 ? argv[2] : "def2-svp";
  const int repeats = argc > 3 ? std::stoi(argv[3]) : 5;
  const BasisSet basis = load_basis(mol, basis_name);
  std::printf("%d atoms, %s, %d functions, %d threads\n", mol.natoms(), basis_name.c_str(), basis.nbf,
              omp_get_max_threads());

  // First use: atomic solves and fits (cached afterwards), reported separately.
  auto t0 = Clock::now();
  for (const auto& a : mol.atoms) atom::sap_potential(a.Z);
  const double t_atoms = std::chrono::duration<double>(Clock::now() - t0).count();
  t0 = Clock::now();
  for (const auto& a : mol.atoms) atom::sap_erf_fit(a.Z);
  const double t_fits = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("first use: atomic SAP solves %.3f s, erf fits %.4f s\n", t_atoms, t_fits);

  Eigen::MatrixXd V;
  const double t_nuc = best_seconds(repeats, [&] { V = integrals::nuclear_attraction(basis, integrals::nuclei(mol)); });
  Eigen::MatrixXd H_erf;
  const double t_erf = best_seconds(repeats, [&] { H_erf = scf::sap_potential_matrix_erf(mol, basis); });
  std::printf("nuclear attraction      %8.4f s\n", t_nuc);
  std::printf("erf SAP (with nuclei)   %8.4f s\n", t_erf);
  // Grid levels 1..4; level 4 (150 radial x degree 59) is the finest, the best reference there is.
  std::vector<Eigen::MatrixXd> H_grid(5);
  for (int level = 1; level <= 4; ++level) {
    grid::GridOptions options;
    options.level = level;
    grid::MolecularGrid grid;
    const double t_grid_build = best_seconds(1, [&] { grid = grid::build_molecular_grid(mol, options); });
    const double t_grid = best_seconds(level <= 2 ? repeats : 1,
                                       [&] { H_grid[level] = scf::sap_potential_matrix(mol, basis, V, grid); });
    std::printf("grid level %d: build %.4f s, SAP integration %.4f s\n", level, t_grid_build, t_grid);
  }
  auto max_diff = [](const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); };
  std::printf("max |H_erf - H_grid(level)| for levels 1..4: %.2e %.2e %.2e %.2e Eh\n", max_diff(H_erf, H_grid[1]),
              max_diff(H_erf, H_grid[2]), max_diff(H_erf, H_grid[3]), max_diff(H_erf, H_grid[4]));
  std::printf("max |H_grid(level) - H_grid(4)| for levels 1..3: %.2e %.2e %.2e Eh\n", max_diff(H_grid[1], H_grid[4]),
              max_diff(H_grid[2], H_grid[4]), max_diff(H_grid[3], H_grid[4]));
}
