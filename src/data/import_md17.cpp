// SchNOrb/PhiSNet MD17 Hamiltonian databases (Schütt et al., Nat. Commun. 10, 5024 (2019);
// quantum-machine.org/data/schnorb_hamiltonian): ASE SQLite databases, table `systems`.
//   numbers: int32 blob [natoms]; positions: float64 blob [natoms, 3] in Ångström (ASE);
//   data: the row's data dict, either JSON text (ASE db version < 9: arrays as
//     {"__ndarray__": [shape, dtype, flat values]}) or ASE's binary format (version >= 9:
//     int64 offset of a JSON header, arrays as {"__ndarray__": [shape, dtype, byte offset]}).
//   data['hamiltonian'], data['overlap']: [nbf, nbf] in ORCA's def2-SVP AO order, Hartree.
//     schnetpack 0.3 (which wrote the SchNOrb files) stores them as base64 strings of the raw
//     bytes with data['_shape_hamiltonian'] and data['_dtype_hamiltonian'] (float32).
// ORCA orders each shell m = 0, +1, -1, +2, -2 (SchNOrb's m_range; p = z, x, y) with the same
// signs as libint2 up to l = 2; that is Psi4's order. Higher l (ORCA flips signs at |m| >= 3)
// is refused. The overlap check in import.cpp verifies all of this per entry.
#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/units.hpp"
#include "data/import_sources.hpp"
#include "data/sqlite_file.hpp"

namespace hamlet::data::detail {
namespace {

using nlohmann::json;

std::string base64_decode(const std::string& text, bool& ok) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned buffer = 0;
  int bits = 0;
  ok = true;
  for (char c : text) {
    if (c == '=') break;
    if (c == '\n' || c == '\r') continue;
    const auto k = alphabet.find(c);
    if (k == std::string::npos) {
      ok = false;
      return {};
    }
    buffer = (buffer << 6) | static_cast<unsigned>(k);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

// numpy dtype names as ASE and schnetpack write them ("float32", "<f4", ...).
std::vector<double> to_doubles(std::string_view bytes, const std::string& dtype, bool& ok) {
  std::vector<double> out;
  auto convert = [&](auto tag) {
    std::vector<decltype(tag)> v;
    ok = values_from_bytes(bytes, v);
    out.assign(v.begin(), v.end());
  };
  if (dtype == "float64" || dtype == "<f8" || dtype == "float")
    convert(double{});
  else if (dtype == "float32" || dtype == "<f4")
    convert(float{});
  else if (dtype == "int64" || dtype == "<i8")
    convert(std::int64_t{});
  else if (dtype == "int32" || dtype == "<i4")
    convert(std::int32_t{});
  else
    ok = false;
  return out;
}

struct Array {
  std::vector<long> shape;
  std::vector<double> values;
};

class Md17Source : public RawSource {
 public:
  explicit Md17Source(const std::filesystem::path& file) : db_(file) {
    if (!db_.has_table("systems"))
      throw Error(file.string(), 0, "no table 'systems': not an ASE database (SchNOrb/PhiSNet MD17 files are)");
    const auto cols = db_.columns("systems");
    for (const char* required : {"id", "numbers", "positions", "data"})
      if (std::find(cols.begin(), cols.end(), required) == cols.end())
        throw Error(file.string(), 0, fmt::format("table 'systems' has no column '{}' (not an ASE database?)", required));
    if (db_.has_table("information")) {
      SqliteQuery q(db_, "SELECT value FROM information WHERE name = 'version'");
      if (q.step()) version_ = q.text(0);
    }
    rows_ = db_.count_rows("systems");
  }

  std::string layout() const override {
    return fmt::format("ASE database{} (table systems: numbers, positions, data with hamiltonian and overlap)",
                       version_.empty() ? "" : " version " + version_);
  }
  std::string origin_details() const override {
    return "SchNOrb/PhiSNet MD17 " + db_.path().string() +
           ": ORCA def2-SVP Fock matrices (Hartree), converted from ORCA AO order and checked against hamlet's "
           "overlap; positions in Angstrom";
  }
  AoOrder ao_order() const override { return AoOrder::psi4; }
  std::int64_t rows() const override { return rows_; }

  void for_each(std::int64_t limit, bool atoms_only, const std::function<void(RawStructure&)>& f) const override {
    SqliteQuery q(db_, fmt::format("SELECT id, numbers, positions, {} FROM systems ORDER BY id LIMIT {}",
                                   atoms_only ? "NULL" : "data", limit));
    RawStructure s;
    while (q.step()) {
      s.where = fmt::format("table systems, row id {}", q.integer(0));
      auto fail = [&](const std::string& why) { throw Error(db_.path().string(), 0, s.where + ": " + why); };
      if (!values_from_bytes(q.bytes(1), s.atomic_numbers) || s.atomic_numbers.empty())
        fail(fmt::format("numbers has {} bytes, expected int32 values", q.bytes(1).size()));
      for (int Z : s.atomic_numbers)
        if (Z < 1 || Z > 118) fail(fmt::format("unknown element Z = {}", Z));
      const size_t n = s.atomic_numbers.size();
      std::vector<double> pos;
      if (!values_from_bytes(q.bytes(2), pos) || pos.size() != 3 * n)
        fail(fmt::format("positions has {} bytes, expected {} float64 values", q.bytes(2).size(), 3 * n));
      s.positions.resize(static_cast<Eigen::Index>(n), 3);
      for (size_t i = 0; i < 3 * n; ++i)
        s.positions(static_cast<Eigen::Index>(i / 3), i % 3) = pos[i] * units::kAngstromToBohr;
      if (!atoms_only) {
        if (q.is_null(3)) fail("no data (expected data['hamiltonian'] and data['overlap'])");
        const int nbf = def2svp_function_count(db_.path(), s.where, s.atomic_numbers);
        RowData data(q.bytes(3), q.is_blob(3), fail);
        s.F = data.matrix("hamiltonian", nbf, fail);
        s.S = data.matrix("overlap", nbf, fail);
      }
      f(s);
    }
  }

 private:
  // The decoded data column of one row.
  class RowData {
   public:
    template <class Fail>
    RowData(std::string_view raw, bool blob, const Fail& fail) : raw_(raw) {
      try {
        // JSON text (TEXT column, or a BLOB holding text in old versions) starts with '{'.
        if (!blob || (!raw.empty() && raw.front() == '{')) {
          dict_ = json::parse(raw.begin(), raw.end());
        } else {
          std::vector<std::int64_t> offset;
          if (raw.size() < 8 || !values_from_bytes(raw.substr(0, 8), offset) || offset[0] < 8 ||
              static_cast<size_t>(offset[0]) > raw.size())
            fail("data is neither JSON nor ASE's binary format (bad header offset)");
          dict_ = json::parse(raw.begin() + offset[0], raw.end());
          binary_ = true;
        }
      } catch (const json::exception& e) {
        fail(std::string("cannot parse data: ") + e.what());
      }
      if (!dict_.is_object()) fail("data is not a dictionary");
    }

    template <class Fail>
    Eigen::MatrixXd matrix(const std::string& key, int nbf, const Fail& fail) const {
      const Array a = array(key, fail);
      long count = 1;
      for (long d : a.shape) count *= d;
      if (a.shape.size() != 2 || a.shape[0] != nbf || a.shape[1] != nbf || count != static_cast<long>(a.values.size()))
        fail(fmt::format("data['{}'] has shape [{}] with {} values, expected [{}, {}] for def2-SVP", key,
                         fmt::join(a.shape, ", "), a.values.size(), nbf, nbf));
      return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          a.values.data(), nbf, nbf);
    }

   private:
    template <class Fail>
    Array array(const std::string& key, const Fail& fail) const {
      if (!dict_.contains(key)) fail(fmt::format("data has no '{}' array", key));
      const json& v = dict_.at(key);
      Array a;
      bool ok = false;
      try {
        if (v.is_string()) {  // schnetpack 0.3: base64 bytes plus _shape_ and _dtype_ entries
          if (!dict_.contains("_shape_" + key) || !dict_.contains("_dtype_" + key))
            fail(fmt::format("data['{}'] is a string without _shape_{} and _dtype_{}", key, key, key));
          a.shape = dict_.at("_shape_" + key).get<std::vector<long>>();
          const std::string bytes = base64_decode(v.get<std::string>(), ok);
          if (ok) a.values = to_doubles(bytes, dict_.at("_dtype_" + key).get<std::string>(), ok);
        } else if (v.is_object() && v.contains("__ndarray__")) {
          const json& nd = v.at("__ndarray__");
          a.shape = nd.at(0).get<std::vector<long>>();
          const std::string dtype = nd.at(1).get<std::string>();
          if (binary_) {
            const auto offset = nd.at(2).get<size_t>();
            long count = 1;
            for (long d : a.shape) count *= d;
            const size_t itemsize = dtype.find("64") != std::string::npos || dtype.back() == '8' ? 8 : 4;
            if (offset + itemsize * static_cast<size_t>(count) <= raw_.size())
              a.values = to_doubles(raw_.substr(offset, itemsize * static_cast<size_t>(count)), dtype, ok);
          } else if (dtype.rfind("float", 0) == 0 || dtype.rfind("int", 0) == 0) {
            a.values = nd.at(2).get<std::vector<double>>();
            ok = true;
          }
        }
      } catch (const json::exception& e) {
        fail(fmt::format("data['{}'] is malformed: {}", key, e.what()));
      }
      if (!ok) fail(fmt::format("data['{}'] is not a readable real array (float32/64 or int32/64)", key));
      return a;
    }

    std::string_view raw_;
    json dict_;
    bool binary_ = false;
  };

  SqliteFile db_;
  std::string version_;
  std::int64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<RawSource> open_md17(const std::filesystem::path& file) { return std::make_unique<Md17Source>(file); }

}  // namespace hamlet::data::detail
