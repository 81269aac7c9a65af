// The master key: text forms and ids, GANTRY_MASTER_KEY, key files (permissions, creation,
// never overwriting), with real files in a temp dir.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "secrets/secrets.h"
#include "secrets/vault_env.h"
#include "support/temp_dir.h"

namespace gantry::secrets::testing {
namespace {

using gantry::testing::TempDir;

std::string hex_of(const MasterKey& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.bytes()) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(MasterKey, ParsesItsBase64AndHexFormsToTheSameKey) {
  const MasterKey key = MasterKey::generate();
  auto from_base64 = MasterKey::parse(key.encoded() + "\n");
  ASSERT_TRUE(from_base64) << from_base64.error().str();
  auto from_hex = MasterKey::parse(hex_of(key));
  ASSERT_TRUE(from_hex) << from_hex.error().str();
  EXPECT_EQ(from_base64->bytes(), key.bytes());
  EXPECT_EQ(from_hex->bytes(), key.bytes());
  EXPECT_EQ(from_hex->id(), key.id());
  EXPECT_EQ(key.id().size(), 16u);
  EXPECT_EQ(key.id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(MasterKey::generate().id(), key.id());
}

TEST(MasterKey, RefusesMalformedTextWithoutEchoingIt) {
  const std::vector<std::string> texts = {"", "not-a-key-at-all-but-a-typo-1234567890", "abcd",
                                          std::string(64, 'g'), std::string(44, 'A')};
  for (const std::string& text : texts) {
    auto parsed = MasterKey::parse(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::Invalid);
    if (text.size() > 8) {
      EXPECT_EQ(parsed.error().message.find(text), std::string::npos);
    }
  }
}

TEST(LoadMasterKey, TheEnvironmentVariableWinsOverTheKeyFile) {
  TempDir dir("gantry-key");
  const std::string file = dir / "master.key";
  ScopedMasterKeyEnv none;
  auto in_file = create_key_file(file);
  ASSERT_TRUE(in_file) << in_file.error().str();
  const MasterKey other = MasterKey::generate();
  ScopedMasterKeyEnv env(hex_of(other));
  EXPECT_TRUE(master_key_from_env());
  auto loaded = load_master_key(file);
  ASSERT_TRUE(loaded) << loaded.error().str();
  EXPECT_EQ(loaded->id(), other.id());
  ScopedMasterKeyEnv base64(other.encoded());
  EXPECT_EQ(load_master_key(file)->id(), other.id());
}

TEST(LoadMasterKey, AMalformedEnvironmentVariableIsAnErrorNamingIt) {
  TempDir dir("gantry-key");
  ScopedMasterKeyEnv none;
  ASSERT_TRUE(create_key_file(dir / "master.key"));
  const std::vector<std::string> bads = {"", "hunter2hunter2", std::string(63, 'a')};
  for (const std::string& bad : bads) {
    ScopedMasterKeyEnv env(bad);
    auto loaded = load_master_key(dir / "master.key");
    ASSERT_FALSE(loaded) << bad;
    EXPECT_NE(loaded.error().message.find("GANTRY_MASTER_KEY"), std::string::npos);
    if (!bad.empty()) {
      EXPECT_EQ(loaded.error().str().find(bad), std::string::npos);
    }
  }
}

TEST(LoadMasterKey, AMissingKeySaysHowToMakeOne) {
  TempDir dir("gantry-key");
  ScopedMasterKeyEnv none;
  auto loaded = load_master_key(dir / "master.key");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::NotFound);
  EXPECT_EQ(loaded.error().message, "no master key: run `gantry init` to create " +
                                        (dir / "master.key") + ", or set GANTRY_MASTER_KEY");
}

TEST(LoadMasterKey, RefusesAKeyFileThatOthersMayRead) {
  TempDir dir("gantry-key");
  ScopedMasterKeyEnv none;
  const std::string file = dir / "master.key";
  write_file(file, MasterKey::generate().encoded() + "\n", 0644);
  auto loaded = load_master_key(file);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("chmod 600 " + file), std::string::npos);
  EXPECT_NE(loaded.error().message.find("0644"), std::string::npos);
  ::chmod(file.c_str(), 0640);
  EXPECT_FALSE(load_master_key(file));
  ::chmod(file.c_str(), 0600);
  EXPECT_TRUE(load_master_key(file));
  ::chmod(file.c_str(), 0400);
  EXPECT_TRUE(load_master_key(file));
}

TEST(LoadMasterKey, FollowsASymbolicLinkAndChecksTheTargetsMode) {
  TempDir dir("gantry-key");
  ScopedMasterKeyEnv none;
  const std::string target = dir / "mounted-secret";
  const MasterKey key = MasterKey::generate();
  write_file(target, key.encoded() + "\n", 0400);
  std::filesystem::create_symlink(target, dir / "master.key");
  auto loaded = load_master_key(dir / "master.key");
  ASSERT_TRUE(loaded) << loaded.error().str();
  EXPECT_EQ(loaded->id(), key.id());
  ::chmod(target.c_str(), 0644);
  EXPECT_FALSE(load_master_key(dir / "master.key"));
}

TEST(LoadMasterKey, AFileThatHoldsNoKeyIsRefusedWithItsName) {
  TempDir dir("gantry-key");
  ScopedMasterKeyEnv none;
  const std::string file = dir / "master.key";
  write_file(file, "my-password\n", 0600);
  auto loaded = load_master_key(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().where.file, file);
  EXPECT_EQ(loaded.error().str().find("my-password"), std::string::npos);
}

TEST(CreateKeyFile, Writes0600InA0700DirectoryAndNeverOverwrites) {
  TempDir dir("gantry-key");
  ScopedMasterKeyEnv none;
  const std::string file = dir / "state/nested/master.key";
  auto created = create_key_file(file);
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(dir / "state/nested"), 0700u);
  EXPECT_EQ(mode_of(dir / "state"), 0700u);
  EXPECT_EQ(load_master_key(file)->id(), created->id());
  const std::string before = [&] {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto again = create_key_file(file);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::Conflict);
  EXPECT_EQ(load_master_key(file)->id(), created->id());
  std::ifstream in(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), before);
  // No temp file left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir / "state/nested"))
    ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(KeyFileIn, IsMasterKeyInTheStateDir) {
  EXPECT_EQ(key_file_in("/srv/app/.gantry"), "/srv/app/.gantry/master.key");
}

TEST(RandomValue, IsUnpaddedBase64UrlOfTheGivenLength) {
  const std::string v = random_value(32);
  EXPECT_EQ(v.size(), 43u);
  EXPECT_EQ(v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_NE(random_value(32), v);
}

}  // namespace
}  // namespace gantry::secrets::testing
