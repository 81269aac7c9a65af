// The store's secrets rows (conformance, for every backend): versions, latest per name and
// environment, deletes, key ids, replacing ciphertexts all-or-nothing; and SQLite's migration 4
// of a database a gantry at schema 3 wrote.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/sqlite_migrations.h"
#include "store/store_conformance.h"
#include "support/temp_dir.h"

namespace gantry::store::testing {
namespace {

SecretRecord secret(const std::string& name, const std::string& environment, int version,
                    const std::string& key_id = "k1") {
  SecretRecord r;
  r.name = name;
  r.environment = environment;
  r.version = version;
  r.nonce = std::string("n\0nce-", 6) + std::to_string(version);
  r.ciphertext = std::string("\xff\x00\x01 cipher ", 10) + name + "/" + environment;
  r.key_id = key_id;
  r.created_at_ms = 1000 + version;
  r.created_by = "cli:uid=1000";
  return r;
}

TEST_P(StoreConformance, KeepsSecretVersionsWithTheirBytesExactly) {
  for (int v = 1; v <= 3; ++v) ASSERT_TRUE(store_->put_secret(secret("db-url", "", v)));
  ASSERT_TRUE(store_->put_secret(secret("db-url", "production", 1)));
  auto latest = store_->latest_secret("db-url", "");
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ(**latest, secret("db-url", "", 3));
  EXPECT_EQ(**store_->latest_secret("db-url", "production"), secret("db-url", "production", 1));
  EXPECT_FALSE(store_->latest_secret("db-url", "staging")->has_value());
  EXPECT_FALSE(store_->latest_secret("other", "")->has_value());

  auto versions = store_->secret_versions("db-url", "");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].version, 3);
  EXPECT_EQ((*versions)[2].version, 1);

  auto taken = store_->put_secret(secret("db-url", "", 2));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::Conflict);

  auto again = reopen();
  EXPECT_EQ(**again->latest_secret("db-url", ""), secret("db-url", "", 3));
}

TEST_P(StoreConformance, ListsTheLatestVersionOfEachSecretByNameThenEnvironment) {
  ASSERT_TRUE(store_->put_secret(secret("b", "", 1)));
  ASSERT_TRUE(store_->put_secret(secret("a", "staging", 1)));
  ASSERT_TRUE(store_->put_secret(secret("a", "staging", 2)));
  ASSERT_TRUE(store_->put_secret(secret("a", "", 1)));
  auto list = store_->list_latest_secrets();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0], secret("a", "", 1));
  EXPECT_EQ((*list)[1], secret("a", "staging", 2));
  EXPECT_EQ((*list)[2], secret("b", "", 1));
  EXPECT_EQ(store_->all_secrets()->size(), 4u);
}

TEST_P(StoreConformance, DeletesEveryVersionOfOneSecretOnly) {
  ASSERT_TRUE(store_->put_secret(secret("a", "", 1)));
  ASSERT_TRUE(store_->put_secret(secret("a", "", 2)));
  ASSERT_TRUE(store_->put_secret(secret("a", "production", 1)));
  auto removed = store_->delete_secret("a", "");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(*store_->delete_secret("a", ""), 0);
  EXPECT_EQ(store_->all_secrets()->size(), 1u);
}

TEST_P(StoreConformance, ReplacesCiphertextsAllOrNone) {
  ASSERT_TRUE(store_->put_secret(secret("a", "", 1)));
  ASSERT_TRUE(store_->put_secret(secret("b", "", 1)));
  EXPECT_EQ(*store_->secret_key_ids(), (std::vector<std::string>{"k1"}));

  auto a = secret("a", "", 1, "k2");
  a.ciphertext = "new-a";
  auto missing = secret("zzz", "", 1, "k2");
  auto refused = store_->replace_secret_ciphertexts({a, missing});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::NotFound);
  EXPECT_EQ(**store_->latest_secret("a", ""), secret("a", "", 1));  // unchanged

  auto b = secret("b", "", 1, "k2");
  b.nonce = std::string("\0\0\0", 3);
  ASSERT_TRUE(store_->replace_secret_ciphertexts({a, b}));
  EXPECT_EQ(**store_->latest_secret("a", ""), a);
  EXPECT_EQ(**store_->latest_secret("b", ""), b);
  EXPECT_EQ(*store_->secret_key_ids(), (std::vector<std::string>{"k2"}));

  // Inside a larger transaction that fails, the replacement is rolled back too.
  auto c = a;
  c.key_id = "k3";
  auto st = store_->transaction([&]() -> Status {
    if (auto r = store_->replace_secret_ciphertexts({c}); !r) return r;
    return make_error(ErrorCode::Io, "crash");
  });
  EXPECT_FALSE(st);
  EXPECT_EQ(*store_->secret_key_ids(), (std::vector<std::string>{"k2"}));
}

// --- SQLite: migration 4 of a database that a gantry at schema 3 wrote. ---

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  ASSERT_EQ(rc, SQLITE_OK) << (message ? message : "") << "\n" << sql;
  sqlite3_free(message);
}

TEST(SqliteMigration4, AddsTheSecretsTableAndKeepsWhatSchema3Held) {
  gantry::testing::TempDir dir("gantry-migration4");
  const std::string path = dir / "state.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    for (const auto& m : sqlite_migrations()) {
      if (m.version <= 3) exec(db, std::string(m.sql));
    }
    exec(db, "PRAGMA user_version = 3");
    exec(db,
         "INSERT INTO api_tokens VALUES ('tk-1', 'ci', 'read', 'h', 5, 'cli', NULL);"
         "INSERT INTO audit (at_ms, actor, action, target, detail_json) VALUES"
         " (7, 'cli:uid=1', 'deploy', 'service/api', '{}');");
    sqlite3_close(db);
  }
  auto store = open_sqlite(path);
  ASSERT_TRUE(store) << store.error().str();
  EXPECT_EQ(*(*store)->schema_version(), 4);
  EXPECT_EQ(*(*store)->schema_version(), sqlite_migrations().back().version);
  ASSERT_EQ((*store)->list_tokens()->size(), 1u);
  EXPECT_EQ((*store)->list_tokens()->front().name, "ci");
  ASSERT_EQ((*store)->list_audit(10)->size(), 1u);
  EXPECT_TRUE((*store)->all_secrets()->empty());
  ASSERT_TRUE((*store)->put_secret(secret("a", "", 1)));
  store->reset();
  auto again = open_sqlite(path);
  ASSERT_TRUE(again) << again.error().str();
  EXPECT_EQ(**(*again)->latest_secret("a", ""), secret("a", "", 1));
}

}  // namespace
}  // namespace gantry::store::testing
