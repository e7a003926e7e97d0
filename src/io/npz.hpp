#pragma once
// NumPy .npz archives: a ZIP file of .npy members, stored uncompressed (what numpy.savez
// writes). Members are streamed to disk one at a time, so archives larger than memory are fine;
// ZIP64 records are added when sizes, offsets or the member count exceed the 32/16-bit limits.
// The archive is written under a temporary name and renamed on commit() (core/atomic_file).
#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hamlet::io {

class NpzWriter {
 public:
  // always_zip64: write ZIP64 records even when not needed (tests exercise that path).
  explicit NpzWriter(std::filesystem::path path, bool always_zip64 = false);
  ~NpzWriter();  // without commit(), removes the temporary file
  NpzWriter(const NpzWriter&) = delete;
  NpzWriter& operator=(const NpzWriter&) = delete;

  // `name` is the key numpy.load returns ("00000003/F"); ".npy" is appended.
  void add(const std::string& name, const Eigen::MatrixXd& m);  // float64 [rows, cols]
  void add(const std::string& name, const Eigen::VectorXd& v);  // float64 [n]
  void add(const std::string& name, const std::vector<std::int32_t>& v);
  void add(const std::string& name, const std::vector<std::int64_t>& v);
  void add_text(const std::string& name, const std::string& ascii);  // 0-d unicode ('<U')
  void commit();

 private:
  void add_member(const std::string& name, const std::string& npy);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// CRC-32 (ISO 3309, as ZIP uses), continuing from `crc`.
std::uint32_t crc32(const void* data, size_t n, std::uint32_t crc = 0);

}  // namespace hamlet::io
