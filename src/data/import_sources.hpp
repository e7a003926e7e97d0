#pragma once
// Internal to the data layer: the file formats behind `hamlet data import`. A source yields
// one raw structure per row, in the source's units converted to Bohr and in its AO order;
// import.cpp converts, checks and writes.
#include <Eigen/Core>
#include <bit>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basis/ao_order.hpp"

namespace hamlet::data::detail {

struct RawStructure {
  std::string where;  // "table data, row 5 (id 17)": for messages and the entry's source
  std::vector<int> atomic_numbers;
  Eigen::Matrix<double, Eigen::Dynamic, 3> positions;  // Bohr
  Eigen::MatrixXd F;  // source AO order, Hartree; empty when reading atoms only
  Eigen::MatrixXd S;  // source AO order; empty when the format has no overlap
  bool converged = true;
};

// Number of def2-SVP basis functions of `atomic_numbers`; throws hamlet::Error (file, `where`)
// for elements that def2-SVP lacks.
int def2svp_function_count(const std::filesystem::path& file, const std::string& where,
                           const std::vector<int>& atomic_numbers);

class RawSource {
 public:
  virtual ~RawSource() = default;
  virtual std::string layout() const = 0;        // what was recognised, for the summary
  virtual std::string origin_details() const = 0;  // program, units and AO order, stored in OUT
  virtual AoOrder ao_order() const = 0;          // order of F and S within each shell
  virtual std::int64_t rows() const = 0;
  // Calls `f` for the first `limit` rows (all if < 0) in file order. With atoms_only, only
  // `where`, atomic numbers and positions are filled (no matrices are read).
  virtual void for_each(std::int64_t limit, bool atoms_only,
                        const std::function<void(RawStructure&)>& f) const = 0;
};

// length_unit: "auto", "angstrom" or "bohr".
std::unique_ptr<RawSource> open_qh9(const std::filesystem::path& file, const std::string& length_unit);
std::unique_ptr<RawSource> open_md17(const std::filesystem::path& file);

// The values of a little-endian array stored as raw bytes (numpy's tobytes(), as QH9 and ASE
// store arrays); false when the byte count is not a whole number of values.
template <class T>
bool values_from_bytes(std::string_view bytes, std::vector<T>& out) {
  static_assert(std::endian::native == std::endian::little, "array blobs are little-endian");
  if (bytes.size() % sizeof(T) != 0) return false;
  out.resize(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return true;
}

}  // namespace hamlet::data::detail
