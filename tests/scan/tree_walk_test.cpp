// scan_tree on real folders: planted keys in nested folders are found, ignored/binary/large
// files, .git and symlinks are skipped, and several threads report what one thread reports.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "scan/fake_secrets.h"
#include "scan/scanner.h"
#include "scan/sources.h"
#include "support/temp_dir.h"

namespace gantry::scan {
namespace {

using testing::TempDir;

void write(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string github_token() {
  return testing::fake_token(
      "gh"
      "p_",
      testing::kAlnum, 36);
}

std::shared_ptr<const Matcher> compile(ScanConfig config = default_config()) {
  auto m = Matcher::compile(config);
  EXPECT_TRUE(m.ok()) << (m ? "" : m.error().str());
  return m ? *m : nullptr;
}

std::vector<std::string> paths_of(const ScanResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.path);
  return out;
}

// A tree with keys at known places, some of them where the walker must not look.
struct PlantedTree {
  TempDir dir{"gantry-walk"};
  PlantedTree() {
    write(dir / "app/config.env", "API_TOKEN=" + github_token() + "\n");
    write(dir / "app/deep/er/still/settings.py",
          "# settings\n\ntoken = \"" + github_token() + "\"\n");
    write(dir / "README.md", "nothing to see\n");
    // Ignored by the root .gitignore, by a nested one, by .git/info/exclude.
    write(dir / ".gitignore", "*.log\n/build/\n");
    write(dir / "debug.log", github_token() + "\n");
    write(dir / "build/out.txt", github_token() + "\n");
    write(dir / "app/.gitignore", "local/\n!keep.log\n");
    write(dir / "app/local/dev.txt", github_token() + "\n");
    write(dir / "app/keep.log", "re-included: " + github_token() + "\n");
    write(dir / ".git/info/exclude", "scratch.txt\n");
    write(dir / "scratch.txt", github_token() + "\n");
    // Never read: the repository's own folder, binary content, a binary extension.
    write(dir / ".git/config", github_token() + "\n");
    write(dir / "blob.dat", std::string("\0\1\2", 3) + github_token() + "\n");
    write(dir / "logo.png", github_token() + "\n");
    // A symlink to a file outside the tree.
    write(outside.path() + "/target.txt", github_token() + "\n");
    std::filesystem::create_symlink(outside.path() + "/target.txt", dir / "link.txt");
  }
  TempDir outside{"gantry-walk-outside"};
};

TEST(ScanTree, FindsPlantedKeysInNestedFoldersAndSkipsWhatItMust) {
  PlantedTree t;
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  TreeOptions opt;
  opt.threads = 3;
  auto r = scan_tree(*matcher, t.dir.path(), opt);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(paths_of(*r), (std::vector<std::string>{
                              "app/config.env", "app/deep/er/still/settings.py", "app/keep.log"}));
  const auto& f = r->findings[1];
  EXPECT_EQ(f.rule_id, "github-pat");
  EXPECT_EQ(f.line, 3);
  EXPECT_EQ(f.column, 10);
  // debug.log, build/, app/local/, scratch.txt
  EXPECT_EQ(r->stats.skipped_ignored, 4u);
  EXPECT_EQ(r->stats.skipped_binary, 2u);  // blob.dat (NUL), logo.png (extension)
  EXPECT_GT(r->stats.bytes, 0u);
  // config.env, settings.py, keep.log, README.md, the two .gitignore files
  EXPECT_EQ(r->stats.files, 6u);
}

TEST(ScanTree, WithoutGitignoreScansIgnoredFilesButNeverDotGit) {
  PlantedTree t;
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  TreeOptions opt;
  opt.gitignore = false;
  auto r = scan_tree(*matcher, t.dir.path(), opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(paths_of(*r), (std::vector<std::string>{
                              "app/config.env", "app/deep/er/still/settings.py", "app/keep.log",
                              "app/local/dev.txt", "build/out.txt", "debug.log", "scratch.txt"}));
  EXPECT_EQ(r->stats.skipped_ignored, 0u);
}

TEST(ScanTree, SkipsFilesOverTheSizeLimitAndMapsLargeOnes) {
  TempDir dir("gantry-walk");
  // 300 KiB of text with the key at the very end: read through the mmap path.
  std::string big;
  while (big.size() < 300 * 1024) big += "just some ordinary configuration text, line after line\n";
  write(dir / "big.txt", big + "key: " + github_token() + "\n");
  write(dir / "small.txt", "key: " + github_token() + "\n");
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  auto r = scan_tree(*matcher, dir.path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(paths_of(*r), (std::vector<std::string>{"big.txt", "small.txt"}));
  EXPECT_EQ(r->findings[0].line, static_cast<int>(std::count(big.begin(), big.end(), '\n')) + 1);

  ScanConfig small_limit = default_config();
  small_limit.max_file_bytes = 64 * 1024;
  auto limited = compile(small_limit);
  ASSERT_TRUE(limited);
  auto r2 = scan_tree(*limited, dir.path());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(paths_of(*r2), (std::vector<std::string>{"small.txt"}));
  EXPECT_EQ(r2->stats.skipped_large, 1u);
}

// The walker learns a file's size by reading it (no stat below 128 KiB): the limit is exact on
// both sides of the read buffer's size, and a file exactly the buffer's size is read whole.
TEST(ScanTree, SizeLimitIsExactWithoutAStatAndAtTheBufferBoundary) {
  TempDir dir("gantry-walk");
  const std::string key = "key: " + github_token() + "\n";
  auto text_of = [&](std::size_t size) {  // `size` bytes of text ending in the key
    std::string s(size - key.size(), 'x');
    for (std::size_t i = 79; i < s.size(); i += 80) s[i] = '\n';
    s.back() = '\n';
    return s + key;
  };
  write(dir / "at_limit.txt", text_of(1000));
  write(dir / "over_limit.txt", text_of(1001));
  ScanConfig small_limit = default_config();
  small_limit.max_file_bytes = 1000;
  auto limited = compile(small_limit);
  ASSERT_TRUE(limited);
  auto r = scan_tree(*limited, dir.path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(paths_of(*r), (std::vector<std::string>{"at_limit.txt"}));
  EXPECT_EQ(r->stats.skipped_large, 1u);
  EXPECT_EQ(r->stats.files, 1u);
  EXPECT_EQ(r->stats.bytes, 1000u);

  TempDir big("gantry-walk");
  write(big / "buffer_size.txt", text_of(128 * 1024));
  write(big / "mapped.txt", text_of(200 * 1024));
  write(big / "too_big.txt", text_of(200 * 1024 + 1));
  write(big / "empty.txt", "");
  ScanConfig mid_limit = default_config();
  mid_limit.max_file_bytes = 200 * 1024;
  auto mid = compile(mid_limit);
  ASSERT_TRUE(mid);
  auto r2 = scan_tree(*mid, big.path());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(paths_of(*r2), (std::vector<std::string>{"buffer_size.txt", "mapped.txt"}));
  EXPECT_EQ(r2->stats.skipped_large, 1u);
  EXPECT_EQ(r2->stats.files, 3u);  // and the empty one
  EXPECT_EQ(r2->stats.bytes, (128u + 200u) * 1024u);
}

// Whether a folder has a .gitignore comes from its listing: only a regular file counts, and it
// applies to every entry even when the listing takes several getdents calls.
TEST(ScanTree, GitignoreFromTheListingAppliesToAWholeLargeFolder) {
  TempDir dir("gantry-walk");
  const std::string pad(60, 'p');
  for (int i = 0; i < 1500; ++i) {  // ~130 KB of directory records: several getdents calls
    write(dir / ("big/" + pad + std::to_string(i) + ".log"), github_token() + "\n");
  }
  write(dir / "big/kept.txt", github_token() + "\n");
  write(dir / "big/.gitignore", "*.log\n");
  write(dir / "linked/ignore-me.txt", github_token() + "\n");
  write(dir / "linked/real-gitignore", "ignore-me.txt\n");
  std::filesystem::create_symlink("real-gitignore", dir / "linked/.gitignore");
  write(dir / "folder/x.txt", github_token() + "\n");
  std::filesystem::create_directories(dir / "folder/.gitignore");
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  TreeOptions opt;
  opt.threads = 2;
  auto r = scan_tree(*matcher, dir.path(), opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(paths_of(*r),
            (std::vector<std::string>{"big/kept.txt", "folder/x.txt", "linked/ignore-me.txt"}));
  EXPECT_EQ(r->stats.skipped_ignored, 1500u);
  // kept.txt, big/.gitignore, ignore-me.txt, real-gitignore, x.txt (the symlink is not read)
  EXPECT_EQ(r->stats.files, 5u);
}

TEST(ScanTree, SeveralThreadsReportExactlyWhatOneThreadReports) {
  TempDir dir("gantry-walk");
  for (int d = 0; d < 12; ++d) {
    for (int f = 0; f < 40; ++f) {
      std::string body = "line one\n";
      if ((d * 40 + f) % 7 == 0)
        body += "  t = " + github_token() + "  # and " + github_token() + "\n";
      write(dir / ("d" + std::to_string(d) + "/s" + std::to_string(f % 3) + "/f" +
                   std::to_string(f) + ".txt"),
            body);
    }
  }
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  auto key = [](const ScanResult& r) {
    std::vector<std::tuple<std::string, int, int, std::string>> out;
    for (const auto& f : r.findings) out.emplace_back(f.path, f.line, f.column, f.rule_id);
    return out;
  };
  TreeOptions one;
  one.threads = 1;
  auto a = scan_tree(*matcher, dir.path(), one);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->findings.size(), 2u * 69);  // every 7th of 480 files, two keys each
  auto sorted = key(*a);
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end()));
  for (int threads : {2, 4, 8}) {
    TreeOptions many;
    many.threads = threads;
    auto b = scan_tree(*matcher, dir.path(), many);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(key(*b), key(*a)) << threads << " threads";
    EXPECT_EQ(b->stats.files, a->stats.files);
    EXPECT_EQ(b->stats.bytes, a->stats.bytes);
  }
}

TEST(ScanTree, ScansASingleFileAndNamesAMissingRoot) {
  TempDir dir("gantry-walk");
  write(dir / "one.env", "X=" + github_token() + "\n");
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  auto r = scan_tree(*matcher, dir / "one.env");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].path, dir / "one.env");

  auto missing = scan_tree(*matcher, dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_NE(missing.error().str().find(dir / "nope"), std::string::npos);
}

TEST(ScanTree, FollowsARootThatIsASymlinkButNoSymlinkBelowIt) {
  TempDir dir("gantry-walk");
  write(dir / "real/app.env", "X=" + github_token() + "\n");
  write(dir / "elsewhere/other.env", "X=" + github_token() + "\n");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "real/linked");
  std::filesystem::create_directory_symlink(dir / "real", dir / "root-link");
  auto matcher = compile();
  ASSERT_TRUE(matcher);
  auto r = scan_tree(*matcher, dir / "root-link");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(paths_of(*r), (std::vector<std::string>{"app.env"}));
}

TEST(ScanTree, BinaryExtensionsAreKnownCaseInsensitively) {
  EXPECT_TRUE(has_binary_extension("a/b/photo.JPG"));
  EXPECT_TRUE(has_binary_extension("lib.so"));
  EXPECT_FALSE(has_binary_extension("config.env"));
  EXPECT_FALSE(has_binary_extension("dir.png/file"));
  EXPECT_FALSE(has_binary_extension("Makefile"));
}

}  // namespace
}  // namespace gantry::scan
