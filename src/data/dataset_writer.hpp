#pragma once
// Writing datasets. A file is built under a temporary name and only renamed to its final name
// once complete and flushed to disk, so the final name never holds a half-written file
// (HDF5 files themselves are not crash-safe).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "data/dataset.hpp"

namespace hamlet::data {

class DatasetReader;

class DatasetWriter {
 public:
  DatasetWriter(std::filesystem::path path, const DatasetMetadata& metadata);
  ~DatasetWriter();  // removes the temporary file unless commit() succeeded
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // Throws hamlet::Error if an entry with the same index was already added.
  void add(const Entry& entry);
  // Copies entry i of `source` as stored on disk (no decompression, no re-encoding).
  void copy_from(const DatasetReader& source, size_t i);
  size_t size() const;
  // Closes the file, fsyncs it, renames it into place and fsyncs the directory.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A dataset holding exactly one entry, written atomically (the per-structure "part" files).
void write_single_entry_dataset(const std::filesystem::path& path, const DatasetMetadata& metadata,
                                const Entry& entry);

// The bytes of the file write_single_entry_dataset writes (built in the temporary folder):
// MPI worker ranks send these to rank 0, which writes them with write_file_durably.
std::string single_entry_dataset_image(const DatasetMetadata& metadata, const Entry& entry);

// Writes `bytes` under a temporary name next to `path`, then durable_rename()s it to `path`.
void write_file_durably(const std::filesystem::path& path, const std::string& bytes);

// Group name of an entry below /entries: the index zero-padded to 8 digits ("00000123").
std::string entry_name(std::int64_t index);

// A temporary name next to `path`, unique per process and call ("<path>.tmp.<pid>.<n>").
std::filesystem::path temp_name(const std::filesystem::path& path);

// fsync `from`, rename it to `to`, fsync the directory: after return the rename survives a crash.
void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace hamlet::data
