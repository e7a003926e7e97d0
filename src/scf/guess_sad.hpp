#pragma once
// Superposition of atomic densities (SAD) initial guess, as Psi4 and PySCF start: each element's
// spherically averaged Hartree–Fock density in its own shells of the molecular basis, placed on
// the block diagonal. The density is not idempotent; the first Fock matrix is built from it,
// which avoids the wrong occupations that diagonalising a model Hamiltonian can give.
#include "basis/basis_set.hpp"
#include "chem/molecule.hpp"
#include "integrals/jk.hpp"

namespace hamlet::scf {

// Total (alpha + beta) SAD density of the neutral atoms with its factor (density = factor
// factor^T, positive semidefinite), for the basis `basis` built on `mol`. Atomic SCFs are
// spin-restricted with fractional occupations: a partly filled degenerate shell is occupied
// evenly, which keeps the atom spherical. Throws hamlet::Error if an atomic SCF fails.
integrals::FactoredDensity sad_density(const Molecule& mol, const BasisSet& basis);

// The spherically averaged atomic density of one atom (its shells of `basis`): the block that
// sad_density places on the diagonal; tr(D S_atom) = Z.
integrals::FactoredDensity atomic_density(const Molecule& mol, const BasisSet& basis, int atom);

}  // namespace hamlet::scf
