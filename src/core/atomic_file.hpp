#pragma once
// Crash-safe output: write to "<path>.tmp.<pid>", then rename over <path> on commit().
// If the writer is destroyed without commit() (exception, early return) the temporary
// file is removed, so no half-written output is ever left under the final name.
#include <filesystem>
#include <fstream>
#include <string>

namespace hamlet {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ofstream& stream() { return out_; }
  const std::filesystem::path& temp_path() const { return tmp_; }
  // Flush, fsync and rename into place; throws hamlet::Error on failure.
  void commit();

 private:
  std::filesystem::path path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

// Write a whole text file atomically.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace hamlet
