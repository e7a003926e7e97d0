#pragma once
// Shared assertions for SCF results against Psi4 reference values.
#include <gtest/gtest.h>

#include "scf/driver.hpp"
#include "scf/properties.hpp"
#include "support/psi4_reference.hpp"

namespace hamlet::test {

inline const ReferenceMolecule& reference_molecule(const std::string& name) {
  for (const auto& m : psi4_reference_molecules())
    if (m.name == name) return m;
  throw std::runtime_error("no Psi4 reference molecule '" + name + "'");
}

struct Tolerances {
  double energy, orbital_energy, dipole;
};

inline scf::ScfRun run_reference(const ReferenceMolecule& m, const std::string& method, bool df) {
  scf::ScfSettings s;
  s.basis = "def2-svp";
  s.method = method;
  s.density_fitting = df;
  s.grid_level = 3;  // 99 radial x degree 41: matches Psi4's (99, 590) reference grid
  s.convergence.energy_tolerance = 1e-11;
  s.convergence.commutator_tolerance = 1e-9;
  return scf::run_scf(molecule_from_xyz_lines(m.xyz), s);
}

inline void expect_matches(const scf::ScfRun& run, const Psi4Reference& ref, const Tolerances& tol,
                           const std::string& label) {
  const auto& r = run.result;
  ASSERT_TRUE(r.converged) << label;
  EXPECT_EQ(run.basis.nbf, ref.nbf) << label;
  EXPECT_EQ(r.nalpha, ref.nocc) << label;
  EXPECT_NEAR(r.energy, ref.energy, tol.energy) << label;
  ASSERT_EQ(r.orbital_energies[0].size(), static_cast<long>(ref.orbital_energies.size()));
  double max_eps = 0;
  for (size_t i = 0; i < ref.orbital_energies.size(); ++i)
    max_eps = std::max(max_eps, std::abs(r.orbital_energies[0](i) - ref.orbital_energies[i]));
  EXPECT_LT(max_eps, tol.orbital_energy) << label;
  Eigen::Vector3d mu = scf::dipole_moment(run.molecule, run.basis, r.total_density());
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(mu(k), ref.dipole_au[k], tol.dipole) << label << " dipole " << k;
}

}  // namespace hamlet::test
