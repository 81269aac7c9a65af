// `gantry scan` as a user runs it: the real binary on real folders and git repositories; exit
// statuses 0/1/2, --fail-on, formats without plaintext secrets, baselines, history and staged.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/run_gantry.h"
#include "scan/fake_secrets.h"
#include "support/shell.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

void write(const std::string& path, const std::string& content) {
  write_file_in_place(path, content);
}

std::string github_token() {
  return fake_token(
      "gh"
      "p_",
      kAlnum, 36);
}

// A JSON web token (a medium-severity rule) built at run time.
std::string jwt() {
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
         base64url(R"({"sub":"1234567890","name":"Ada","iat":1516239022})") + "." +
         fake(kB64Url, 43);
}

// Runs a shell command in dir (git with a fixed identity), returns its exit status.
int sh(const std::string& dir, const std::string& cmd, std::string* out = nullptr) {
  return shell_in(dir, cmd, out);
}

TEST(CmdScan, ExitsZeroWhenCleanOneOnFindingsTwoOnUsageErrors) {
  TempDir dir;
  write(dir.file("clean/README.md"), "nothing here\n");
  auto clean = run_gantry({"scan", dir.file("clean")});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("0 findings"), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("scanned 1 file"), std::string::npos) << clean.out;

  const std::string key = github_token();
  write(dir.file("dirty/app/.env"), "GITHUB_TOKEN=" + key + "\n");
  auto dirty = run_gantry({"scan", "dirty"}, dir.path());
  EXPECT_EQ(dirty.exit_code, 1) << dirty.out << dirty.err;
  EXPECT_NE(dirty.out.find("app/.env:1:14  github-pat  high"), std::string::npos) << dirty.out;
  EXPECT_NE(dirty.out.find("secret=ghp_"), std::string::npos);
  EXPECT_EQ(dirty.out.find(key), std::string::npos);
  EXPECT_EQ(dirty.err.find(key), std::string::npos);

  auto bad_format = run_gantry({"scan", "--format", "xml", dir.file("clean")});
  EXPECT_EQ(bad_format.exit_code, 2);
  for (const char* choice : {"text", "json", "sarif"}) {
    EXPECT_NE(bad_format.err.find(choice), std::string::npos) << bad_format.err;
  }
  EXPECT_NE(bad_format.err.find("--format"), std::string::npos) << bad_format.err;

  auto missing = run_gantry({"scan", dir.file("no-such-folder")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("gantry: " + dir.file("no-such-folder") + ": no such file"),
            std::string::npos)
      << missing.err;

  auto since_alone = run_gantry({"scan", "--since", "HEAD~1", dir.file("clean")});
  EXPECT_EQ(since_alone.exit_code, 2);
  EXPECT_NE(since_alone.err.find("--git-history"), std::string::npos) << since_alone.err;
}

TEST(CmdScan, FailOnHighIgnoresMediumFindings) {
  TempDir dir;
  write(dir.file("web/session.txt"), "session: " + jwt() + "\n");
  auto any = run_gantry({"scan", dir.path()});
  EXPECT_EQ(any.exit_code, 1) << any.out;
  EXPECT_NE(any.out.find("jwt  medium"), std::string::npos) << any.out;
  auto high = run_gantry({"scan", "--fail-on", "high", dir.path()});
  EXPECT_EQ(high.exit_code, 0) << high.out;
  EXPECT_NE(high.out.find("1 finding (1 medium)"), std::string::npos) << high.out;  // still shown

  write(dir.file("web/deploy.env"), "TOKEN=" + github_token() + "\n");
  auto high_again = run_gantry({"scan", "--fail-on", "high", dir.path()});
  EXPECT_EQ(high_again.exit_code, 1) << high_again.out;
  auto bad = run_gantry({"scan", "--fail-on", "severe", dir.path()});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(CmdScan, JsonAndSarifHoldNoPlaintextSecret) {
  TempDir dir;
  const std::string key = github_token();
  write(dir.file("src/settings.py"), "API = '" + key + "'\n");
  auto j = run_gantry({"scan", "--format", "json", dir.path()});
  EXPECT_EQ(j.exit_code, 1);
  EXPECT_EQ(j.out.find(key), std::string::npos);
  const auto doc = json::parse(j.out);
  ASSERT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["findings"][0]["path"], "src/settings.py");
  EXPECT_FALSE(doc["findings"][0].contains("secret"));
  EXPECT_EQ(doc["stats"]["files"], 1);

  const std::string sarif_file = dir.file("out.sarif");
  auto s = run_gantry({"scan", "--format", "sarif", "-o", sarif_file, dir.file("src")});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_TRUE(s.out.empty());
  std::ifstream in(sarif_file);
  const std::string sarif((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sarif.find(key), std::string::npos);
  const auto sdoc = json::parse(sarif);
  EXPECT_EQ(sdoc["version"], "2.1.0");
  EXPECT_GE(sdoc["runs"][0]["tool"]["driver"]["rules"].size(), 60u);
  EXPECT_EQ(
      sdoc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
      "settings.py");
}

TEST(CmdScan, BaselineSuppressesKnownFindingsAndANewOneStillFails) {
  TempDir dir;
  write(dir.file("repo/a.env"), "TOKEN=" + github_token() + "\n");
  const std::string baseline = dir.file("baseline.json");
  auto first = run_gantry({"scan", "--write-baseline", baseline, dir.file("repo")});
  EXPECT_EQ(first.exit_code, 1);  // writing a baseline reports what it holds
  ASSERT_TRUE(std::filesystem::exists(baseline));

  auto known = run_gantry({"scan", "--baseline", baseline, dir.file("repo")});
  EXPECT_EQ(known.exit_code, 0) << known.out << known.err;
  EXPECT_NE(known.out.find("0 findings; 1 in the baseline"), std::string::npos) << known.out;

  write(dir.file("repo/b.env"), "TOKEN=" + github_token() + "\n");
  auto fresh = run_gantry({"scan", "--baseline", baseline, "--format", "json", dir.file("repo")});
  EXPECT_EQ(fresh.exit_code, 1);
  const auto doc = json::parse(fresh.out);
  ASSERT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["findings"][0]["path"], "b.env");
  EXPECT_EQ(doc["summary"]["suppressed_by_baseline"], 1);

  write(dir.file("broken.json"), "{ not json");
  auto broken = run_gantry({"scan", "--baseline", dir.file("broken.json"), dir.file("repo")});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.err.find("broken.json"), std::string::npos) << broken.err;
}

TEST(CmdScan, GitHistoryFindsADeletedKeyAndStagedFindsAStagedOne) {
  TempDir dir;
  const std::string repo = dir.file("repo");
  std::filesystem::create_directories(repo);
  ASSERT_EQ(sh(repo, "git init -q -b main ."), 0);
  write(repo + "/keys.env", "TOKEN=" + github_token() + "\n");
  ASSERT_EQ(sh(repo, "git add -A && git commit -q -m key"), 0);
  std::string introduced;
  sh(repo, "git rev-parse HEAD", &introduced);
  introduced = introduced.substr(0, 12);
  ASSERT_EQ(sh(repo, "git rm -q keys.env && git commit -q -m 'remove key'"), 0);

  auto tree = run_gantry({"scan", repo});
  EXPECT_EQ(tree.exit_code, 0) << tree.out;
  auto history = run_gantry({"scan", "--git-history", repo});
  EXPECT_EQ(history.exit_code, 1) << history.out << history.err;
  EXPECT_NE(history.out.find("keys.env:1:7  github-pat"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("commit " + introduced), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("scanned 2 commits, 1 blob"), std::string::npos) << history.out;
  auto since = run_gantry({"scan", "--git-history", "--since", "HEAD~1", repo});
  EXPECT_EQ(since.exit_code, 0) << since.out << since.err;

  auto staged_clean = run_gantry({"scan", "--staged", repo});
  EXPECT_EQ(staged_clean.exit_code, 0) << staged_clean.out << staged_clean.err;
  write(repo + "/new.env", "TOKEN=" + github_token() + "\n");
  ASSERT_EQ(sh(repo, "git add new.env"), 0);
  auto staged = run_gantry({"scan", "--staged"}, repo);
  EXPECT_EQ(staged.exit_code, 1) << staged.out << staged.err;
  EXPECT_NE(staged.out.find("new.env:1:7"), std::string::npos) << staged.out;

  auto not_git = run_gantry({"scan", "--staged", dir.path()});
  EXPECT_EQ(not_git.exit_code, 2);
  EXPECT_NE(not_git.err.find("not a git repository"), std::string::npos) << not_git.err;
}

TEST(CmdScan, ReadsTheConfigBesideThePathAndRejectsAMalformedOne) {
  TempDir dir;
  write(dir.file("tree/fixtures/token.env"), "TOKEN=" + github_token() + "\n");
  EXPECT_EQ(run_gantry({"scan", dir.file("tree")}).exit_code, 1);
  write(dir.file("tree/.gantry-scan.toml"), "[allowlist]\npaths = [\"fixtures/**\"]\n");
  auto allowed = run_gantry({"scan", dir.file("tree")});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("1 ignored"), std::string::npos) << allowed.out;

  write(dir.file("bad.toml"), "[allowlist\n");
  auto bad = run_gantry({"scan", "--config", dir.file("bad.toml"), dir.file("tree")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.toml"), std::string::npos) << bad.err;
}

TEST(CmdScan, HelpExplainsTheExitStatuses) {
  auto help = run_gantry({"scan", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Exit status: 0 no findings at or above --fail-on"), std::string::npos)
      << help.out;
  for (const char* flag :
       {"--git-history", "--since", "--staged", "--format", "--baseline", "--write-baseline",
        "--fail-on", "--config", "--threads", "--no-gitignore", "--output"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace gantry::testing
