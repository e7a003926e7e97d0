#pragma once
// Writers of tiny files in the formats of public Hamiltonian datasets, for the import tests:
// QH9 SQLite tables and ASE/SchNOrb databases, with arrays encoded as those projects encode them
// (see src/data/import_qh9.cpp and import_md17.cpp for the sources). The AO orders are written
// from the projects' own convention tables, independently of src/basis/ao_order.cpp.
#include <sqlite3.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace hamlet::test {

template <class T>
std::string raw_bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

inline std::vector<double> row_major(const Eigen::MatrixXd& m) {
  std::vector<double> v;
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) v.push_back(m(i, j));
  return v;
}

// Position in the file's order of each hamlet AO, built like QH9's/QHNet's matrix_transform:
// per element a shell string ("ssp", "sssppd": def2-SVP) and per l the file position of each
// hamlet function (m = -l..l). QH9 (datasets.py, convention 'pyscf_def2svp'): p [1, 2, 0], i.e.
// PySCF's (x, y, z); QHNet's MD17 loader ('orca' hamiltonian_transform): p [2, 0, 1],
// d [4, 2, 0, 1, 3], i.e. ORCA's m = 0, +1, -1, +2, -2. Signs are all +1 in both.
inline std::vector<int> file_positions(const std::vector<int>& Z, bool orca) {
  const std::vector<int> p = orca ? std::vector<int>{2, 0, 1} : std::vector<int>{1, 2, 0};
  const std::vector<int> d = orca ? std::vector<int>{4, 2, 0, 1, 3} : std::vector<int>{0, 1, 2, 3, 4};
  std::vector<int> idx;
  int offset = 0;
  for (int z : Z) {
    for (char shell : std::string(z == 1 ? "ssp" : "sssppd")) {
      const std::vector<int>& map = shell == 's' ? std::vector<int>{0} : shell == 'p' ? p : d;
      for (int k : map) idx.push_back(offset + k);
      offset += static_cast<int>(map.size());
    }
  }
  return idx;
}

// The matrix as stored in the file: file(idx[i], idx[j]) = hamlet(i, j).
inline Eigen::MatrixXd to_file_order(const Eigen::MatrixXd& m, const std::vector<int>& idx) {
  if (static_cast<int>(idx.size()) != m.rows()) throw std::runtime_error("AO count mismatch");
  Eigen::MatrixXd out(m.rows(), m.cols());
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) out(idx[i], idx[j]) = m(i, j);
  return out;
}

class TestDb {
 public:
  explicit TestDb(const std::filesystem::path& p) {
    std::filesystem::remove(p);
    if (sqlite3_open(p.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("sqlite open");
  }
  ~TestDb() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  // Values: std::string starting with "blob:" / "text:", or integers and doubles via overloads.
  struct Value {
    enum Kind { blob, text, integer, real, null } kind;
    std::string bytes;
    std::int64_t i = 0;
    double d = 0;
  };
  static Value blob_of(std::string b) { return {Value::blob, std::move(b)}; }
  static Value text_of(std::string t) { return {Value::text, std::move(t)}; }
  static Value int_of(std::int64_t i) { return {Value::integer, {}, i}; }
  static Value real_of(double d) { return {Value::real, {}, 0, d}; }
  static Value null_value() { return {Value::null, {}}; }

  void insert(const std::string& sql, const std::vector<Value>& values) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    for (size_t k = 0; k < values.size(); ++k) {
      const Value& v = values[k];
      const int c = static_cast<int>(k) + 1;
      if (v.kind == Value::blob)
        sqlite3_bind_blob(st, c, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
      else if (v.kind == Value::text)
        sqlite3_bind_text(st, c, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
      else if (v.kind == Value::integer)
        sqlite3_bind_int64(st, c, v.i);
      else if (v.kind == Value::real)
        sqlite3_bind_double(st, c, v.d);
      else
        sqlite3_bind_null(st, c);
    }
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_ = nullptr;
};

// QH9Stable's table (QH9_stable.py): CREATE TABLE data (id INTEGER NOT NULL PRIMARY KEY, N INTEGER,
// Z BLOB, pos BLOB, Ham BLOB); QH9Dynamic's (QH9_dynamic.py) adds geo_id and MD columns.
inline void create_qh9_table(TestDb& db, bool dynamic) {
  db.exec(dynamic ? "CREATE TABLE data (id INTEGER NOT NULL, geo_id INTEGER NOT NULL, N INTEGER, Z BLOB, pos BLOB, "
                    "ekin FLOAT, epot FLOAT, etot FLOAT, time FLOAT, Ham BLOB, converged INT)"
                  : "CREATE TABLE data (id INTEGER NOT NULL PRIMARY KEY, N INTEGER, Z BLOB, pos BLOB, Ham BLOB)");
}

// ASE's sqlite backend, version 9 (ase/db/sqlite.py init_statements).
inline void create_ase_tables(TestDb& db, int version) {
  db.exec(
      "CREATE TABLE systems (id INTEGER PRIMARY KEY AUTOINCREMENT, unique_id TEXT UNIQUE, ctime REAL, mtime REAL, "
      "username TEXT, numbers BLOB, positions BLOB, cell BLOB, pbc INTEGER, initial_magmoms BLOB, "
      "initial_charges BLOB, masses BLOB, tags BLOB, momenta BLOB, constraints TEXT, calculator TEXT, "
      "calculator_parameters TEXT, energy REAL, free_energy REAL, forces BLOB, stress BLOB, dipole BLOB, "
      "magmoms BLOB, magmom REAL, charges BLOB, key_value_pairs TEXT, data BLOB, natoms INTEGER, fmax REAL, "
      "smax REAL, volume REAL, mass REAL, charge REAL)");
  db.exec("CREATE TABLE information (name TEXT, value TEXT)");
  db.exec("INSERT INTO information VALUES ('version', '" + std::to_string(version) + "')");
}

inline void insert_ase_row(TestDb& db, const std::vector<int>& Z, const std::vector<double>& pos_angstrom,
                           const TestDb::Value& data) {
  db.insert("INSERT INTO systems (numbers, positions, cell, pbc, key_value_pairs, data, natoms) "
            "VALUES (?, ?, ?, 0, '{}', ?, ?)",
            {TestDb::blob_of(raw_bytes(Z)), TestDb::blob_of(raw_bytes(pos_angstrom)),
             TestDb::blob_of(raw_bytes(std::vector<double>(9, 0.0))), data,
             TestDb::int_of(static_cast<std::int64_t>(Z.size()))});
}

// ASE >= 3.19 binary row data (ase/db/core.py object_to_bytes): int64 offset of a JSON header,
// arrays as raw bytes referenced by {"__ndarray__": [shape, dtype, offset]}.
inline std::string ase_binary_data(const std::vector<std::pair<std::string, Eigen::MatrixXd>>& arrays) {
  std::string bytes(8, '\0');
  nlohmann::json header = nlohmann::json::object();
  for (const auto& [name, m] : arrays) {
    header[name] = {{"__ndarray__", {{m.rows(), m.cols()}, "float64", bytes.size()}}};
    bytes += raw_bytes(row_major(m));
  }
  const std::int64_t offset = static_cast<std::int64_t>(bytes.size());
  std::memcpy(bytes.data(), &offset, 8);
  return bytes + header.dump();
}

// ASE < 3.19 JSON text (ase/io/jsonio.py): {"__ndarray__": [shape, dtype, flat values]}.
inline std::string ase_json_data(const std::vector<std::pair<std::string, Eigen::MatrixXd>>& arrays) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, m] : arrays) j[name] = {{"__ndarray__", {{m.rows(), m.cols()}, "float64", row_major(m)}}};
  return j.dump();
}

inline std::string base64(const std::string& in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int k = 3; k >= 0; --k) out += a[(v >> (6 * k)) & 63];
  }
  if (i < in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    if (i + 1 < in.size()) v |= (unsigned char)in[i + 1] << 8;
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    out += i + 1 < in.size() ? a[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// schnetpack 0.3 AtomsData (which wrote the SchNOrb files): base64 of the float32 bytes with
// _shape_<name> and _dtype_<name>, inside ASE's JSON text.
inline std::string schnetpack_data(const std::vector<std::pair<std::string, Eigen::MatrixXd>>& arrays) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, m] : arrays) {
    std::vector<float> f;
    for (double x : row_major(m)) f.push_back(static_cast<float>(x));
    j[name] = base64(raw_bytes(f));
    j["_shape_" + name] = {m.rows(), m.cols()};
    j["_dtype_" + name] = "float32";
  }
  return j.dump();
}

}  // namespace hamlet::test
