#pragma once
// NumPy .npy files (format version 1.0, little-endian float64, C order) for matrices and vectors.
#include <Eigen/Core>
#include <filesystem>
#include <string>
#include <vector>

namespace hamlet::io {

// Writes atomically (temporary file + rename).
void write_npy(const std::filesystem::path& path, const Eigen::MatrixXd& m);
void write_npy(const std::filesystem::path& path, const Eigen::VectorXd& v);
// The bytes of a .npy file (version 1.0, C order) holding `nbytes` of data with numpy type
// `descr` ("<f8", "<i4", "<U5", ...) and `shape` (empty: a 0-d array).
std::string npy_bytes(const std::string& descr, const std::vector<size_t>& shape, const void* data, size_t nbytes);
// Reads a 1-D or 2-D float64 array (C or Fortran order); 1-D arrays become one column.
Eigen::MatrixXd read_npy(const std::filesystem::path& path);

}  // namespace hamlet::io
