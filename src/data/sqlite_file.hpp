#pragma once
// Internal to the data layer: read-only access to SQLite files (the containers of the QH9
// and ASE/SchNOrb datasets) through the sqlite3 C API. Errors become hamlet::Error naming
// the file and, when known, the table and row.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace hamlet::data::detail {

class SqliteFile;

// One prepared SELECT; step() advances to the next row.
class SqliteQuery {
 public:
  SqliteQuery(const SqliteFile& file, const std::string& sql);
  ~SqliteQuery();
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  bool step();  // false after the last row
  bool is_null(int column) const;
  bool is_blob(int column) const;
  bool is_integer(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  // The bytes of a BLOB (or TEXT) value; valid until the next step().
  std::string_view bytes(int column) const;

 private:
  const SqliteFile& file_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteFile {
 public:
  // Opens read-only; throws hamlet::Error if the file is missing or not an SQLite database.
  explicit SqliteFile(const std::filesystem::path& path);
  ~SqliteFile();
  SqliteFile(const SqliteFile&) = delete;
  SqliteFile& operator=(const SqliteFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool has_table(const std::string& table) const;
  // Column names of `table` in declaration order (empty if there is no such table).
  std::vector<std::string> columns(const std::string& table) const;
  std::int64_t count_rows(const std::string& table) const;
  // hamlet::Error "<file>: <what>: <sqlite message>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  friend class SqliteQuery;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace hamlet::data::detail
