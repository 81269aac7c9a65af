// SQLite-only behaviour: WAL mode, refusal of a database from a newer gantry.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <string>

#include "store/store.h"

namespace gantry::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-sqlite-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
};

std::string pragma(const std::string& path, const std::string& name) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &st, nullptr);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST_F(SqliteStoreTest, UsesWriteAheadLogging) {
  const auto path = dir_ + "/state.db";
  auto store = open_sqlite(path);
  ASSERT_TRUE(store) << store.error().str();
  EXPECT_EQ(pragma(path, "journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerGantry) {
  const auto path = dir_ + "/state.db";
  { ASSERT_TRUE(open_sqlite(path)); }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto store = open_sqlite(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::Unsupported);
  EXPECT_NE(store.error().message.find("newer than this gantry"), std::string::npos);
}

TEST_F(SqliteStoreTest, ExplainsADatabaseItCannotOpen) {
  auto store = open_sqlite(dir_ + "/missing-dir/state.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().str().find("missing-dir/state.db"), std::string::npos);
}

}  // namespace
}  // namespace gantry::store
