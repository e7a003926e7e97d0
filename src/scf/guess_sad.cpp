#include "scf/guess_sad.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <map>
#include <utility>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "integrals/one_body.hpp"
#include "scf/diis.hpp"
#include "scf/scf.hpp"

namespace hamlet::scf {
namespace {

// The shells of one atom as a basis set of their own.
BasisSet atom_basis(const BasisSet& basis, int atom) {
  BasisSet b;
  b.name = basis.name;
  for (int s = basis.atom_shell_begin[atom]; s < basis.atom_shell_begin[atom + 1]; ++s) {
    Shell sh = basis.shells[s];
    sh.atom = 0;
    b.shell_offset.push_back(b.nbf);
    b.nbf += sh.size();
    b.max_l = std::max(b.max_l, sh.l);
    b.shells.push_back(std::move(sh));
  }
  b.atom_shell_begin = {0, static_cast<int>(b.shells.size())};
  b.atom_ao_begin = {0, b.nbf};
  return b;
}

// Aufbau occupations (0..2 per orbital) for `electrons`, with a partly filled group of
// degenerate orbitals occupied evenly. Degeneracy is relative to the orbital-energy scale:
// symmetry-equivalent orbitals of a spherical atom agree to rounding.
Eigen::VectorXd spherical_occupations(const Eigen::VectorXd& eps, double electrons) {
  Eigen::VectorXd n = Eigen::VectorXd::Zero(eps.size());
  const double tol = 1e-8 * std::max(1.0, eps.cwiseAbs().maxCoeff());
  int i = 0;
  while (electrons > 1e-12 && i < eps.size()) {
    int j = i + 1;
    while (j < eps.size() && eps(j) - eps(i) < tol) ++j;
    const double per_orbital = std::min(2.0, electrons / (j - i));
    n.segment(i, j - i).setConstant(per_orbital);
    electrons -= per_orbital * (j - i);
    i = j;
  }
  if (electrons > 1e-12) throw Error("SAD guess: the atom's basis cannot hold its electrons");
  return n;
}

}  // namespace

integrals::FactoredDensity atomic_density(const Molecule& mol, const BasisSet& basis, int atom) {
  const int Z = mol.atoms.at(atom).Z;
  const BasisSet b = atom_basis(basis, atom);
  const Eigen::MatrixXd S = integrals::overlap(b);
  const Eigen::MatrixXd H =
      integrals::kinetic(b) + integrals::nuclear_attraction(b, {{double(Z), mol.atoms[atom].position}});
  const Eigen::MatrixXd X = orthogonalizer(S);
  const auto jk = integrals::make_exact_jk(b);

  // Restricted Hartree–Fock with fractional occupations; densities per spin (half the total).
  integrals::FactoredDensity spin;
  Diis diis(8);
  Eigen::MatrixXd F = H;
  std::vector<Eigen::MatrixXd> J, K;
  for (int iter = 1; iter <= 200; ++iter) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(X.transpose() * F * X);
    const Eigen::MatrixXd C = X * es.eigenvectors();
    const Eigen::VectorXd n = spherical_occupations(es.eigenvalues(), Z);
    spin.factor = C * (0.5 * n).cwiseSqrt().asDiagonal();
    spin.density = spin.factor * spin.factor.transpose();
    jk->compute({spin}, true, J, K);
    const Eigen::MatrixXd Fnew = H + 2.0 * J[0] - K[0];
    const Eigen::MatrixXd FDS = Fnew * spin.density * S;
    const Eigen::MatrixXd err = X.transpose() * (FDS - FDS.transpose()) * X;
    if (err.cwiseAbs().maxCoeff() < 1e-7) {
      integrals::FactoredDensity total;  // occupied columns only: the J/K cost scales with them
      std::vector<int> occupied;
      for (int k = 0; k < n.size(); ++k)
        if (n(k) > 0.0) occupied.push_back(k);
      total.factor = std::sqrt(2.0) * spin.factor(Eigen::all, occupied);
      total.density = 2.0 * spin.density;
      return total;
    }
    F = diis.extrapolate({Fnew}, {err})[0];
  }
  throw Error("SAD guess: the atomic SCF of " + std::string(element_symbol(Z)) + " (basis " + basis.name +
              ") did not converge in 200 iterations");
}

integrals::FactoredDensity sad_density(const Molecule& mol, const BasisSet& basis) {
  // One atomic SCF per element (same shells for every atom of an element in a named basis;
  // keyed by Z and the shell exponents so that per-atom basis files stay correct).
  std::map<std::pair<int, std::vector<double>>, integrals::FactoredDensity> cache;
  std::vector<const integrals::FactoredDensity*> per_atom(mol.natoms());
  int columns = 0;
  for (int a = 0; a < mol.natoms(); ++a) {
    std::vector<double> key;
    for (int s = basis.atom_shell_begin[a]; s < basis.atom_shell_begin[a + 1]; ++s) {
      key.push_back(basis.shells[s].l);
      key.insert(key.end(), basis.shells[s].exponents.begin(), basis.shells[s].exponents.end());
    }
    auto it = cache.find({mol.atoms[a].Z, key});
    if (it == cache.end()) it = cache.emplace(std::make_pair(mol.atoms[a].Z, key), atomic_density(mol, basis, a)).first;
    per_atom[a] = &it->second;
    columns += static_cast<int>(it->second.factor.cols());
  }
  integrals::FactoredDensity d;
  d.density = Eigen::MatrixXd::Zero(basis.nbf, basis.nbf);
  d.factor = Eigen::MatrixXd::Zero(basis.nbf, columns);
  int col = 0;
  for (int a = 0; a < mol.natoms(); ++a) {
    const int first = basis.atom_ao_begin[a], n = basis.atom_ao_begin[a + 1] - first;
    const auto& atomic = *per_atom[a];
    d.density.block(first, first, n, n) = atomic.density;
    d.factor.block(first, col, n, atomic.factor.cols()) = atomic.factor;
    col += static_cast<int>(atomic.factor.cols());
  }
  return d;
}

}  // namespace hamlet::scf
