// `gantry init` and `gantry secrets` as a user runs them: the real binary, values on stdin, a
// real git work tree, the key file and store in a temp dir. No daemon runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "e2e/run_gantry.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

// Runs gantry with `input` on its stdin (a pipe, so never a terminal), GANTRY_MASTER_KEY unset
// unless master_key is given.
RunResult run(const std::vector<std::string>& args, const std::string& input = "",
              const std::optional<std::string>& master_key = std::nullopt,
              const std::string& cwd = {}) {
  RunOptions options;
  options.cwd = cwd;
  options.input = input;
  options.env = {{"GANTRY_MASTER_KEY", master_key}};
  return run_gantry(args, options);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

class CliSecrets : public ::testing::Test {
 protected:
  std::string state() const { return dir_.file("app/.gantry"); }
  std::string key_file() const { return state() + "/master.key"; }

  RunResult init() { return run({"init", "--state-dir", state()}); }
  RunResult secrets(std::vector<std::string> args, const std::string& input = "",
                    const std::optional<std::string>& key = std::nullopt) {
    args.insert(args.begin() + 1, {"--state-dir", state()});
    args.insert(args.begin(), "secrets");
    return run(args, input, key);
  }
  json list_json() {
    auto r = secrets({"list", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  TempDir dir_;
};

TEST_F(CliSecrets, InitCreatesA0600KeyAndIgnoresTheStateDirInGit) {
  const std::string repo = dir_.file("app");
  std::filesystem::create_directories(repo);
  ASSERT_EQ(std::system(("git init -q '" + repo + "'").c_str()), 0);
  std::ofstream(repo + "/gantry.yaml") << "project: shop\n";
  auto r = run({"init"}, "", std::nullopt, repo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode_of(key_file()), 0600u);
  EXPECT_EQ(mode_of(state()), 0700u);
  EXPECT_NE(r.out.find("key id "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("back it up"), std::string::npos) << r.out;
  EXPECT_NE(read_all(repo + "/.gitignore").find("\n.gantry/\n"), std::string::npos);
  EXPECT_EQ(std::system(("git -C '" + repo + "' check-ignore -q .gantry/master.key").c_str()), 0);

  // Never overwritten; nor is the .gitignore entry added twice.
  const std::string key = read_all(key_file());
  auto again = run({"init"}, "", std::nullopt, repo);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;
  EXPECT_EQ(read_all(key_file()), key);
  // --force replaces it while nothing is stored; then not any more.
  auto forced = run({"init", "--force"}, "", std::nullopt, repo);
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(read_all(key_file()), key);
  const std::string gitignore = read_all(repo + "/.gitignore");
  EXPECT_EQ(gitignore.find(".gantry/"), gitignore.rfind(".gantry/"));
  ASSERT_EQ(run({"secrets", "set", "a"}, "value-a\n", std::nullopt, repo).exit_code, 0);
  auto refused = run({"init", "--force"}, "", std::nullopt, repo);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("secrets rekey"), std::string::npos) << refused.err;
}

TEST_F(CliSecrets, InitSaysTheEnvironmentVariableTakesPrecedence) {
  auto r = run({"init", "--state-dir", state()}, "", std::string(64, 'a'));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GANTRY_MASTER_KEY is set"), std::string::npos) << r.out;
}

TEST_F(CliSecrets, SetListGetRevealAndRm) {
  ASSERT_EQ(init().exit_code, 0);
  auto set = secrets({"set", "db-password"}, "s3cr3t-value-1\n");
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("version 1"), std::string::npos) << set.out;
  EXPECT_EQ(set.out.find("s3cr3t"), std::string::npos);
  ASSERT_EQ(secrets({"set", "db-password", "--env", "production"}, "prod-value\n").exit_code, 0);

  auto list = secrets({"list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(list.out.find("prod-value"), std::string::npos);
  const json listed = json::parse(list.out);
  ASSERT_EQ(listed["secrets"].size(), 2u);
  EXPECT_EQ(listed["secrets"][0]["name"], "db-password");
  EXPECT_EQ(listed["secrets"][0]["environment"], "");
  EXPECT_EQ(listed["secrets"][0]["version"], 1);
  EXPECT_FALSE(listed["secrets"][0].contains("value"));
  EXPECT_EQ(listed["secrets"][1]["environment"], "production");
  auto text = secrets({"list"});
  EXPECT_NE(text.out.find("NAME"), std::string::npos);
  EXPECT_NE(text.out.find("(all)"), std::string::npos);

  auto meta = secrets({"get", "db-password"});
  ASSERT_EQ(meta.exit_code, 0) << meta.err;
  EXPECT_EQ(meta.out.find("s3cr3t"), std::string::npos);
  EXPECT_NE(meta.out.find("--reveal"), std::string::npos);
  auto revealed = secrets({"get", "db-password", "--reveal"});
  ASSERT_EQ(revealed.exit_code, 0) << revealed.err;
  EXPECT_EQ(revealed.out, "s3cr3t-value-1\n");
  EXPECT_EQ(secrets({"get", "db-password", "--env", "production", "--reveal"}).out, "prod-value\n");
  const json as_json = json::parse(secrets({"get", "db-password", "--format", "json"}).out);
  EXPECT_EQ(as_json["versions"], 1);
  EXPECT_FALSE(as_json.contains("value"));
  EXPECT_EQ(
      json::parse(secrets({"get", "db-password", "--reveal", "--format", "json"}).out)["value"],
      "s3cr3t-value-1");

  auto rm = secrets({"rm", "db-password"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(list_json()["secrets"].size(), 1u);
  auto gone = secrets({"get", "db-password"});
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_NE(gone.err.find("no secret 'db-password'"), std::string::npos) << gone.err;
  EXPECT_EQ(secrets({"rm", "db-password"}).exit_code, 2);
  // The store file never holds a value.
  const std::string db = read_all(state() + "/state.db") + read_all(state() + "/state.db-wal");
  EXPECT_EQ(db.find("prod-value"), std::string::npos);
}

TEST_F(CliSecrets, FromFileKeepsTheBytesAndEmptyValuesAreRefused) {
  ASSERT_EQ(init().exit_code, 0);
  const std::string file = dir_.file("cert.pem");
  std::ofstream(file, std::ios::binary) << "line one\nline two\n\n";
  auto set = secrets({"set", "cert", "--from-file", file});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(secrets({"get", "cert", "--reveal"}).out, "line one\nline two\n\n\n");
  std::ofstream(file, std::ios::binary) << std::string("\xff\xfe\0bin", 6);
  ASSERT_EQ(secrets({"set", "binary", "--from-file", file}).exit_code, 0);
  EXPECT_EQ(secrets({"get", "binary", "--reveal"}).out, std::string("\xff\xfe\0bin\n", 7));
  auto as_json = secrets({"get", "binary", "--reveal", "--format", "json"});
  EXPECT_EQ(as_json.exit_code, 2);
  EXPECT_NE(as_json.err.find("not UTF-8"), std::string::npos) << as_json.err;
  auto empty = secrets({"set", "nothing"}, "\n");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
  auto big = secrets({"set", "big"}, std::string(64 * 1024 + 1, 'x'));
  EXPECT_EQ(big.exit_code, 2);
  EXPECT_NE(big.err.find("64 KiB"), std::string::npos) << big.err;
  EXPECT_EQ(list_json()["secrets"].size(), 2u);
}

TEST_F(CliSecrets, AValueGivenAsAnArgumentIsRefusedAndNotEchoed) {
  ASSERT_EQ(init().exit_code, 0);
  auto r = secrets({"set", "api-key", "hunter2-typed-on-the-command-line"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("takes no value argument"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos) << r.err;
  EXPECT_TRUE(list_json()["secrets"].empty());
  auto rotate = secrets({"rotate", "api-key", "hunter2-again"});
  EXPECT_EQ(rotate.exit_code, 2);
  EXPECT_EQ((rotate.out + rotate.err).find("hunter2"), std::string::npos) << rotate.err;
}

TEST_F(CliSecrets, RotateGenerateBumpsTheVersionAndSaysWhenServicesPickItUp) {
  ASSERT_EQ(init().exit_code, 0);
  ASSERT_EQ(secrets({"set", "session-key"}, "first\n").exit_code, 0);
  auto r = secrets({"rotate", "session-key", "--generate", "32"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("version 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("when they next start"), std::string::npos) << r.out;
  EXPECT_EQ(list_json()["secrets"][0]["version"], 2);
  const std::string value = secrets({"get", "session-key", "--reveal"}).out;
  ASSERT_EQ(value.size(), 44u);  // 43 base64url characters and the newline
  EXPECT_EQ(r.out.find(value.substr(0, 43)), std::string::npos);
  auto from_stdin = secrets({"rotate", "session-key"}, "third\n");
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(secrets({"get", "session-key", "--reveal"}).out, "third\n");
  auto unknown = secrets({"rotate", "never-set", "--generate", "32"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("secrets set never-set"), std::string::npos) << unknown.err;
}

TEST_F(CliSecrets, AWrongKeyExitsTwoNamingBothKeyIds) {
  ASSERT_EQ(init().exit_code, 0);
  ASSERT_EQ(secrets({"set", "a"}, "value-a\n").exit_code, 0);
  auto r = secrets({"get", "a", "--reveal"}, "", std::string(64, 'b'));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not open this vault (its secrets are under key id "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("set GANTRY_MASTER_KEY or --key-file to the right key"), std::string::npos);
  EXPECT_EQ(r.out, "");
  auto malformed = secrets({"list"}, "", std::string("not-a-key"));
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("GANTRY_MASTER_KEY"), std::string::npos) << malformed.err;
  ::chmod(key_file().c_str(), 0644);
  auto open_to_others = secrets({"list"});
  EXPECT_EQ(open_to_others.exit_code, 2);
  EXPECT_NE(open_to_others.err.find("chmod 600 " + key_file()), std::string::npos);
}

TEST_F(CliSecrets, WithoutAKeyEveryCommandSaysRunGantryInit) {
  auto r = secrets({"set", "a"}, "value\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no master key: run `gantry init` to create " + key_file()),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(state()));  // nothing made on the way
  EXPECT_EQ(secrets({"list"}).exit_code, 2);
}

TEST_F(CliSecrets, RekeyReencryptsUnderANewKeyFile) {
  ASSERT_EQ(init().exit_code, 0);
  ASSERT_EQ(secrets({"set", "a"}, "value-a\n").exit_code, 0);
  ASSERT_EQ(secrets({"rotate", "a"}, "value-a2\n").exit_code, 0);
  const std::string old_key = read_all(key_file());
  auto r = secrets({"rekey"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("re-encrypted 2 secret versions"), std::string::npos) << r.out;
  EXPECT_NE(read_all(key_file()), old_key);
  EXPECT_EQ(mode_of(key_file()), 0600u);
  EXPECT_FALSE(std::filesystem::exists(key_file() + ".new"));
  EXPECT_EQ(secrets({"get", "a", "--reveal"}).out, "value-a2\n");
  auto with_old = secrets({"list"}, "", old_key.substr(0, old_key.size() - 1));
  EXPECT_EQ(with_old.exit_code, 2);
}

TEST_F(CliSecrets, TheNextCommandFinishesARekeyThatCrashedBeforeItsRename) {
  ASSERT_EQ(init().exit_code, 0);
  ASSERT_EQ(secrets({"set", "a"}, "value-a\n").exit_code, 0);
  const std::string old_key = read_all(key_file());
  ASSERT_EQ(secrets({"rekey"}).exit_code, 0);
  const std::string new_key = read_all(key_file());
  // The state a crash between the store's commit and the rename leaves behind.
  std::filesystem::rename(key_file(), key_file() + ".new");
  std::ofstream(key_file()) << old_key;
  ::chmod(key_file().c_str(), 0600);
  auto r = secrets({"get", "a", "--reveal"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "value-a\n");
  EXPECT_EQ(read_all(key_file()), new_key);
  EXPECT_FALSE(std::filesystem::exists(key_file() + ".new"));
}

TEST_F(CliSecrets, RekeyWithTheEnvironmentKeyPrintsTheNewKeyOnce) {
  const std::string key(64, 'c');
  ASSERT_EQ(secrets({"set", "a"}, "value-a\n", key).exit_code, 0);
  auto r = secrets({"rekey"}, "", key);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(key_file()));
  const std::string next = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(next.size(), 44u) << r.out;
  EXPECT_NE(r.err.find("set GANTRY_MASTER_KEY to it"), std::string::npos) << r.err;
  EXPECT_EQ(secrets({"get", "a", "--reveal"}, "", key).exit_code, 2);
  EXPECT_EQ(secrets({"get", "a", "--reveal"}, "", next).out, "value-a\n");
}

}  // namespace
}  // namespace gantry::testing
