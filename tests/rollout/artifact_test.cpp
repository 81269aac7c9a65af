// SHA-256 against the FIPS 180-4 vectors, and artifact digests of real files and trees.
#include "rollout/artifact.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "rollout/artifact_impl.h"
#include "support/temp_dir.h"

namespace gantry::rollout {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test (tests/support/temp_dir.h), named for this suite.
class TempDir : public gantry::testing::TempDir {
 public:
  TempDir() : gantry::testing::TempDir("gantry-artifact") {}
};

void write(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string digest(const std::string& path) {
  auto d = artifact_digest(path);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().str());
  return d.ok() ? *d : std::string();
}

TEST(Sha256, MatchesTheFipsVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, PiecewiseUpdatesEqualOneUpdate) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7 + 3);
  const std::string whole = sha256_hex(data);
  for (std::size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
    detail::Sha256 h;
    for (std::size_t at = 0; at < data.size(); at += piece) {
      h.update(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(h.finish_hex(), whole) << "pieces of " << piece;
  }
  // Message lengths around the padding boundary.
  EXPECT_EQ(sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(ArtifactDigest, OfAFileIsTheSha256OfItsContent) {
  TempDir dir;
  write(dir / "app.bin", "hello");
  EXPECT_EQ(digest(dir / "app.bin"),
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  write(dir / "empty", "");
  EXPECT_EQ(digest(dir / "empty"), "sha256:" + sha256_hex(""));
}

TEST(ArtifactDigest, OfAFileChangesWithOneByte) {
  TempDir dir;
  std::string content(300000, 'z');
  write(dir / "a", content);
  const auto before = digest(dir / "a");
  EXPECT_EQ(digest(dir / "a"), before);
  content[123456] = 'y';
  write(dir / "a", content);
  EXPECT_NE(digest(dir / "a"), before);
}

void make_tree(const TempDir& dir, bool reverse) {
  std::vector<std::pair<std::string, std::string>> files = {{"tree/bin/app", "ELF..."},
                                                            {"tree/lib/a.so", "aaa"},
                                                            {"tree/lib/b.so", "bbb"},
                                                            {"tree/README", "read me"}};
  if (reverse) std::reverse(files.begin(), files.end());
  for (const auto& [path, content] : files) write(dir / path, content);
  fs::create_directories(dir / "tree/empty");
  fs::create_symlink("lib/a.so", dir / "tree/current");
}

TEST(ArtifactDigest, OfATreeIsStableWhateverTheCreationOrder) {
  TempDir one, two;
  make_tree(one, false);
  make_tree(two, true);
  const auto d = digest(one / "tree");
  EXPECT_EQ(d.rfind("sha256:", 0), 0u);
  EXPECT_EQ(d.size(), 7u + 64u);
  EXPECT_EQ(digest(one / "tree"), d);
  EXPECT_EQ(digest(two / "tree"), d);
  EXPECT_EQ(digest(one / "tree/"), d);
}

TEST(ArtifactDigest, OfATreeChangesWithAnyEntry) {
  TempDir dir;
  make_tree(dir, false);
  const auto base = digest(dir / "tree");
  auto changed = [&](const std::function<void()>& change, const std::function<void()>& undo,
                     const char* what) {
    change();
    EXPECT_NE(digest(dir / "tree"), base) << what;
    undo();
    EXPECT_EQ(digest(dir / "tree"), base) << "after undoing: " << what;
  };
  changed([&] { write(dir / "tree/lib/b.so", "bbc"); },
          [&] { write(dir / "tree/lib/b.so", "bbb"); }, "one byte");
  changed(
      [&] { fs::permissions(dir / "tree/bin/app", fs::perms::owner_exec, fs::perm_options::add); },
      [&] {
        fs::permissions(dir / "tree/bin/app", fs::perms::owner_exec, fs::perm_options::remove);
      },
      "exec bit");
  changed([&] { fs::rename(dir / "tree/README", dir / "tree/README.md"); },
          [&] { fs::rename(dir / "tree/README.md", dir / "tree/README"); }, "a rename");
  changed([&] { fs::create_directories(dir / "tree/empty/more"); },
          [&] { fs::remove(dir / "tree/empty/more"); }, "an empty directory");
  changed(
      [&] {
        fs::remove(dir / "tree/current");
        fs::create_symlink("lib/b.so", dir / "tree/current");
      },
      [&] {
        fs::remove(dir / "tree/current");
        fs::create_symlink("lib/a.so", dir / "tree/current");
      },
      "a symlink's target");
}

TEST(ArtifactDigest, SymlinksInATreeAreNotFollowed) {
  TempDir dir;
  write(dir / "outside", "one");
  write(dir / "tree/file", "x");
  fs::create_symlink(dir / "outside", dir / "tree/link");
  const auto before = digest(dir / "tree");
  write(dir / "outside", "two");
  EXPECT_EQ(digest(dir / "tree"), before);
  fs::remove(dir / "outside");  // dangling is fine too
  EXPECT_EQ(digest(dir / "tree"), before);
}

TEST(ArtifactDigest, ErrorsNameThePathAndTheReason) {
  TempDir dir;
  const auto missing = artifact_digest(dir / "dist/app");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_EQ(missing.error().message, dir / "dist/app" + ": No such file or directory");
}

TEST(ArtifactHasher, SmallStepsGiveTheSameDigest) {
  TempDir dir;
  make_tree(dir, false);
  write(dir / "tree/big", std::string(200000, 'q'));
  const auto whole = digest(dir / "tree");
  ArtifactHasher hasher(dir / "tree");
  int steps = 0;
  while (true) {
    auto done = hasher.step(4096);
    ASSERT_TRUE(done.ok()) << done.error().str();
    ++steps;
    if (*done) break;
    EXPECT_EQ(hasher.digest(), "");
  }
  EXPECT_GT(steps, 40);
  EXPECT_EQ(hasher.digest(), whole);
}

}  // namespace
}  // namespace gantry::rollout
