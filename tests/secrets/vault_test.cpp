// The vault on a real SQLite store in a temp dir: versions, resolution, tamper and wrong-key
// refusals, rekey and its crash recovery, audit rows, no plaintext on disk.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "secrets/secrets.h"
#include "secrets/vault_env.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace gantry::secrets::testing {
namespace {

using gantry::testing::TempDir;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite(dir_ / "state.db");
    ASSERT_TRUE(opened) << opened.error().str();
    store_ = std::move(*opened);
    auto v = Vault::open(*store_, key_);
    ASSERT_TRUE(v) << v.error().str();
    vault_ = std::make_unique<Vault>(std::move(*v));
  }

  store::Store& store() { return *store_; }
  Vault& vault() { return *vault_; }

  ScopedMasterKeyEnv env_;  // GANTRY_MASTER_KEY unset
  TempDir dir_{"gantry-vault"};
  MasterKey key_ = MasterKey::generate();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(VaultTest, ValuesRoundTripAndVersionsIncrease) {
  auto v1 = vault().set("database-url", "", "postgresql://app:s3cr3t@db/app", "cli:uid=1");
  ASSERT_TRUE(v1) << v1.error().str();
  EXPECT_EQ(*v1, 1);
  EXPECT_EQ(*vault().reveal("database-url", "", "cli:uid=1"), "postgresql://app:s3cr3t@db/app");
  EXPECT_EQ(*vault().set("database-url", "", "postgresql://app:n3w@db/app", "cli:uid=1"), 2);
  EXPECT_EQ(*vault().rotate("database-url", "", "postgresql://app:th1rd@db/app", "cli:uid=2"), 3);
  EXPECT_EQ(*vault().resolve("database-url", ""), "postgresql://app:th1rd@db/app");
  // Binary bytes and the largest value survive too.
  const std::string binary("a\0b\xff\n", 5);
  ASSERT_TRUE(vault().set("blob", "", binary, "t"));
  EXPECT_EQ(*vault().resolve("blob", ""), binary);
  const std::string big(kMaxSecretBytes, 'x');
  ASSERT_TRUE(vault().set("big", "", big, "t"));
  EXPECT_EQ(*vault().resolve("big", ""), big);

  auto versions = vault().versions("database-url", "");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].version, 3);
  EXPECT_EQ((*versions)[0].created_by, "cli:uid=2");
  EXPECT_EQ((*versions)[2].version, 1);
  EXPECT_GT((*versions)[2].created_at_ms, 0);
}

TEST_F(VaultTest, RefusesBadNamesEmptyAndOversizedValues) {
  EXPECT_EQ(vault().set("", "", "v", "t").error().code, ErrorCode::Invalid);
  EXPECT_EQ(vault().set("-x", "", "v", "t").error().code, ErrorCode::Invalid);
  EXPECT_EQ(vault().set("a b", "", "v", "t").error().code, ErrorCode::Invalid);
  EXPECT_EQ(vault().set(std::string(129, 'a'), "", "v", "t").error().code, ErrorCode::Invalid);
  EXPECT_TRUE(vault().set(std::string(128, 'a'), "", "v", "t"));
  EXPECT_EQ(vault().set("ok", "bad env", "v", "t").error().code, ErrorCode::Invalid);
  EXPECT_EQ(vault().set("ok", "", "", "t").error().code, ErrorCode::Invalid);
  EXPECT_EQ(vault().set("ok", "", std::string(kMaxSecretBytes + 1, 'x'), "t").error().code,
            ErrorCode::Invalid);
  EXPECT_EQ(vault().rotate("never-set", "", "v", "t").error().code, ErrorCode::NotFound);
}

TEST_F(VaultTest, AnEnvironmentsOwnSecretWinsOverTheOneForEveryEnvironment) {
  ASSERT_TRUE(vault().set("api-key", "", "shared-value", "t"));
  ASSERT_TRUE(vault().set("api-key", "production", "production-value", "t"));
  ASSERT_TRUE(vault().set("only-staging", "staging", "staging-value", "t"));
  EXPECT_EQ(*vault().resolve("api-key", "production"), "production-value");
  EXPECT_EQ(*vault().resolve("api-key", "staging"), "shared-value");
  EXPECT_EQ(*vault().resolve("api-key", ""), "shared-value");
  EXPECT_EQ(*vault().resolve("only-staging", "staging"), "staging-value");
  auto missing = vault().resolve("only-staging", "production");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);

  auto live = vault().live_values("production");
  ASSERT_TRUE(live);
  EXPECT_EQ(*live, (std::vector<std::string>{"production-value"}));
  auto staging = vault().live_values("staging");
  ASSERT_TRUE(staging);
  EXPECT_EQ(*staging, (std::vector<std::string>{"shared-value", "staging-value"}));
}

TEST_F(VaultTest, ListShowsTheLatestVersionsAndNeverAValue) {
  ASSERT_TRUE(vault().set("a", "", "value-of-a-1", "alice"));
  ASSERT_TRUE(vault().set("a", "", "value-of-a-2", "bob"));
  ASSERT_TRUE(vault().set("b", "production", "value-of-b", "carol"));
  auto all = vault().list(std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[0].version, 2);
  EXPECT_EQ((*all)[0].created_by, "bob");
  EXPECT_EQ((*all)[1].environment, "production");
  for (const auto& info : *all) {
    for (const std::string& field : {info.name, info.environment, info.created_by}) {
      EXPECT_EQ(field.find("value-of"), std::string::npos);
    }
  }
  auto production = vault().list(std::string("production"));
  ASSERT_TRUE(production);
  ASSERT_EQ(production->size(), 1u);
  EXPECT_EQ((*production)[0].name, "b");
}

TEST_F(VaultTest, RemoveDeletesEveryVersionAndIsNotFoundAfter) {
  ASSERT_TRUE(vault().set("a", "", "one", "t"));
  ASSERT_TRUE(vault().set("a", "", "two", "t"));
  ASSERT_TRUE(vault().set("a", "staging", "other", "t"));
  ASSERT_TRUE(vault().remove("a", "", "t"));
  EXPECT_TRUE(vault().versions("a", "")->empty());
  EXPECT_EQ(*vault().resolve("a", "staging"), "other");
  auto again = vault().remove("a", "", "t");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::NotFound);
  auto audit = store().list_audit(10);
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->front().action, "secret.removed");
  EXPECT_EQ(audit->front().target, "secret/a");
  EXPECT_EQ(nlohmann::json::parse(audit->front().detail_json)["versions"], 2);
}

TEST_F(VaultTest, ATamperedCiphertextIsRefused) {
  ASSERT_TRUE(vault().set("token", "", "tok-123456", "t"));
  auto row = *store().latest_secret("token", "");
  ASSERT_TRUE(row);
  row->ciphertext[3] = static_cast<char>(row->ciphertext[3] ^ 1);
  ASSERT_TRUE(store().replace_secret_ciphertexts({*row}));
  auto value = vault().resolve("token", "");
  ASSERT_FALSE(value);
  EXPECT_NE(value.error().message.find("does not decrypt"), std::string::npos);
  EXPECT_FALSE(vault().reveal("token", "", "t"));
}

TEST_F(VaultTest, ASwappedNonceIsRefused) {
  ASSERT_TRUE(vault().set("one", "", "value-one", "t"));
  ASSERT_TRUE(vault().set("two", "", "value-two", "t"));
  auto one = **store().latest_secret("one", "");
  const auto two = **store().latest_secret("two", "");
  one.nonce = two.nonce;
  ASSERT_TRUE(store().replace_secret_ciphertexts({one}));
  auto value = vault().resolve("one", "");
  ASSERT_FALSE(value);
  EXPECT_NE(value.error().message.find("does not decrypt"), std::string::npos);
  EXPECT_EQ(*vault().resolve("two", ""), "value-two");
}

TEST_F(VaultTest, ARowCopiedToAnotherNameEnvironmentOrVersionIsRefused) {
  ASSERT_TRUE(vault().set("stripe-key", "production", "sk_live_abcdef", "t"));
  const auto row = **store().latest_secret("stripe-key", "production");
  auto renamed = row;
  renamed.name = "public-key";
  ASSERT_TRUE(store().put_secret(renamed));
  EXPECT_FALSE(vault().resolve("public-key", "production"));
  auto moved = row;
  moved.environment = "staging";
  ASSERT_TRUE(store().put_secret(moved));
  EXPECT_FALSE(vault().resolve("stripe-key", "staging"));
  auto bumped = row;
  bumped.version = 2;
  ASSERT_TRUE(store().put_secret(bumped));
  auto value = vault().resolve("stripe-key", "production");  // version 2 is the latest now
  ASSERT_FALSE(value);
  EXPECT_NE(value.error().message.find("version 2"), std::string::npos);
}

TEST_F(VaultTest, AWrongKeyIsRefusedNamingBothKeyIds) {
  ASSERT_TRUE(vault().set("a", "", "value", "t"));
  const MasterKey other = MasterKey::generate();
  auto opened = Vault::open(store(), other);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message, "the master key (id " + other.id() +
                                        ") does not open this vault (its secrets are " +
                                        "under key id " + key_.id() +
                                        "): set GANTRY_MASTER_KEY or --key-file to the right key");
  // An empty vault opens with any key.
  TempDir empty("gantry-vault-empty");
  auto fresh = store::open_sqlite(empty / "state.db");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(Vault::open(**fresh, other));
}

TEST_F(VaultTest, RekeyReencryptsEverythingAndTheOldKeyNoLongerOpens) {
  ASSERT_TRUE(vault().set("a", "", "value-a1", "t"));
  ASSERT_TRUE(vault().set("a", "", "value-a2", "t"));
  ASSERT_TRUE(vault().set("b", "production", "value-b", "t"));
  const auto before = *store().all_secrets();
  const MasterKey next = MasterKey::generate();
  ASSERT_TRUE(vault().rekey(next, "cli:uid=1"));
  EXPECT_EQ(vault().key().id(), next.id());
  const auto after = *store().all_secrets();
  ASSERT_EQ(after.size(), 3u);
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].key_id, next.id());
    EXPECT_NE(after[i].nonce, before[i].nonce);
    EXPECT_NE(after[i].ciphertext, before[i].ciphertext);
    EXPECT_EQ(after[i].created_at_ms, before[i].created_at_ms);
  }
  EXPECT_EQ(*vault().resolve("a", ""), "value-a2");
  EXPECT_EQ(vault().versions("a", "")->size(), 2u);
  EXPECT_FALSE(Vault::open(store(), key_));
  auto reopened = Vault::open(store(), next);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened->resolve("b", "production"), "value-b");
  auto audit = store().list_audit(1);
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->front().action, "secret.rekeyed");
  const auto detail = nlohmann::json::parse(audit->front().detail_json);
  EXPECT_EQ(detail["from_key_id"], key_.id());
  EXPECT_EQ(detail["to_key_id"], next.id());
}

TEST_F(VaultTest, RevealAndRotateAreAuditedWithTheVersionAndNoValue) {
  ASSERT_TRUE(vault().set("db-pass", "staging", "first-pass-value", "cli:uid=7"));
  ASSERT_TRUE(vault().reveal("db-pass", "staging", "cli:uid=7"));
  ASSERT_TRUE(vault().rotate("db-pass", "staging", "second-pass-value", "cli:uid=8"));
  ASSERT_TRUE(vault().resolve("db-pass", "staging"));  // resolution is not audited
  auto audit = store().list_audit(10);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].action, "secret.rotated");
  EXPECT_EQ((*audit)[0].actor, "cli:uid=8");
  EXPECT_EQ((*audit)[0].target, "secret/db-pass@staging");
  EXPECT_EQ(nlohmann::json::parse((*audit)[0].detail_json)["version"], 2);
  EXPECT_EQ((*audit)[1].action, "secret.revealed");
  EXPECT_EQ(nlohmann::json::parse((*audit)[1].detail_json)["version"], 1);
  EXPECT_EQ((*audit)[2].action, "secret.set");
  for (const auto& entry : *audit) {
    EXPECT_EQ(entry.detail_json.find("pass-value"), std::string::npos);
  }
}

TEST_F(VaultTest, TheStoreFilesNeverHoldThePlaintext) {
  const std::string value = "plaintext-canary-7f3a9c";
  ASSERT_TRUE(vault().set("canary", "", value, "t"));
  ASSERT_TRUE(vault().rotate("canary", "", value + "-v2", "t"));
  ASSERT_TRUE(vault().rekey(MasterKey::generate(), "t"));
  const std::string on_disk = file_bytes(dir_ / "state.db") + file_bytes(dir_ / "state.db-wal");
  EXPECT_GT(on_disk.size(), 0u);
  EXPECT_EQ(on_disk.find(value), std::string::npos);
  EXPECT_NE(on_disk.find("canary"), std::string::npos);  // the name is there (not secret)
}

// --- open_vault / rekey_vault: the key file and crash safety. ---

TEST_F(VaultTest, RekeyVaultReplacesTheKeyFileAndLeavesNoPendingFile) {
  const std::string file = dir_ / "master.key";
  auto created = create_key_file(file);
  ASSERT_TRUE(created);
  auto v = open_vault(store(), file);
  ASSERT_TRUE(v) << v.error().str();
  ASSERT_TRUE(v->set("a", "", "value-a", "t"));
  const MasterKey next = MasterKey::generate();
  auto st = rekey_vault(*v, next, file, "t");
  ASSERT_TRUE(st) << st.error().str();
  EXPECT_FALSE(std::filesystem::exists(file + ".new"));
  EXPECT_EQ(load_master_key(file)->id(), next.id());
  struct stat info {};
  ::stat(file.c_str(), &info);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = open_vault(store(), file);
  ASSERT_TRUE(again) << again.error().str();
  EXPECT_EQ(*again->resolve("a", ""), "value-a");
}

TEST_F(VaultTest, OpenVaultFinishesARekeyThatCrashedBeforeItsRename) {
  const std::string file = dir_ / "master.key";
  ASSERT_TRUE(create_key_file(file));
  auto v = open_vault(store(), file);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->set("a", "", "value-a", "t"));
  // The crash: KEYFILE.new written, the store rekeyed, the rename never happened.
  auto pending = create_key_file(file + ".new");
  ASSERT_TRUE(pending);
  ASSERT_TRUE(v->rekey(*pending, "t"));
  auto recovered = open_vault(store(), file);
  ASSERT_TRUE(recovered) << recovered.error().str();
  EXPECT_EQ(recovered->key().id(), pending->id());
  EXPECT_EQ(*recovered->resolve("a", ""), "value-a");
  EXPECT_FALSE(std::filesystem::exists(file + ".new"));
  EXPECT_EQ(load_master_key(file)->id(), pending->id());
}

TEST_F(VaultTest, OpenVaultKeepsTheOldKeyWhenTheRekeyNeverCommitted) {
  const std::string file = dir_ / "master.key";
  auto old_key = create_key_file(file);
  ASSERT_TRUE(old_key);
  auto v = open_vault(store(), file);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->set("a", "", "value-a", "t"));
  ASSERT_TRUE(create_key_file(file + ".new"));  // written, then the crash before the commit
  auto opened = open_vault(store(), file);
  ASSERT_TRUE(opened) << opened.error().str();
  EXPECT_EQ(opened->key().id(), old_key->id());
  EXPECT_EQ(*opened->resolve("a", ""), "value-a");
  // A later rekey overwrites the stale pending file and completes.
  ASSERT_TRUE(rekey_vault(*opened, MasterKey::generate(), file, "t"));
  EXPECT_FALSE(std::filesystem::exists(file + ".new"));
  EXPECT_EQ(*open_vault(store(), file)->resolve("a", ""), "value-a");
}

TEST_F(VaultTest, RekeyVaultWithTheEnvironmentKeyWritesNoFile) {
  const MasterKey env_key = MasterKey::generate();
  ScopedMasterKeyEnv env(env_key.encoded());
  const std::string file = dir_ / "master.key";
  auto v = open_vault(store(), file);
  ASSERT_TRUE(v) << v.error().str();
  ASSERT_TRUE(v->set("a", "", "value-a", "t"));
  const MasterKey next = MasterKey::generate();
  ASSERT_TRUE(rekey_vault(*v, next, file, "t"));
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".new"));
  EXPECT_FALSE(open_vault(store(), file));  // the variable still holds the old key
  ScopedMasterKeyEnv updated(next.encoded());
  EXPECT_EQ(*open_vault(store(), file)->resolve("a", ""), "value-a");
}

TEST_F(VaultTest, ASecondRekeyWithTheOldKeyChangesNothing) {
  const std::string file = dir_ / "master.key";
  ASSERT_TRUE(create_key_file(file));
  auto first = open_vault(store(), file);
  auto second = open_vault(store(), file);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->set("a", "", "value-a", "t"));
  const MasterKey k1 = MasterKey::generate();
  ASSERT_TRUE(rekey_vault(*first, k1, file, "t"));
  auto late = rekey_vault(*second, MasterKey::generate(), file, "t");
  ASSERT_FALSE(late);
  EXPECT_EQ(load_master_key(file)->id(), k1.id());
  EXPECT_FALSE(std::filesystem::exists(file + ".new"));
  EXPECT_EQ(*open_vault(store(), file)->resolve("a", ""), "value-a");
}

}  // namespace
}  // namespace gantry::secrets::testing
