// sqlite3 handle and statement wrappers: errors become Error with the database path.
#include "store/sqlite_db.h"

namespace gantry::store {

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error(
      rc == SQLITE_CONSTRAINT ? ErrorCode::Conflict : ErrorCode::Io,
      std::string("database: ") + sqlite3_errmsg(db_),
      Location{sqlite3_db_filename(db_, "main") ? sqlite3_db_filename(db_, "main") : "", 0, 0});
}

Status Statement::run() {
  while (true) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return {};
  }
}

Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(ErrorCode::Io, "cannot open database: " + msg, Location{path, 0, 0});
  }
  sqlite3_extended_result_codes(db, 0);
  return Database(db, path);
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return error("prepare");
  }
  return Statement(db_, stmt);
}

Status Database::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return make_error(ErrorCode::Io, "database: " + text, Location{path_, 0, 0});
  }
  return {};
}

Error Database::error(std::string_view what) const {
  return make_error(ErrorCode::Io, "database " + std::string(what) + ": " + sqlite3_errmsg(db_),
                    Location{path_, 0, 0});
}

}  // namespace gantry::store
