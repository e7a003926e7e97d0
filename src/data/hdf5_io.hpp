#pragma once
// Internal to the data layer: HDF5 plumbing shared by the dataset reader and writer.
// Every HDF5 call goes through guarded(), which serialises calls (HDF5's C++ API is not
// thread-safe), keeps HDF5 from printing to stderr and turns HDF5 failures into hamlet::Error
// naming the file and the cause.
#include <H5Cpp.h>

#include <Eigen/Core>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace hamlet::data::detail {

std::recursive_mutex& hdf5_mutex();
// Replaces HDF5's default error handler (which prints to stderr) by one that records the
// error stack of the failing call for hdf5_error_text; the handler is per thread.
void install_error_handler();
// The cause behind `e`: HDF5's error stack (most specific first) or, for hamlet's own
// consistency checks, the exception's message.
std::string hdf5_error_text(const H5::Exception& e);

template <class F>
auto guarded(const std::filesystem::path& file, const std::string& action, F&& f) -> decltype(f()) {
  std::lock_guard lock(hdf5_mutex());
  install_error_handler();
  try {
    return f();
  } catch (const H5::Exception& e) {
    throw Error(file.string(), 0, action + ": " + hdf5_error_text(e));
  }
}

// File access: HDF5 1.10 file format, in which all metadata (object headers, link and chunk
// indexes) is checksummed, so that corruption is
// detected instead of misread; file locking where the file system supports it.
H5::FileAccPropList file_access();

void write_attr(H5::H5Object& obj, const std::string& name, int value);
void write_attr(H5::H5Object& obj, const std::string& name, std::int64_t value);
void write_attr(H5::H5Object& obj, const std::string& name, double value);
void write_attr(H5::H5Object& obj, const std::string& name, const std::string& value);
void write_bool_attr(H5::H5Object& obj, const std::string& name, bool value);

int read_int_attr(const H5::H5Object& obj, const std::string& name);
std::int64_t read_int64_attr(const H5::H5Object& obj, const std::string& name);
double read_double_attr(const H5::H5Object& obj, const std::string& name);
std::string read_string_attr(const H5::H5Object& obj, const std::string& name);
bool read_bool_attr(const H5::H5Object& obj, const std::string& name);

// Datasets, row-major (C order). Compressed ones are chunked, shuffled, deflated and Fletcher-32
// checksummed; the others, when at most 8 kB, are stored compact in the (checksummed) object
// header, and chunked and compressed when larger.
void write_matrix(H5::Group& g, const std::string& name, const Eigen::MatrixXd& m, bool compress = true);
// Chunked and checksummed, not deflated: for matrices written as fast as they are computed
// (hamlet predict). Deflate level 4 took ~13 ms for a QM9 molecule's F and S (def2-SVP, 171
// functions) and saved ~30 % of the bytes.
void write_matrix_undeflated(H5::Group& g, const std::string& name, const Eigen::MatrixXd& m);
void write_vector(H5::Group& g, const std::string& name, const Eigen::VectorXd& v);
void write_ints(H5::Group& g, const std::string& name, const std::vector<int>& v);
void write_doubles(H5::Group& g, const std::string& name, const std::vector<double>& v);

Eigen::MatrixXd read_matrix(const H5::Group& g, const std::string& name);
Eigen::VectorXd read_vector(const H5::Group& g, const std::string& name);
std::vector<int> read_ints(const H5::Group& g, const std::string& name);
std::vector<double> read_doubles(const H5::Group& g, const std::string& name);

// Names of the links in `g` (one pass, in HDF5's native order).
std::vector<std::string> link_names(const H5::Group& g);

}  // namespace hamlet::data::detail
