#include "data/import.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>

#include "basis/basis_library.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "data/dataset_writer.hpp"
#include "data/import_sources.hpp"
#include "data/progress.hpp"
#include "grid/molecular_grid.hpp"
#include "integrals/one_body.hpp"
#include "scf/kohn_sham.hpp"
#include "scf/driver.hpp"
#include "scf/properties.hpp"
#include "scf/scf.hpp"

namespace hamlet::data {
namespace detail {

// Both formats hold def2-SVP matrices: PySCF and ORCA use the same shells (Weigend and Ahlrichs
// 2005, from the Basis Set Exchange) as Psi4's def2-svp.gbs, which hamlet reads.
constexpr const char* kBasis = "def2-svp";

int def2svp_function_count(const std::filesystem::path& file, const std::string& where,
                           const std::vector<int>& atomic_numbers) {
  const BasisLibrary& lib = basis_library(kBasis);
  int nbf = 0;
  for (int Z : atomic_numbers) {
    if (const std::string why = lib.unusable_reason(Z); !why.empty())
      throw Error(file.string(), 0,
                  fmt::format("{}: {} (Z = {}; {})", where, why, Z, lib.file.string()));
    for (const auto& shell : lib.shells.at(Z)) nbf += 2 * shell.l + 1;
  }
  return nbf;
}

}  // namespace detail

namespace {

using detail::RawStructure;

Molecule molecule_of(const RawStructure& s) {
  Molecule mol;
  for (size_t a = 0; a < s.atomic_numbers.size(); ++a)
    mol.atoms.push_back({s.atomic_numbers[a], s.positions.row(static_cast<Eigen::Index>(a)).transpose()});
  return mol;
}

// Everything an entry holds, from the imported F and hamlet's own one-electron matrices.
Entry make_imported_entry(const RawStructure& s, const std::filesystem::path& file, std::int64_t index,
                          const ImportOptions& o, AoOrder order, double& overlap_deviation) {
  auto fail = [&](const std::string& why) { throw Error(file.string(), 0, s.where + ": " + why); };
  const Molecule mol = molecule_of(s);
  const BasisSet basis = load_basis(mol, detail::kBasis);
  if (basis.max_l > 2 && order == AoOrder::psi4)
    fail("ORCA orders l >= 3 functions with sign changes that this importer does not convert");
  const int electrons = mol.electron_count();
  if (electrons % 2 != 0)
    fail(fmt::format("{} electrons: only closed-shell neutral molecules can be imported", electrons));

  Entry e;
  e.index = index;
  e.source = file.string() + ": " + s.where;
  e.atomic_numbers = s.atomic_numbers;
  e.positions = s.positions;
  e.method = o.method;
  e.converged = s.converged;
  e.nalpha = e.nbeta = electrons / 2;
  e.nbf = basis.nbf;
  // The source does not give hamlet's energy decomposition: NaN says "unknown" (SCHEMA.md).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  e.energy = nan;
  e.components = {nan, nan, nan, nan, nan, nan};

  e.S = integrals::overlap(basis);
  if (s.S.size() > 0) {
    const Eigen::MatrixXd S = from_ao_order(s.S, basis, order);
    Eigen::Index i = 0, j = 0;
    overlap_deviation = (S - e.S).cwiseAbs().maxCoeff(&i, &j);
    if (!(overlap_deviation <= o.overlap_tolerance))
      fail(fmt::format("the imported overlap, converted from ORCA AO order, differs from hamlet's def2-SVP "
                       "overlap by {:.3g} (tolerance {:.1g}) at AO pair ({}, {}): different AO convention, "
                       "basis or length unit; nothing was written",
                       overlap_deviation, o.overlap_tolerance, i, j));
  }
  const Eigen::MatrixXd F = from_ao_order(s.F, basis, order);
  e.fock = {0.5 * (F + F.transpose())};
  const Eigen::MatrixXd T = integrals::kinetic(basis);
  const Eigen::MatrixXd V = integrals::nuclear_attraction(basis, integrals::nuclei(mol));
  e.H_core = T + V;
  e.H_sap = T + scf::sap_potential_matrix(o.sap_method, mol, basis, V, o.grid_level);

  // Orbitals of the imported F (aufbau), as the SCF that produced it ended.
  const Eigen::MatrixXd X = scf::orthogonalizer(e.S);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(X.transpose() * e.fock[0] * X);
  if (es.info() != Eigen::Success || !es.eigenvalues().allFinite()) fail("F cannot be diagonalised (NaN in F?)");
  const Eigen::MatrixXd C = X * es.eigenvectors();
  if (C.cols() < e.nalpha) fail("fewer orbitals than electron pairs (linearly dependent basis)");
  e.orbital_energies = {es.eigenvalues()};
  e.density = 2.0 * C.leftCols(e.nalpha) * C.leftCols(e.nalpha).transpose();
  e.dipole = scf::dipole_moment(mol, basis, e.density);
  return e;
}

// max |F[D(F)] - F| with hamlet's `method`: small for a converged F in the right AO order,
// geometry and functional; one Fock build (a single SCF iteration from F as the guess).
double fock_deviation(const Entry& e, const ImportOptions& o, Eigen::Index& i, Eigen::Index& j) {
  scf::ScfSettings settings;
  settings.basis = detail::kBasis;
  settings.method = o.method;
  settings.grid_level = o.grid_level;
  scf::Guess guess;
  guess.fock = e.fock;
  settings.guess_matrices = &guess;
  settings.convergence.max_iterations = 1;
  const auto run = scf::run_scf(e.molecule(), settings);
  return (run.result.fock.at(0) - e.fock[0]).cwiseAbs().maxCoeff(&i, &j);
}

std::string default_method(ImportFormat f) { return f == ImportFormat::qh9 ? "b3lyp" : "pbe"; }

}  // namespace

ImportFormat import_format_from_name(const std::string& name) {
  if (name == "qh9") return ImportFormat::qh9;
  if (name == "md17") return ImportFormat::md17;
  throw Error("unknown import format '" + name + "' (qh9, md17)");
}

ImportSummary import_dataset(const ImportOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  ImportOptions o = options;
  if (o.method.empty()) o.method = default_method(o.format);
  for (auto& c : o.method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  grid::grid_level_spec(o.grid_level, 1);  // throw for an unknown level or method before any work
  for (auto& c : o.sap_method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  scf::check_sap_method(o.sap_method);
  const auto source =
      o.format == ImportFormat::qh9 ? detail::open_qh9(o.input, o.length_unit) : detail::open_md17(o.input);

  ImportSummary summary;
  summary.layout = source->layout();
  summary.rows = source->rows();
  const std::int64_t todo = o.limit < 0 ? summary.rows : std::min(o.limit, summary.rows);

  // Pass 1 (atoms only): every element must be in def2-SVP before anything is written.
  std::set<int> elements;
  source->for_each(o.limit, /*atoms_only=*/true, [&](RawStructure& s) {
    detail::def2svp_function_count(o.input, s.where, s.atomic_numbers);
    elements.insert(s.atomic_numbers.begin(), s.atomic_numbers.end());
  });
  if (todo == 0) throw Error(o.input.string(), 0, "no rows to import");

  scf::ScfSettings settings;
  settings.basis = detail::kBasis;
  settings.method = o.method;
  settings.guess = "sap";  // H_sap is stored, as with datagen's default guess
  settings.sap_method = o.sap_method;
  settings.grid_level = o.grid_level;
  Molecule one_of_each;
  for (int Z : elements) one_of_each.atoms.push_back({Z, Eigen::Vector3d::Zero()});
  DatasetMetadata meta = make_metadata(settings, {one_of_each});
  meta.origin = o.format == ImportFormat::qh9 ? "import qh9" : "import md17";
  meta.origin_details = source->origin_details();

  // Pass 2: convert and write; the writer removes its temporary file unless committed.
  DatasetWriter writer(o.output, meta);
  Progress progress(static_cast<size_t>(todo), 0, o.show_progress);
  std::int64_t index = 0;
  source->for_each(o.limit, /*atoms_only=*/false, [&](RawStructure& s) {
    double deviation = -1;
    const Entry e = make_imported_entry(s, o.input, index++, o, source->ao_order(), deviation);
    summary.max_overlap_deviation = std::max(summary.max_overlap_deviation, deviation);
    if (summary.fock_checked < o.check_fock) {
      Eigen::Index i = 0, j = 0;
      const double dev = fock_deviation(e, o, i, j);
      ++summary.fock_checked;
      summary.max_fock_deviation = std::max(summary.max_fock_deviation, dev);
      if (!(dev <= o.fock_tolerance))
        throw Error(o.input.string(), 0,
                    fmt::format("{}: hamlet's {} Fock matrix from the density of the imported F differs from it by "
                                "{:.3g} Eh at AO pair ({}, {}) (tolerance {:.2g}): the AO order, length unit or "
                                "--method does not match the file (or F is not converged); nothing was written",
                                s.where, o.method, dev, i, j, o.fock_tolerance));
    }
    summary.not_converged += !e.converged;
    writer.add(e);
    progress.advance();
  });
  progress.finish();
  writer.commit();
  summary.imported = index;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace hamlet::data
