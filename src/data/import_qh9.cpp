// QH9 (Yu et al., NeurIPS 2023; github.com/divelab/AIRS, OpenDFT/QHBench/QH9) SQLite files.
// One table `data`, written with apsw from numpy arrays (raw little-endian bytes):
//   QH9Stable:  data(id INTEGER PRIMARY KEY, N INTEGER, Z BLOB, pos BLOB, Ham BLOB)
//   QH9Dynamic: data(id, geo_id, N, Z, pos, ekin, epot, etot, time, Ham, converged)
// Z: int32 [N]; pos: float64 [N, 3], Ångström in QH9Stable (QM9 geometries) but Bohr in
// QH9Dynamic (PySCF's atom_coords(); QH9's loader divides by 1.8897 to get Ångström);
// Ham: float64 [nbf, nbf], PySCF B3LYP/def2-SVP Fock matrix in Hartree, PySCF AO order
// (spherical; p = x, y, z; l >= 2: m = -l..l). QH9Dynamic stores id as an int64 blob.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "core/units.hpp"
#include "data/import_sources.hpp"
#include "data/sqlite_file.hpp"

namespace hamlet::data::detail {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Qh9Source : public RawSource {
 public:
  Qh9Source(const std::filesystem::path& file, const std::string& length_unit) : db_(file) {
    if (!db_.has_table("data"))
      throw Error(file.string(), 0,
                  "no table 'data': not a QH9 database (QH9Stable/QH9Dynamic files hold one table 'data')");
    for (const auto& c : db_.columns("data")) present_[lower(c)] = c;
    for (const char* required : {"N", "Z", "pos", "Ham"})
      if (!present_.count(lower(required)))
        throw Error(file.string(), 0,
                    fmt::format("table 'data' has no column '{}' (QH9 layout: id, N, Z, pos, Ham; QH9Dynamic "
                                "also geo_id, ..., converged)",
                                required));
    dynamic_ = present_.count("geo_id") > 0;
    const std::string unit = lower(length_unit);
    if (unit == "auto")
      bohr_ = dynamic_;
    else if (unit == "bohr" || unit == "angstrom")
      bohr_ = unit == "bohr";
    else
      throw Error(fmt::format("unknown length unit '{}' (auto, angstrom, bohr)", length_unit));
    rows_ = db_.count_rows("data");
  }

  std::string layout() const override {
    return dynamic_ ? "QH9Dynamic (table data: id, geo_id, N, Z, pos, ..., Ham, converged)"
                    : "QH9Stable (table data: id, N, Z, pos, Ham)";
  }
  std::string origin_details() const override {
    return fmt::format("{} {}: PySCF def2-SVP Fock matrices (Hartree), converted from PySCF AO order; "
                       "positions read as {}",
                       dynamic_ ? "QH9Dynamic" : "QH9Stable", db_.path().string(), bohr_ ? "Bohr" : "Angstrom");
  }
  AoOrder ao_order() const override { return AoOrder::pyscf; }
  std::int64_t rows() const override { return rows_; }

  void for_each(std::int64_t limit, bool atoms_only, const std::function<void(RawStructure&)>& f) const override {
    auto col = [&](const char* name) { return present_.count(name) ? "\"" + present_.at(name) + "\"" : "NULL"; };
    const std::string sql = fmt::format("SELECT rowid, {}, {}, {}, {}, {}, {}, {} FROM data ORDER BY rowid LIMIT {}",
                                        col("id"), col("geo_id"), col("n"), col("z"), col("pos"),
                                        atoms_only ? "NULL" : col("ham"), col("converged"), limit);
    SqliteQuery q(db_, sql);
    RawStructure s;
    while (q.step()) {
      s.where = fmt::format("table data, row {}{}", q.integer(0), id_text(q));
      auto fail = [&](const std::string& why) { throw Error(db_.path().string(), 0, s.where + ": " + why); };
      if (!q.is_integer(3) || q.integer(3) < 1 || q.integer(3) > 100000)
        fail("N is not a positive atom count");
      const auto n = static_cast<size_t>(q.integer(3));
      if (!values_from_bytes(q.bytes(4), s.atomic_numbers) || s.atomic_numbers.size() != n)
        fail(fmt::format("Z has {} bytes, expected {} int32 values ({} bytes)", q.bytes(4).size(), n, 4 * n));
      for (int Z : s.atomic_numbers)
        if (Z < 1 || Z > 118) fail(fmt::format("unknown element Z = {}", Z));
      std::vector<double> pos;
      if (!values_from_bytes(q.bytes(5), pos) || pos.size() != 3 * n)
        fail(fmt::format("pos has {} bytes, expected {} float64 values ({} bytes)", q.bytes(5).size(), 3 * n, 24 * n));
      const double scale = bohr_ ? 1.0 : units::kAngstromToBohr;
      s.positions.resize(static_cast<Eigen::Index>(n), 3);
      for (size_t i = 0; i < 3 * n; ++i) s.positions(static_cast<Eigen::Index>(i / 3), i % 3) = pos[i] * scale;
      s.converged = q.is_null(7) || q.integer(7) != 0;
      s.F.resize(0, 0);
      if (!atoms_only) {
        const int nbf = def2svp_function_count(db_.path(), s.where, s.atomic_numbers);
        std::vector<double> ham;
        const size_t want = static_cast<size_t>(nbf) * nbf;
        if (!values_from_bytes(q.bytes(6), ham) || ham.size() != want)
          fail(fmt::format("Ham has {} bytes, expected {} x {} float64 values ({} bytes) for def2-SVP",
                           q.bytes(6).size(), nbf, nbf, 8 * want));
        s.F = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(ham.data(), nbf,
                                                                                                      nbf);
      }
      f(s);
    }
  }

 private:
  // " (id 17)" or " (id 17, geo_id 3)"; QH9Dynamic's id is an int64 blob.
  std::string id_text(const SqliteQuery& q) const {
    std::string id;
    std::vector<std::int64_t> v;
    if (q.is_integer(1))
      id = std::to_string(q.integer(1));
    else if (q.is_blob(1) && values_from_bytes(q.bytes(1), v) && v.size() == 1)
      id = std::to_string(v[0]);
    else if (!q.is_null(1))
      id = q.text(1);
    if (id.empty()) return "";
    return q.is_null(2) ? " (id " + id + ")" : fmt::format(" (id {}, geo_id {})", id, q.text(2));
  }

  SqliteFile db_;
  std::map<std::string, std::string> present_;  // lower-case name -> declared name
  bool dynamic_ = false, bohr_ = false;
  std::int64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<RawSource> open_qh9(const std::filesystem::path& file, const std::string& length_unit) {
  return std::make_unique<Qh9Source>(file, length_unit);
}

}  // namespace hamlet::data::detail
