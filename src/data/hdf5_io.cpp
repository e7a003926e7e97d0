#include "data/hdf5_io.hpp"

#include <algorithm>

namespace hamlet::data::detail {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr hsize_t kCompactBytes = 8192;  // small arrays live in the object header
constexpr hsize_t kChunkEdge = 512;      // 512 x 512 float64 = 2 MiB per chunk
constexpr int kDeflateLevel = 4;         // float64 matrices gain little beyond level 4

thread_local std::string last_error;  // HDF5's error stack of this thread's latest failure

herr_t collect_error(unsigned, const H5E_error2_t* err, void* out) {
  auto& messages = *static_cast<std::vector<std::string>*>(out);
  std::string desc = err->desc ? err->desc : "";
  if (!desc.empty() && std::find(messages.begin(), messages.end(), desc) == messages.end())
    messages.push_back(desc);
  return 0;
}

// Called by HDF5 when an API call fails, instead of printing the stack to stderr. The stack
// must be read here: the C++ API's destructors (more API calls) clear it while the exception
// propagates.
herr_t record_error(hid_t stack, void*) {
  std::vector<std::string> messages;
  H5Ewalk2(stack, H5E_WALK_UPWARD, collect_error, &messages);
  last_error.clear();
  for (size_t i = 0; i < std::min<size_t>(messages.size(), 3); ++i) last_error += (i ? "; " : "") + messages[i];
  return 0;
}

void write_array(H5::Group& g, const std::string& name, const void* data, const H5::PredType& memtype,
                 const H5::PredType& filetype, const std::vector<hsize_t>& dims, bool compress,
                 bool deflate = true) {
  H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  hsize_t count = 1;
  for (auto d : dims) count *= d;
  H5::DSetCreatPropList plist;
  if (count == 0 || (!compress && count * filetype.getSize() <= kCompactBytes)) {
    plist.setLayout(H5D_COMPACT);
  } else {
    std::vector<hsize_t> chunk(dims);
    for (auto& c : chunk) c = std::min(c, kChunkEdge);
    plist.setChunk(static_cast<int>(chunk.size()), chunk.data());
    if (deflate) {
      plist.setShuffle();
      plist.setDeflate(kDeflateLevel);
    }
    plist.setFletcher32();  // last: the checksum covers the compressed bytes on disk
  }
  H5::DataSet ds = g.createDataSet(name, filetype, space, plist);
  if (count > 0) ds.write(data, memtype);
}

// Opens g/name and checks its rank; returns the dimensions.
std::vector<hsize_t> dataset_dims(const H5::DataSet& ds, int rank, const std::string& where) {
  H5::DataSpace space = ds.getSpace();
  if (space.getSimpleExtentNdims() != rank)
    throw H5::DataSetIException("", where + " has rank " + std::to_string(space.getSimpleExtentNdims()) +
                                        ", expected " + std::to_string(rank));
  std::vector<hsize_t> dims(rank);
  space.getSimpleExtentDims(dims.data());
  return dims;
}

std::string path_of(const H5::Group& g, const std::string& name) { return g.getObjName() + "/" + name; }

H5::Attribute new_attr(H5::H5Object& obj, const std::string& name, const H5::DataType& type) {
  if (obj.attrExists(name)) obj.removeAttr(name);
  return obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
}

// Fixed-length strings, not variable-length: HDF5 < 1.14.4 crashes in H5Ocopy on objects with
// many (dense) variable-length attributes (HDFGroup/hdf5 issue #2414), and merging copies entries.
H5::StrType utf8_string_type(size_t length) {
  H5::StrType type(H5::PredType::C_S1, length + 1);  // + the terminating NUL
  type.setStrpad(H5T_STR_NULLTERM);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

}  // namespace

std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

void install_error_handler() {
  thread_local bool installed = false;
  if (!installed) {
    H5Eset_auto2(H5E_DEFAULT, record_error, nullptr);
    installed = true;
  }
  last_error.clear();
}

std::string hdf5_error_text(const H5::Exception& e) {
  // Our own checks throw H5 exceptions without an HDF5 failure behind them.
  if (last_error.empty()) return e.getDetailMsg();
  return last_error;
}

H5::FileAccPropList file_access() {
  H5::FileAccPropList fapl;
  fapl.setLibverBounds(H5F_LIBVER_V110, H5F_LIBVER_LATEST);  // checksummed chunk indexes too
  fapl.setFileLocking(true, true);
  fapl.setFcloseDegree(H5F_CLOSE_STRONG);  // close() really closes: needed before fsync + rename
  return fapl;
}

void write_attr(H5::H5Object& obj, const std::string& name, int value) {
  new_attr(obj, name, H5::PredType::STD_I32LE).write(H5::PredType::NATIVE_INT, &value);
}
void write_attr(H5::H5Object& obj, const std::string& name, std::int64_t value) {
  new_attr(obj, name, H5::PredType::STD_I64LE).write(H5::PredType::NATIVE_INT64, &value);
}
void write_attr(H5::H5Object& obj, const std::string& name, double value) {
  new_attr(obj, name, H5::PredType::IEEE_F64LE).write(H5::PredType::NATIVE_DOUBLE, &value);
}
void write_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  const H5::StrType type = utf8_string_type(value.size());
  new_attr(obj, name, type).write(type, value.c_str());
}
void write_bool_attr(H5::H5Object& obj, const std::string& name, bool value) {
  const std::int8_t v = value ? 1 : 0;
  new_attr(obj, name, H5::PredType::STD_I8LE).write(H5::PredType::NATIVE_INT8, &v);
}

int read_int_attr(const H5::H5Object& obj, const std::string& name) {
  int v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_INT, &v);
  return v;
}
std::int64_t read_int64_attr(const H5::H5Object& obj, const std::string& name) {
  std::int64_t v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_INT64, &v);
  return v;
}
double read_double_attr(const H5::H5Object& obj, const std::string& name) {
  double v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_DOUBLE, &v);
  return v;
}
std::string read_string_attr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute attr = obj.openAttribute(name);
  std::string v;
  attr.read(attr.getStrType(), v);
  return v;
}
bool read_bool_attr(const H5::H5Object& obj, const std::string& name) {
  std::int8_t v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_INT8, &v);
  return v != 0;
}

void write_matrix(H5::Group& g, const std::string& name, const Eigen::MatrixXd& m, bool compress) {
  const RowMajor rm = m;
  write_array(g, name, rm.data(), H5::PredType::NATIVE_DOUBLE, H5::PredType::IEEE_F64LE,
              {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, compress);
}
void write_matrix_undeflated(H5::Group& g, const std::string& name, const Eigen::MatrixXd& m) {
  const RowMajor rm = m;
  write_array(g, name, rm.data(), H5::PredType::NATIVE_DOUBLE, H5::PredType::IEEE_F64LE,
              {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, true, false);
}
void write_vector(H5::Group& g, const std::string& name, const Eigen::VectorXd& v) {
  write_array(g, name, v.data(), H5::PredType::NATIVE_DOUBLE, H5::PredType::IEEE_F64LE,
              {static_cast<hsize_t>(v.size())}, false);
}
void write_ints(H5::Group& g, const std::string& name, const std::vector<int>& v) {
  write_array(g, name, v.data(), H5::PredType::NATIVE_INT, H5::PredType::STD_I32LE, {v.size()}, false);
}
void write_doubles(H5::Group& g, const std::string& name, const std::vector<double>& v) {
  write_array(g, name, v.data(), H5::PredType::NATIVE_DOUBLE, H5::PredType::IEEE_F64LE, {v.size()}, false);
}

Eigen::MatrixXd read_matrix(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  auto dims = dataset_dims(ds, 2, path_of(g, name));
  RowMajor rm(dims[0], dims[1]);
  if (rm.size() > 0) ds.read(rm.data(), H5::PredType::NATIVE_DOUBLE);
  return rm;
}
Eigen::VectorXd read_vector(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  auto dims = dataset_dims(ds, 1, path_of(g, name));
  Eigen::VectorXd v(dims[0]);
  if (v.size() > 0) ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
  return v;
}
std::vector<int> read_ints(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  auto dims = dataset_dims(ds, 1, path_of(g, name));
  std::vector<int> v(dims[0]);
  if (!v.empty()) ds.read(v.data(), H5::PredType::NATIVE_INT);
  return v;
}
std::vector<double> read_doubles(const H5::Group& g, const std::string& name) {
  Eigen::VectorXd v = read_vector(g, name);
  return {v.data(), v.data() + v.size()};
}

std::vector<std::string> link_names(const H5::Group& g) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  if (H5Literate(g.getId(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect, &names) < 0)
    throw H5::GroupIException("", "cannot list the links of " + g.getObjName());
  return names;
}

}  // namespace hamlet::data::detail
