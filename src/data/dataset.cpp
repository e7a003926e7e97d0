#include "data/dataset.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "basis/basis_library.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "hamlet/version.hpp"
#include "scf/properties.hpp"

namespace hamlet::data {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string utc_now_iso8601() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// Library restricted to `elements`; throws hamlet::Error naming a missing element.
BasisLibrary library_for(const std::string& name, const std::set<int>& elements) {
  const BasisLibrary& full = basis_library(name);
  BasisLibrary lib;
  lib.name = name;
  lib.file = full.file;
  for (int Z : elements) {
    if (const std::string why = full.unusable_reason(Z); !why.empty()) throw Error(full.file.string(), 0, why);
    lib.shells[Z] = full.shells.at(Z);
  }
  return lib;
}

bool same_shells(const std::vector<ShellDefinition>& a, const std::vector<ShellDefinition>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].l != b[i].l || a[i].exponents != b[i].exponents || a[i].coefficients != b[i].coefficients)
      return false;
  return true;
}

// First element whose definitions differ between the two libraries, or 0.
int first_differing_element(const BasisLibrary& a, const BasisLibrary& b) {
  for (const auto& [Z, shells] : a.shells) {
    auto it = b.shells.find(Z);
    if (it != b.shells.end() && !same_shells(shells, it->second)) return Z;
  }
  return 0;
}

}  // namespace

Molecule Entry::molecule() const {
  Molecule mol;
  for (int a = 0; a < natoms(); ++a) mol.atoms.push_back({atomic_numbers[a], positions.row(a).transpose()});
  mol.charge = charge;
  mol.multiplicity = multiplicity;
  mol.source = source;
  return mol;
}

Entry make_entry(const scf::ScfRun& run, std::int64_t index, const std::string& method, double wall_seconds) {
  const auto& r = run.result;
  Entry e;
  e.index = index;
  e.source = run.molecule.source;
  const int n = run.molecule.natoms();
  e.positions.resize(n, 3);
  for (int a = 0; a < n; ++a) {
    e.atomic_numbers.push_back(run.molecule.atoms[a].Z);
    e.positions.row(a) = run.molecule.atoms[a].position.transpose();
  }
  e.charge = run.molecule.charge;
  e.multiplicity = run.molecule.multiplicity;
  e.method = lower(method);
  e.restricted = r.restricted;
  e.converged = r.converged;
  e.iterations = r.iterations;
  e.nalpha = r.nalpha;
  e.nbeta = r.nbeta;
  e.nbf = run.basis.nbf;
  e.energy = r.energy;
  e.components = r.components;
  e.density = r.total_density();
  e.dipole = scf::dipole_moment(run.molecule, run.basis, e.density);
  e.wall_seconds = wall_seconds;
  e.S = run.S;
  e.H_core = run.H_core;
  e.H_sap = run.H_sap;
  e.fock = r.fock;
  if (!r.restricted) e.spin_density = r.density;
  e.orbital_energies = r.orbital_energies;
  return e;
}

DatasetMetadata make_metadata(const scf::ScfSettings& settings, const std::vector<Molecule>& molecules) {
  DatasetMetadata meta;
  meta.hamlet_version = kVersion;
  meta.created = utc_now_iso8601();
  meta.settings = settings;
  meta.settings.method = lower(settings.method);
  meta.settings.guess = lower(settings.guess);
  meta.settings.sap_method = lower(settings.sap_method);
  meta.settings.guess_matrices = nullptr;
  std::set<int> elements;
  for (const auto& m : molecules)
    for (const auto& a : m.atoms) elements.insert(a.Z);
  meta.basis = library_for(settings.basis, elements);
  if (settings.density_fitting) {
    if (meta.settings.auxiliary_basis.empty()) meta.settings.auxiliary_basis = default_jkfit_basis(settings.basis);
    meta.auxiliary_basis = library_for(meta.settings.auxiliary_basis, elements);
  }
  return meta;
}

std::string settings_difference(const DatasetMetadata& existing, const DatasetMetadata& wanted) {
  const auto& a = existing.settings;
  const auto& b = wanted.settings;
  auto differs = [](const std::string& what, const auto& x, const auto& y) {
    return fmt::format("{} is {} there but {} here", what, x, y);
  };
  // Entries of schema 1 and 2 are laid out alike, so a version 1 dataset is completed as 2.
  if (existing.origin != wanted.origin) return differs("origin", existing.origin, wanted.origin);
  if (lower(a.method) != lower(b.method)) return differs("method", a.method, b.method);
  if (a.density_fitting != b.density_fitting) return differs("density fitting", a.density_fitting, b.density_fitting);
  if (lower(a.guess) != lower(b.guess)) return differs("guess", a.guess, b.guess);
  if (lower(a.guess) == "sap" && lower(a.sap_method) != lower(b.sap_method))  // one H_sap kind per file
    return differs("SAP method", a.sap_method, b.sap_method);
  if (a.grid_level != b.grid_level) return differs("grid level", a.grid_level, b.grid_level);
  if (a.force_unrestricted != b.force_unrestricted)
    return differs("unrestricted", a.force_unrestricted, b.force_unrestricted);
  const auto &ca = a.convergence, &cb = b.convergence;
  if (ca.max_iterations != cb.max_iterations) return differs("max iterations", ca.max_iterations, cb.max_iterations);
  if (ca.energy_tolerance != cb.energy_tolerance)
    return differs("energy tolerance", ca.energy_tolerance, cb.energy_tolerance);
  if (ca.commutator_tolerance != cb.commutator_tolerance)
    return differs("commutator tolerance", ca.commutator_tolerance, cb.commutator_tolerance);
  if (ca.diis_vectors != cb.diis_vectors) return differs("DIIS vectors", ca.diis_vectors, cb.diis_vectors);
  if (ca.damping != cb.damping) return differs("damping", ca.damping, cb.damping);
  if (ca.level_shift != cb.level_shift) return differs("level shift", ca.level_shift, cb.level_shift);
  if (int Z = first_differing_element(existing.basis, wanted.basis))
    return fmt::format("basis functions of {} differ ('{}' there, '{}' here)", element_symbol(Z),
                       existing.basis.name, wanted.basis.name);
  if (int Z = first_differing_element(existing.auxiliary_basis, wanted.auxiliary_basis))
    return fmt::format("auxiliary basis functions of {} differ ('{}' there, '{}' here)", element_symbol(Z),
                       existing.auxiliary_basis.name, wanted.auxiliary_basis.name);
  return {};
}

}  // namespace hamlet::data
