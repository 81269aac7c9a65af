// `gantry hooks install|uninstall` in real repositories: git commit is refused when the staged
// changes hold a key (and the commit is not made), git push to a local bare repository is
// refused when the pushed commits hold one; foreign hooks are kept unless --force.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "e2e/run_gantry.h"
#include "scan/fake_secrets.h"
#include "support/shell.h"

namespace gantry::testing {
namespace {

void write(const std::string& path, const std::string& content) {
  write_file_in_place(path, content);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string github_token() {
  return fake_token(
      "gh"
      "p_",
      kAlnum, 36);
}

// Runs a shell command in dir with git isolated from the machine's configuration; returns the
// exit status and, in *out, stdout and stderr together.
int sh(const std::string& dir, const std::string& cmd, std::string* out = nullptr) {
  return shell_in(dir, cmd, out);
}

std::string commit_count(const std::string& repo) {
  std::string out;
  if (sh(repo, "git rev-list --count HEAD", &out) != 0) return "0";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct HookRepo {
  TempDir dir;
  std::string repo = dir.file("work");
  HookRepo() {
    std::filesystem::create_directories(repo);
    EXPECT_EQ(sh(repo, "git init -q -b main ."), 0);
  }
};

TEST(CmdHooks, PreCommitBlocksAStagedKeyAndLetsACleanCommitThrough) {
  HookRepo h;
  auto installed = run_gantry({"hooks", "install"}, h.repo);
  ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  const std::string hook = h.repo + "/.git/hooks/pre-commit";
  ASSERT_TRUE(std::filesystem::exists(hook));
  struct stat st {};
  ASSERT_EQ(::stat(hook.c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
  EXPECT_NE(slurp(hook).find(GANTRY_BINARY), std::string::npos);  // the installing binary

  write(h.repo + "/README.md", "hello\n");
  std::string out;
  EXPECT_EQ(sh(h.repo, "git add README.md && git commit -q -m clean", &out), 0) << out;
  EXPECT_EQ(commit_count(h.repo), "1");

  const std::string key = github_token();
  write(h.repo + "/deploy.env", "GITHUB_TOKEN=" + key + "\n");
  EXPECT_NE(sh(h.repo, "git add deploy.env && git commit -q -m 'add env'", &out), 0) << out;
  EXPECT_EQ(commit_count(h.repo), "1");  // the commit was not made
  EXPECT_NE(out.find("deploy.env:1:14  github-pat"), std::string::npos) << out;
  EXPECT_NE(out.find("commit blocked"), std::string::npos) << out;
  EXPECT_EQ(out.find(key), std::string::npos);

  // Unstaging the key lets the rest through.
  write(h.repo + "/notes.txt", "notes\n");
  EXPECT_EQ(
      sh(h.repo, "git reset -q deploy.env && git add notes.txt && git commit -q -m notes", &out), 0)
      << out;
  EXPECT_EQ(commit_count(h.repo), "2");
}

TEST(CmdHooks, PreCommitRunsLintWhenTheRepositoryHasASpec) {
  HookRepo h;
  ASSERT_EQ(run_gantry({"hooks", "install"}, h.repo).exit_code, 0);
  write(h.repo + "/gantry.yaml", "project: [unclosed\n");
  std::string out;
  EXPECT_NE(sh(h.repo, "git add -A && git commit -q -m spec", &out), 0) << out;
  EXPECT_NE(out.find("gantry lint"), std::string::npos) << out;
  EXPECT_EQ(commit_count(h.repo), "0");
}

TEST(CmdHooks, PrePushBlocksCommitsHoldingAKey) {
  HookRepo h;
  const std::string remote = h.dir.file("remote.git");
  ASSERT_EQ(sh(h.dir.path(), "git init -q --bare remote.git"), 0);
  ASSERT_EQ(sh(h.repo, "git remote add origin '" + remote + "'"), 0);
  ASSERT_EQ(run_gantry({"hooks", "install"}, h.repo).exit_code, 0);

  std::string out;
  write(h.repo + "/README.md", "hello\n");
  ASSERT_EQ(sh(h.repo, "git add -A && git commit -q -m clean"), 0);
  // A new branch on the remote: every commit no remote-tracking ref has.
  EXPECT_EQ(sh(h.repo, "git push -q origin main", &out), 0) << out;
  std::string pushed;
  sh(remote, "git rev-parse main", &pushed);

  // A key committed past the pre-commit hook (--no-verify), then a clean commit on top.
  write(h.repo + "/creds.env", "TOKEN=" + github_token() + "\n");
  ASSERT_EQ(sh(h.repo, "git add -A && git commit -q --no-verify -m creds"), 0);
  write(h.repo + "/README.md", "hello again\n");
  ASSERT_EQ(sh(h.repo, "git rm -q creds.env && git add -A && git commit -q -m 'remove creds'"), 0);
  EXPECT_NE(sh(h.repo, "git push -q origin main", &out), 0) << out;
  EXPECT_NE(out.find("creds.env:1:7  github-pat"), std::string::npos) << out;
  EXPECT_NE(out.find("push blocked"), std::string::npos) << out;
  std::string after;
  sh(remote, "git rev-parse main", &after);
  EXPECT_EQ(after, pushed);  // the remote did not move

  // A new branch holding a key is blocked too.
  ASSERT_EQ(sh(h.repo, "git checkout -q -b feature HEAD~2"), 0);
  write(h.repo + "/feature.env", "TOKEN=" + github_token() + "\n");
  ASSERT_EQ(sh(h.repo, "git add -A && git commit -q --no-verify -m feature"), 0);
  EXPECT_NE(sh(h.repo, "git push -q origin feature", &out), 0) << out;
  EXPECT_NE(out.find("feature.env"), std::string::npos) << out;
  EXPECT_EQ(out.find("creds.env"), std::string::npos) << out;  // not on this branch
  EXPECT_NE(sh(remote, "git rev-parse --verify -q feature"), 0);

  // A clean new branch goes through.
  ASSERT_EQ(sh(h.repo, "git checkout -q -b docs main~2"), 0);
  write(h.repo + "/docs.md", "docs\n");
  ASSERT_EQ(sh(h.repo, "git add -A && git commit -q -m docs"), 0);
  EXPECT_EQ(sh(h.repo, "git push -q origin docs", &out), 0) << out;
}

TEST(CmdHooks, KeepsAForeignHookUnlessForcedAndUninstallRestoresIt) {
  HookRepo h;
  const std::string hook = h.repo + "/.git/hooks/pre-commit";
  write(hook, "#!/bin/sh\necho mine\n");
  auto refused = run_gantry({"hooks", "install"}, h.repo);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("pre-commit"), std::string::npos) << refused.err;
  EXPECT_EQ(slurp(hook), "#!/bin/sh\necho mine\n");
  EXPECT_FALSE(std::filesystem::exists(h.repo + "/.git/hooks/pre-push"));  // all or nothing

  auto forced = run_gantry({"hooks", "install", "--force"}, h.repo);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(slurp(hook).find("# gantry-hook"), std::string::npos);
  EXPECT_EQ(slurp(hook + ".before-gantry"), "#!/bin/sh\necho mine\n");

  auto again = run_gantry({"hooks", "install"}, h.repo);  // ours: updated in place
  EXPECT_EQ(again.exit_code, 0) << again.err;

  auto removed = run_gantry({"hooks", "uninstall"}, h.repo);
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(slurp(hook), "#!/bin/sh\necho mine\n");
  EXPECT_FALSE(std::filesystem::exists(h.repo + "/.git/hooks/pre-push"));
}

TEST(CmdHooks, RespectsCoreHooksPathAndRefusesOutsideARepository) {
  HookRepo h;
  ASSERT_EQ(sh(h.repo, "git config core.hooksPath .githooks"), 0);
  auto installed = run_gantry({"hooks", "install", h.repo});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  EXPECT_TRUE(std::filesystem::exists(h.repo + "/.githooks/pre-commit"));
  EXPECT_TRUE(std::filesystem::exists(h.repo + "/.githooks/pre-push"));
  EXPECT_FALSE(std::filesystem::exists(h.repo + "/.git/hooks/pre-commit"));

  write(h.repo + "/k.env", "TOKEN=" + github_token() + "\n");
  std::string out;
  EXPECT_NE(sh(h.repo, "git add -A && git commit -q -m k", &out), 0) << out;

  TempDir plain;
  auto outside = run_gantry({"hooks", "install", plain.path()});
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_NE(outside.err.find("not a git repository"), std::string::npos) << outside.err;
}

}  // namespace
}  // namespace gantry::testing
