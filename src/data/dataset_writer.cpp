#include "data/dataset_writer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include "core/elements.hpp"
#include "data/dataset_reader.hpp"
#include "data/hdf5_io.hpp"

namespace hamlet::data {
namespace {

using namespace detail;

void fsync_path(const std::filesystem::path& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw Error(p.string(), 0, "cannot open to flush to disk");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw Error(p.string(), 0, "fsync failed (disk full or I/O error?)");
}

void write_basis(H5::Group& parent, const std::string& group_name, const BasisLibrary& lib) {
  H5::Group g = parent.createGroup(group_name);
  write_attr(g, "name", lib.name);
  for (const auto& [Z, shells] : lib.shells) {
    H5::Group el = g.createGroup(std::string(element_symbol(Z)));
    write_attr(el, "Z", Z);
    std::vector<int> l, nprim;
    std::vector<double> exponents, coefficients;
    for (const auto& s : shells) {
      l.push_back(s.l);
      nprim.push_back(static_cast<int>(s.exponents.size()));
      exponents.insert(exponents.end(), s.exponents.begin(), s.exponents.end());
      coefficients.insert(coefficients.end(), s.coefficients.begin(), s.coefficients.end());
    }
    write_ints(el, "l", l);
    write_ints(el, "nprimitive", nprim);
    write_doubles(el, "exponents", exponents);
    write_doubles(el, "coefficients", coefficients);
  }
}

void write_metadata(H5::H5File& f, const DatasetMetadata& m) {
  const auto& s = m.settings;
  write_attr(f, "format", std::string("hamlet-dataset"));
  write_attr(f, "schema_version", m.schema_version);
  write_attr(f, "hamlet_version", m.hamlet_version);
  write_attr(f, "created", m.created);
  write_attr(f, "origin", m.origin);
  write_attr(f, "origin_details", m.origin_details);
  write_attr(f, "basis", s.basis);
  write_attr(f, "method", s.method);
  write_bool_attr(f, "density_fitting", s.density_fitting);
  write_attr(f, "auxiliary_basis", s.auxiliary_basis);
  write_attr(f, "guess", s.guess);
  write_attr(f, "sap_method", s.sap_method);
  write_attr(f, "grid_level", s.grid_level);
  write_bool_attr(f, "force_unrestricted", s.force_unrestricted);
  write_attr(f, "max_iterations", s.convergence.max_iterations);
  write_attr(f, "energy_tolerance", s.convergence.energy_tolerance);
  write_attr(f, "commutator_tolerance", s.convergence.commutator_tolerance);
  write_attr(f, "diis_vectors", s.convergence.diis_vectors);
  write_attr(f, "damping", s.convergence.damping);
  write_attr(f, "level_shift", s.convergence.level_shift);
  write_attr(f, "ao_order", std::string("hamlet: atoms in input order, shells in basis-file order, "
                                        "spherical m=-l..l (p: y,z,x), libint2 normalisation"));
  write_attr(f, "units", std::string("atomic: bohr, hartree, e*bohr"));
  write_basis(f, "basis", m.basis);
  if (m.settings.density_fitting) write_basis(f, "auxiliary_basis", m.auxiliary_basis);
  f.createGroup("entries");
}

void write_entry(H5::Group& entries, const Entry& e) {
  H5::Group g = entries.createGroup(entry_name(e.index));
  write_attr(g, "index", e.index);
  write_attr(g, "source", e.source);
  write_attr(g, "charge", e.charge);
  write_attr(g, "multiplicity", e.multiplicity);
  write_attr(g, "method", e.method);
  write_attr(g, "reference", std::string(e.restricted ? "restricted" : "unrestricted"));
  write_bool_attr(g, "converged", e.converged);
  write_attr(g, "iterations", e.iterations);
  write_attr(g, "nalpha", e.nalpha);
  write_attr(g, "nbeta", e.nbeta);
  write_attr(g, "nbf", e.nbf);
  write_attr(g, "energy", e.energy);
  const auto& c = e.components;
  write_attr(g, "energy_nuclear_repulsion", c.nuclear_repulsion);
  write_attr(g, "energy_one_electron", c.one_electron);
  write_attr(g, "energy_kinetic", c.kinetic);
  write_attr(g, "energy_coulomb", c.coulomb);
  write_attr(g, "energy_exact_exchange", c.exact_exchange);
  write_attr(g, "energy_xc", c.xc);
  write_attr(g, "wall_seconds", e.wall_seconds);
  write_ints(g, "atomic_numbers", e.atomic_numbers);
  write_matrix(g, "positions", e.positions, /*compress=*/false);
  write_vector(g, "dipole", e.dipole);
  write_matrix(g, "S", e.S);
  write_matrix(g, "H_core", e.H_core);
  if (e.H_sap.size() > 0) write_matrix(g, "H_sap", e.H_sap);
  write_matrix(g, "D", e.density);
  if (e.restricted) {
    write_matrix(g, "F", e.fock.at(0));
    write_vector(g, "orbital_energies", e.orbital_energies.at(0));
  } else {
    const char* spin[2] = {"_alpha", "_beta"};
    for (int s = 0; s < 2; ++s) {
      write_matrix(g, std::string("F") + spin[s], e.fock.at(s));
      write_matrix(g, std::string("D") + spin[s], e.spin_density.at(s));
      write_vector(g, std::string("orbital_energies") + spin[s], e.orbital_energies.at(s));
    }
  }
}

}  // namespace

std::filesystem::path temp_name(const std::filesystem::path& path) {
  static std::atomic<int> counter{0};
  auto tmp = path;
  tmp += fmt::format(".tmp.{}.{}", ::getpid(), counter++);
  return tmp;
}

std::string entry_name(std::int64_t index) { return fmt::format("{:08d}", index); }

void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  fsync_path(from, false);
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) throw Error(to.string(), 0, "cannot rename " + from.string() + " into place: " + ec.message());
  fsync_path(to.has_parent_path() ? to.parent_path() : ".", true);
}

struct DatasetWriter::Impl {
  std::filesystem::path path, tmp;
  // optional + emplace: HDF5's C++ handle classes do not support assignment reliably.
  std::optional<H5::H5File> file;
  std::optional<H5::Group> entries;
  std::set<std::int64_t> indices;
  bool committed = false;
};

DatasetWriter::DatasetWriter(std::filesystem::path path, const DatasetMetadata& metadata)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(path);
  impl_->tmp = temp_name(impl_->path);
  guarded(impl_->path, "cannot create dataset", [&] {
    impl_->file.emplace(impl_->tmp.string(), H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, file_access());
    write_metadata(*impl_->file, metadata);
    impl_->entries.emplace(impl_->file->openGroup("entries"));
  });
}

DatasetWriter::~DatasetWriter() {
  if (impl_->committed) return;
  try {
    guarded(impl_->path, "closing", [&] {
      impl_->entries.reset();
      impl_->file.reset();
    });
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove(impl_->tmp, ec);
}

void DatasetWriter::add(const Entry& entry) {
  if (!impl_->indices.insert(entry.index).second)
    throw Error(impl_->path.string(), 0, fmt::format("entry {} added twice", entry.index));
  guarded(impl_->path, fmt::format("cannot write entry {}", entry.index), [&] { write_entry(*impl_->entries, entry); });
}

void DatasetWriter::copy_from(const DatasetReader& source, size_t i) {
  const std::int64_t index = source.index(i);
  if (!impl_->indices.insert(index).second)
    throw Error(impl_->path.string(), 0, fmt::format("entry {} added twice", index));
  const std::string name = entry_name(index);
  guarded(source.path(), fmt::format("cannot copy entry {}", index), [&] {
    if (H5Ocopy(static_cast<hid_t>(source.file_id()), ("entries/" + name).c_str(), impl_->entries->getId(),
                name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw H5::GroupIException("", "H5Ocopy failed");
  });
}

size_t DatasetWriter::size() const { return impl_->indices.size(); }

void DatasetWriter::commit() {
  guarded(impl_->path, "cannot finish writing", [&] {
    impl_->entries->close();
    impl_->file->close();  // unlike the destructor, close() reports a failed final flush
    impl_->entries.reset();
    impl_->file.reset();
  });
  durable_rename(impl_->tmp, impl_->path);
  impl_->committed = true;
}

std::string single_entry_dataset_image(const DatasetMetadata& metadata, const Entry& entry) {
  // Through a real temporary file: HDF5 1.10's in-memory (core driver) images of files in the
  // 1.10 format failed their metadata checksums when read back.
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("hamlet-part-{}-{}.h5", ::getpid(), counter++);
  write_single_entry_dataset(path, metadata, entry);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool ok = static_cast<bool>(in) || in.eof();
  in.close();
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (!ok || bytes.empty()) throw Error(path.string(), 0, "cannot read back the temporary part file");
  return bytes;
}

void write_file_durably(const std::filesystem::path& path, const std::string& bytes) {
  const auto tmp = temp_name(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error(path.string(), 0, "write failed (disk full?)");
    }
  }
  durable_rename(tmp, path);
}

void write_single_entry_dataset(const std::filesystem::path& path, const DatasetMetadata& metadata,
                                const Entry& entry) {
  DatasetWriter w(path, metadata);
  w.add(entry);
  w.commit();
}

}  // namespace hamlet::data
