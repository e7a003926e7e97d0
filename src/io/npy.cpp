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

void write_float64_array(const std::filesystem::path& path, const std::vector<size_t>& shape, const double* data,
                         size_t count) {
  AtomicFile f(path, /*binary=*/true);
  const std::string bytes = npy_bytes("<f8", shape, data, count * sizeof(double));
  f.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.commit();
}

}  // namespace

std::string npy_bytes(const std::string& descr, const std::vector<size_t>& shape, const void* data, size_t nbytes) {
  std::string shape_text = "(";
  for (size_t d : shape) shape_text += std::to_string(d) + ", ";
  if (shape.size() > 1) shape_text.resize(shape_text.size() - 2);  // (3,) for 1-D, (2, 3) for 2-D
  if (shape.size() == 1) shape_text.pop_back();
  shape_text += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  // magic (6) + version (2) + header length (2) + header + '\n' is padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 65535) throw Error("npy header too long (" + std::to_string(header.size()) + " bytes)");
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(data), nbytes);
  return out;
}

void write_npy(const std::filesystem::path& path, const Eigen::MatrixXd& m) {
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  write_float64_array(path, {static_cast<size_t>(m.rows()), static_cast<size_t>(m.cols())}, rm.data(),
                      static_cast<size_t>(rm.size()));
}

void write_npy(const std::filesystem::path& path, const Eigen::VectorXd& v) {
  write_float64_array(path, {static_cast<size_t>(v.size())}, v.data(), static_cast<size_t>(v.size()));
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
