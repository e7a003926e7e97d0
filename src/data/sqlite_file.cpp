#include "data/sqlite_file.hpp"

#include <sqlite3.h>

#include "core/error.hpp"

namespace hamlet::data::detail {

SqliteFile::SqliteFile(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path.string(), 0, "no such file");
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path.string(), 0, "cannot open as SQLite database: " + msg);
  }
  // SQLite reads the header lazily: touch the schema now so a foreign file fails here.
  SqliteQuery probe(*this, "SELECT count(*) FROM sqlite_master");
  probe.step();
}

SqliteFile::~SqliteFile() { sqlite3_close(db_); }

void SqliteFile::fail(const std::string& what) const {
  throw Error(path_.string(), 0, what + ": " + sqlite3_errmsg(db_));
}

bool SqliteFile::has_table(const std::string& table) const {
  SqliteQuery q(*this, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'");
  return q.step() && q.integer(0) > 0;
}

std::vector<std::string> SqliteFile::columns(const std::string& table) const {
  std::vector<std::string> names;
  SqliteQuery q(*this, "PRAGMA table_info(\"" + table + "\")");
  while (q.step()) names.push_back(q.text(1));
  return names;
}

std::int64_t SqliteFile::count_rows(const std::string& table) const {
  SqliteQuery q(*this, "SELECT count(*) FROM \"" + table + "\"");
  q.step();
  return q.integer(0);
}

SqliteQuery::SqliteQuery(const SqliteFile& file, const std::string& sql) : file_(file) {
  if (sqlite3_prepare_v2(file.db_, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
    file.fail("cannot query (not an SQLite database, or damaged?)");
}

SqliteQuery::~SqliteQuery() { sqlite3_finalize(stmt_); }

bool SqliteQuery::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  file_.fail("cannot read (truncated or damaged database?)");
}

bool SqliteQuery::is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
bool SqliteQuery::is_blob(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_BLOB; }
bool SqliteQuery::is_integer(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_INTEGER; }
std::int64_t SqliteQuery::integer(int c) const { return sqlite3_column_int64(stmt_, c); }
double SqliteQuery::real(int c) const { return sqlite3_column_double(stmt_, c); }

std::string SqliteQuery::text(int c) const {
  const auto* p = sqlite3_column_text(stmt_, c);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, c)))
           : std::string();
}

std::string_view SqliteQuery::bytes(int c) const {
  const void* p = sqlite3_column_blob(stmt_, c);
  const int n = sqlite3_column_bytes(stmt_, c);  // after column_blob, as SQLite requires
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

}  // namespace hamlet::data::detail
