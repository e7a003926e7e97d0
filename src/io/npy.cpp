#include "io/npy.hpp"

#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace hamlet::io {
namespace {

void write_float64_array(const std::filesystem::path& path, const std::string& shape,
                         const double* data, size_t count) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  // magic (6) + version (2) + header length (2) + header + '\n' is padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  AtomicFile f(path, /*binary=*/true);
  auto& out = f.stream();
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  const char lenbytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lenbytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(double)));
  f.commit();
}

}  // namespace

void write_npy(const std::filesystem::path& path, const Eigen::MatrixXd& m) {
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  write_float64_array(path, "(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")",
                      rm.data(), rm.size());
}

void write_npy(const std::filesystem::path& path, const Eigen::VectorXd& v) {
  write_float64_array(path, "(" + std::to_string(v.size()) + ",)", v.data(), v.size());
}

Eigen::MatrixXd read_npy(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(name, 0, "cannot open .npy file");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw Error(name, 0, "not a .npy file (bad magic bytes)");
  uint32_t hlen = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(hlen, '\0');
  if (!in.read(header.data(), hlen)) throw Error(name, 0, "truncated .npy header");
  if (header.find("'<f8'") == std::string::npos)
    throw Error(name, 0, "only little-endian float64 arrays are supported, header: " + header);
  const bool fortran = header.find("'fortran_order': True") != std::string::npos;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('shape':\s*\(([^)]*)\))")))
    throw Error(name, 0, "malformed .npy header (no shape)");
  std::vector<long> dims;
  std::string s = m[1];
  std::regex num(R"(\d+)");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), num); it != std::sregex_iterator(); ++it)
    dims.push_back(std::stol(it->str()));
  if (dims.empty() || dims.size() > 2) throw Error(name, 0, "only 1-D and 2-D arrays are supported");
  const long rows = dims[0], cols = dims.size() == 2 ? dims[1] : 1;
  std::vector<double> buf(static_cast<size_t>(rows * cols));
  if (!in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size() * 8)))
    throw Error(name, 0, "truncated .npy data (file shorter than its shape says)");
  Eigen::MatrixXd out(rows, cols);
  for (long i = 0; i < rows; ++i)
    for (long j = 0; j < cols; ++j) out(i, j) = fortran ? buf[j * rows + i] : buf[i * cols + j];
  return out;
}

}  // namespace hamlet::io
