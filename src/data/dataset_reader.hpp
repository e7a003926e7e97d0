#pragma once
// Reading datasets (schema: src/data/SCHEMA.md). Opening reads only the metadata and the list
// of entry names; entries are read one at a time, so files larger than memory are fine.
// Safe to use from several threads (HDF5 calls are serialised inside).
//
// Structures whose SCF did not converge are stored (converged = false) so that datagen does not
// retry them, but they are not training data: training code should iterate training_entries().
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "data/dataset.hpp"

namespace hamlet::data {

enum class EntryParts {
  all,     // everything
  header,  // attributes, atomic numbers, positions, dipole; no matrices or orbital energies
};

class DatasetReader {
 public:
  // Throws hamlet::Error naming the file for missing, truncated, corrupted or foreign files
  // and for files of a newer schema version.
  explicit DatasetReader(const std::filesystem::path& path);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;
  DatasetReader& operator=(DatasetReader&&) noexcept;

  const std::filesystem::path& path() const;
  const DatasetMetadata& metadata() const;
  size_t size() const;
  // Input index of the i-th entry; entries are ordered by input index.
  std::int64_t index(size_t i) const;
  std::optional<size_t> find(std::int64_t index) const;
  // Throws hamlet::Error (file, entry, cause) if the entry cannot be read, e.g. on a checksum
  // mismatch of a corrupted chunk.
  Entry read(size_t i, EntryParts parts = EntryParts::all) const;
  // Positions i of the entries whose SCF converged.
  std::vector<size_t> training_entries() const;
  // The entry's basis, rebuilt from the definitions stored in the file.
  BasisSet basis(const Entry& entry) const;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    iterator(const DatasetReader* reader, size_t i) : reader_(reader), i_(i) {}
    Entry operator*() const { return reader_->read(i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const DatasetReader* reader_;
    size_t i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }

 private:
  friend class DatasetWriter;
  std::int64_t file_id() const;  // the HDF5 file id, for copying entries without decoding

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hamlet::data
