// scan_git_history and scan_staged on real repositories made with the git CLI: a key committed
// then deleted is found with the commit that introduced it, each blob is scanned once, --since
// limits the walk, and a staged key is found while an unstaged one is not.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "scan/fake_secrets.h"
#include "scan/scanner.h"
#include "scan/sources.h"
#include "support/temp_dir.h"

namespace gantry::scan {
namespace {

using testing::TempDir;

std::string github_token() {
  return testing::fake_token(
      "gh"
      "p_",
      testing::kAlnum, 36);
}

// A throwaway repository driven through the git CLI.
class Repo {
 public:
  Repo() { git("init -q -b main ."); }

  // Runs git in the repository; returns its stdout (trimmed), fails the test on error.
  std::string git(const std::string& args) {
    const std::string cmd = "cd '" + dir_.path() + "' && GIT_CONFIG_NOSYSTEM=1 HOME='" +
                            dir_.path() +
                            "' git -c user.name='Ada Lovelace' -c user.email=ada@example.com "
                            "-c commit.gpgsign=false " +
                            args + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    std::array<char, 4096> buf;
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
      out.append(buf.data(), n);
    const int status = ::pclose(p);
    EXPECT_EQ(status, 0) << "git " << args << ": " << out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

  void write(const std::string& rel, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(dir_ / rel).parent_path());
    std::ofstream(dir_ / rel, std::ios::binary) << content;
  }

  // Stages everything and commits; returns the new commit's id.
  std::string commit(const std::string& message) {
    git("add -A");
    git("commit -q --allow-empty -m '" + message + "'");
    return git("rev-parse HEAD");
  }

  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_{"gantry-git"};
};

std::shared_ptr<const Matcher> matcher() {
  static auto m = Matcher::compile(default_config());
  EXPECT_TRUE(m.ok()) << (m ? "" : m.error().str());
  return m ? *m : nullptr;
}

TEST(ScanGitHistory, FindsAKeyCommittedThenDeletedWithTheCommitThatAddedIt) {
  Repo repo;
  repo.write("README.md", "hello\n");
  repo.commit("first");
  const std::string key = github_token();
  repo.write("config/app.env", "NAME=shop\nGITHUB_TOKEN=" + key + "\n");
  const std::string introduced = repo.commit("add config");
  std::filesystem::remove(repo.path() + "/config/app.env");
  repo.commit("oops, remove the token");
  repo.write("README.md", "hello again\n");
  repo.commit("later");

  ASSERT_TRUE(matcher());
  auto r = scan_git_history(*matcher(), repo.path());
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->findings.size(), 1u);
  const Finding& f = r->findings[0];
  EXPECT_EQ(f.path, "config/app.env");
  EXPECT_EQ(f.line, 2);
  EXPECT_EQ(f.column, 14);
  EXPECT_EQ(f.secret, key);
  EXPECT_EQ(f.commit, introduced);
  EXPECT_EQ(f.author, "Ada Lovelace <ada@example.com>");
  EXPECT_GT(f.commit_time, 0);
  EXPECT_EQ(r->stats.commits, 4u);

  // The work tree no longer holds it.
  auto tree = scan_tree(*matcher(), repo.path());
  ASSERT_TRUE(tree.ok());
  EXPECT_TRUE(tree->findings.empty());
}

TEST(ScanGitHistory, ScansTheSameBlobOnceWhateverTheNumberOfCommits) {
  Repo repo;
  const std::string content = "TOKEN=" + github_token() + "\n";
  repo.write("a.env", content);
  const std::string first = repo.commit("one");
  repo.write("notes.txt", "1\n");
  repo.commit("two");
  repo.write("notes.txt", "2\n");
  repo.commit("three");
  repo.write("copy/a.env", content);  // the same blob at a second path
  repo.commit("four");

  ASSERT_TRUE(matcher());
  auto r = scan_git_history(*matcher(), repo.path());
  ASSERT_TRUE(r.ok()) << r.error().str();
  // Blobs: a.env, notes.txt "1", notes.txt "2"; the copy is the a.env blob again.
  EXPECT_EQ(r->stats.blobs, 3u);
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].path, "a.env");
  EXPECT_EQ(r->findings[0].commit, first);
}

TEST(ScanGitHistory, SinceSkipsCommitsReachableFromTheRevision) {
  Repo repo;
  repo.write("old.env", "TOKEN=" + github_token() + "\n");
  repo.commit("old key");
  const std::string base = repo.git("rev-parse HEAD");
  repo.write("unrelated.txt", "x\n");
  repo.commit("unrelated change");
  repo.write("new.env", "TOKEN=" + github_token() + "\n");
  const std::string added = repo.commit("new key");

  ASSERT_TRUE(matcher());
  HistoryOptions opt;
  opt.since = {base};
  auto r = scan_git_history(*matcher(), repo.path(), opt);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->stats.commits, 2u);
  ASSERT_EQ(r->findings.size(), 1u);  // old.env is unchanged since base: not new, not reported
  EXPECT_EQ(r->findings[0].path, "new.env");
  EXPECT_EQ(r->findings[0].commit, added);
  EXPECT_EQ(r->stats.blobs, 2u);  // unrelated.txt and new.env

  HistoryOptions everything;
  auto all = scan_git_history(*matcher(), repo.path(), everything);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->findings.size(), 2u);

  HistoryOptions bad;
  bad.since = {"no-such-branch"};
  auto err = scan_git_history(*matcher(), repo.path(), bad);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("--since no-such-branch"), std::string::npos);
}

TEST(ScanGitHistory, RevWalksFromAnotherBranchAndSinceRemotesSkipsPushedCommits) {
  Repo repo;
  repo.write("a.txt", "a\n");
  repo.commit("base");
  repo.git("update-ref refs/remotes/origin/main HEAD");  // as if pushed
  repo.git("checkout -q -b feature");
  repo.write("feature.env", "TOKEN=" + github_token() + "\n");
  const std::string feature = repo.commit("feature key");
  repo.git("checkout -q main");

  ASSERT_TRUE(matcher());
  auto head_only = scan_git_history(*matcher(), repo.path());
  ASSERT_TRUE(head_only.ok());
  EXPECT_TRUE(head_only->findings.empty());

  HistoryOptions opt;
  opt.revs = {"feature"};
  opt.since_remotes = true;
  auto r = scan_git_history(*matcher(), repo.path(), opt);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->stats.commits, 1u);
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].commit, feature);

  HistoryOptions all;
  all.all_refs = true;
  auto every = scan_git_history(*matcher(), repo.path(), all);
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(every->findings.size(), 1u);
}

TEST(ScanGitHistory, AnEmptyRepositoryHasNothingToScanAndAFolderIsNoRepository) {
  Repo repo;
  ASSERT_TRUE(matcher());
  auto r = scan_git_history(*matcher(), repo.path());
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->stats.commits, 0u);

  TempDir plain("gantry-nogit");
  auto err = scan_git_history(*matcher(), plain.path());
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().str().find("not a git repository"), std::string::npos);
}

TEST(ScanStaged, FindsAStagedKeyAndNotAnUnstagedOne) {
  Repo repo;
  repo.write("README.md", "hello\n");
  repo.commit("first");
  const std::string staged_key = github_token();
  repo.write("staged.env", "TOKEN=" + staged_key + "\n");
  repo.git("add staged.env");
  repo.write("unstaged.env", "TOKEN=" + github_token() + "\n");      // untracked
  repo.write("README.md", "hello\nTOKEN=" + github_token() + "\n");  // modified, not added

  ASSERT_TRUE(matcher());
  auto r = scan_staged(*matcher(), repo.path());
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].path, "staged.env");
  EXPECT_EQ(r->findings[0].secret, staged_key);
  EXPECT_TRUE(r->findings[0].commit.empty());
  EXPECT_EQ(r->stats.blobs, 1u);

  // What is committed already is not staged any more.
  repo.commit("second");
  auto after = scan_staged(*matcher(), repo.path());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->findings.empty());
}

TEST(ScanStaged, WorksBeforeTheFirstCommitAndFromASubfolder) {
  Repo repo;
  repo.write("sub/dir/key.env", "TOKEN=" + github_token() + "\n");
  repo.git("add -A");
  ASSERT_TRUE(matcher());
  auto r = scan_staged(*matcher(), repo.path() + "/sub/dir");
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].path, "sub/dir/key.env");  // relative to the repository
}

}  // namespace
}  // namespace gantry::scan
