#include "data/dataset_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "basis/basis_library.hpp"
#include "data/dataset_writer.hpp"
#include "data/hdf5_io.hpp"

namespace hamlet::data {
namespace {

using namespace detail;

BasisLibrary read_basis(const H5::Group& parent, const std::string& group_name) {
  BasisLibrary lib;
  H5::Group g = parent.openGroup(group_name);
  lib.name = read_string_attr(g, "name");
  for (const auto& symbol : link_names(g)) {
    H5::Group el = g.openGroup(symbol);
    const int Z = read_int_attr(el, "Z");
    const auto l = read_ints(el, "l");
    const auto nprim = read_ints(el, "nprimitive");
    const auto exponents = read_doubles(el, "exponents");
    const auto coefficients = read_doubles(el, "coefficients");
    if (nprim.size() != l.size() || exponents.size() != coefficients.size())
      throw H5::GroupIException("", "inconsistent basis definition for " + symbol);
    auto& shells = lib.shells[Z];
    size_t offset = 0;
    for (size_t s = 0; s < l.size(); ++s) {
      if (nprim[s] < 1 || offset + nprim[s] > exponents.size() || l[s] < 0 || l[s] > 10)
        throw H5::GroupIException("", "inconsistent basis definition for " + symbol);
      ShellDefinition def;
      def.l = l[s];
      def.exponents.assign(exponents.begin() + offset, exponents.begin() + offset + nprim[s]);
      def.coefficients.assign(coefficients.begin() + offset, coefficients.begin() + offset + nprim[s]);
      offset += nprim[s];
      shells.push_back(std::move(def));
    }
  }
  return lib;
}

DatasetMetadata read_metadata(const H5::H5File& f) {
  DatasetMetadata m;
  if (!f.attrExists("format") || read_string_attr(f, "format") != "hamlet-dataset")
    throw H5::FileIException("", "not a hamlet dataset (no format = \"hamlet-dataset\" attribute)");
  m.schema_version = read_int_attr(f, "schema_version");
  if (m.schema_version > kSchemaVersion || m.schema_version < 1)
    throw H5::FileIException("", fmt::format("schema version {} is not supported by this hamlet (reads 1 to {})",
                                             m.schema_version, kSchemaVersion));
  m.hamlet_version = read_string_attr(f, "hamlet_version");
  m.created = read_string_attr(f, "created");
  if (m.schema_version >= 2) {
    m.origin = read_string_attr(f, "origin");
    m.origin_details = read_string_attr(f, "origin_details");
  }
  auto& s = m.settings;
  s.basis = read_string_attr(f, "basis");
  s.method = read_string_attr(f, "method");
  s.density_fitting = read_bool_attr(f, "density_fitting");
  s.auxiliary_basis = read_string_attr(f, "auxiliary_basis");
  s.guess = read_string_attr(f, "guess");
  // Files before schema 3 computed H_sap on the grid of grid_level.
  s.sap_method = f.attrExists("sap_method") ? read_string_attr(f, "sap_method") : "grid";
  s.grid_level = read_int_attr(f, "grid_level");
  s.force_unrestricted = read_bool_attr(f, "force_unrestricted");
  s.convergence.max_iterations = read_int_attr(f, "max_iterations");
  s.convergence.energy_tolerance = read_double_attr(f, "energy_tolerance");
  s.convergence.commutator_tolerance = read_double_attr(f, "commutator_tolerance");
  s.convergence.diis_vectors = read_int_attr(f, "diis_vectors");
  s.convergence.damping = read_double_attr(f, "damping");
  s.convergence.level_shift = read_double_attr(f, "level_shift");
  m.basis = read_basis(f, "basis");
  if (s.density_fitting) m.auxiliary_basis = read_basis(f, "auxiliary_basis");
  return m;
}

Entry read_entry(const H5::Group& g, EntryParts parts) {
  Entry e;
  e.index = read_int64_attr(g, "index");
  e.source = read_string_attr(g, "source");
  e.charge = read_int_attr(g, "charge");
  e.multiplicity = read_int_attr(g, "multiplicity");
  e.method = read_string_attr(g, "method");
  e.restricted = read_string_attr(g, "reference") == "restricted";
  e.converged = read_bool_attr(g, "converged");
  e.iterations = read_int_attr(g, "iterations");
  e.nalpha = read_int_attr(g, "nalpha");
  e.nbeta = read_int_attr(g, "nbeta");
  e.nbf = read_int_attr(g, "nbf");
  e.energy = read_double_attr(g, "energy");
  auto& c = e.components;
  c.nuclear_repulsion = read_double_attr(g, "energy_nuclear_repulsion");
  c.one_electron = read_double_attr(g, "energy_one_electron");
  c.kinetic = read_double_attr(g, "energy_kinetic");
  c.coulomb = read_double_attr(g, "energy_coulomb");
  c.exact_exchange = read_double_attr(g, "energy_exact_exchange");
  c.xc = read_double_attr(g, "energy_xc");
  e.wall_seconds = read_double_attr(g, "wall_seconds");
  e.atomic_numbers = read_ints(g, "atomic_numbers");
  const Eigen::MatrixXd positions = read_matrix(g, "positions");
  if (positions.rows() != e.natoms() || positions.cols() != 3)
    throw H5::GroupIException("", g.getObjName() + ": positions do not match atomic_numbers");
  e.positions = positions;
  const Eigen::VectorXd dipole = read_vector(g, "dipole");
  if (dipole.size() != 3) throw H5::GroupIException("", g.getObjName() + ": dipole is not a 3-vector");
  e.dipole = dipole;
  if (parts == EntryParts::header) return e;
  e.S = read_matrix(g, "S");
  e.H_core = read_matrix(g, "H_core");
  if (g.nameExists("H_sap")) e.H_sap = read_matrix(g, "H_sap");
  e.density = read_matrix(g, "D");
  if (e.restricted) {
    e.fock = {read_matrix(g, "F")};
    e.orbital_energies = {read_vector(g, "orbital_energies")};
  } else {
    e.fock = {read_matrix(g, "F_alpha"), read_matrix(g, "F_beta")};
    e.spin_density = {read_matrix(g, "D_alpha"), read_matrix(g, "D_beta")};
    e.orbital_energies = {read_vector(g, "orbital_energies_alpha"), read_vector(g, "orbital_energies_beta")};
  }
  for (const Eigen::MatrixXd* m : {&e.S, &e.H_core, &e.density, &e.fock[0]})
    if (m->rows() != e.nbf || m->cols() != e.nbf)
      throw H5::GroupIException("", g.getObjName() + ": matrix size does not match nbf");
  return e;
}

}  // namespace

struct DatasetReader::Impl {
  std::filesystem::path path;
  // optional + emplace: HDF5's C++ handle classes do not support assignment reliably.
  std::optional<H5::H5File> file;
  std::optional<H5::Group> entries;
  DatasetMetadata metadata;
  std::vector<std::int64_t> indices;  // sorted
};

DatasetReader::DatasetReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  if (!std::filesystem::is_regular_file(path)) throw Error(path.string(), 0, "no such dataset file");
  guarded(path, "cannot read dataset (truncated, corrupted or not HDF5?)", [&] {
    impl_->file.emplace(path.string(), H5F_ACC_RDONLY, H5::FileCreatPropList::DEFAULT, file_access());
    impl_->metadata = read_metadata(*impl_->file);
    impl_->entries.emplace(impl_->file->openGroup("entries"));
    for (const auto& name : link_names(*impl_->entries)) {
      std::int64_t index = -1;
      auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
      if (ec != std::errc() || p != name.data() + name.size() || index < 0)
        throw H5::GroupIException("", "unexpected object /entries/" + name);
      impl_->indices.push_back(index);
    }
    std::sort(impl_->indices.begin(), impl_->indices.end());
  });
}

DatasetReader::~DatasetReader() {
  if (!impl_) return;
  try {
    guarded(impl_->path, "closing", [&] {
      impl_->entries.reset();
      impl_->file.reset();
    });
  } catch (...) {
  }
}

DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;
DatasetReader& DatasetReader::operator=(DatasetReader&&) noexcept = default;

const std::filesystem::path& DatasetReader::path() const { return impl_->path; }
const DatasetMetadata& DatasetReader::metadata() const { return impl_->metadata; }
size_t DatasetReader::size() const { return impl_->indices.size(); }
std::int64_t DatasetReader::index(size_t i) const { return impl_->indices.at(i); }
std::int64_t DatasetReader::file_id() const { return impl_->file->getId(); }

std::optional<size_t> DatasetReader::find(std::int64_t index) const {
  auto it = std::lower_bound(impl_->indices.begin(), impl_->indices.end(), index);
  if (it == impl_->indices.end() || *it != index) return std::nullopt;
  return static_cast<size_t>(it - impl_->indices.begin());
}

Entry DatasetReader::read(size_t i, EntryParts parts) const {
  const std::int64_t index = impl_->indices.at(i);
  return guarded(impl_->path, fmt::format("cannot read entry {}", index), [&] {
    Entry e = read_entry(impl_->entries->openGroup(entry_name(index)), parts);
    if (e.index != index) throw H5::GroupIException("", fmt::format("entry {} says index {}", index, e.index));
    return e;
  });
}

std::vector<size_t> DatasetReader::training_entries() const {
  std::vector<size_t> out;
  guarded(impl_->path, "cannot read the converged flags", [&] {
    for (size_t i = 0; i < size(); ++i)
      if (read_bool_attr(impl_->entries->openGroup(entry_name(impl_->indices[i])), "converged")) out.push_back(i);
  });
  return out;
}

BasisSet DatasetReader::basis(const Entry& entry) const { return make_basis(entry.molecule(), impl_->metadata.basis); }

}  // namespace hamlet::data
