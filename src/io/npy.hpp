#pragma once
// NumPy .npy files (format version 1.0, little-endian float64, C order) for matrices and vectors.
#include <Eigen/Core>
#include <filesystem>

namespace hamlet::io {

// Writes atomically (temporary file + rename).
void write_npy(const std::filesystem::path& path, const Eigen::MatrixXd& m);
void write_npy(const std::filesystem::path& path, const Eigen::VectorXd& v);
// Reads a 1-D or 2-D float64 array (C or Fortran order); 1-D arrays become one column.
Eigen::MatrixXd read_npy(const std::filesystem::path& path);

}  // namespace hamlet::io
