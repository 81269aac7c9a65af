// .gitignore semantics as git applies them: globs with `**`, negation, anchoring, folder-only
// patterns, and nested files overriding their parents.
#include "scan/gitignore.h"

#include <gtest/gtest.h>

#include <memory>

namespace gantry::scan {
namespace {

bool ignored(const IgnoreFile& f, std::string_view path, bool is_dir = false) {
  auto d = f.decide(path, is_dir);
  return d.has_value() && *d;
}

TEST(GitignoreGlob, StarAndQuestionMarkStayInOneSegment) {
  EXPECT_TRUE(glob_match("*.log", "debug.log"));
  EXPECT_FALSE(glob_match("*.log", "logs/debug.log"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "a/c"));
  EXPECT_TRUE(glob_match("doc/*.txt", "doc/notes.txt"));
  EXPECT_FALSE(glob_match("doc/*.txt", "doc/sub/notes.txt"));
}

TEST(GitignoreGlob, DoubleStarSpansFolders) {
  EXPECT_TRUE(glob_match("**/foo", "foo"));
  EXPECT_TRUE(glob_match("**/foo", "a/b/foo"));
  EXPECT_TRUE(glob_match("a/**/b", "a/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(glob_match("a/**/b", "a/x/y/c"));
  EXPECT_TRUE(glob_match("abc/**", "abc/x"));
  EXPECT_TRUE(glob_match("abc/**", "abc/x/y"));
  EXPECT_FALSE(glob_match("abc/**", "abc"));
  // Inside a segment, ** is a plain *.
  EXPECT_TRUE(glob_match("a**b", "axxb"));
  EXPECT_FALSE(glob_match("a**b", "ax/xb"));
}

TEST(GitignoreGlob, ClassesAndEscapes) {
  EXPECT_TRUE(glob_match("file[0-9].txt", "file7.txt"));
  EXPECT_FALSE(glob_match("file[0-9].txt", "filex.txt"));
  EXPECT_TRUE(glob_match("file[!0-9].txt", "filex.txt"));
  EXPECT_FALSE(glob_match("file[!0-9].txt", "file7.txt"));
  EXPECT_TRUE(glob_match("[]]x", "]x"));
  EXPECT_TRUE(glob_match("\\*star", "*star"));
  EXPECT_FALSE(glob_match("\\*star", "xstar"));
  EXPECT_TRUE(glob_match("[unclosed", "[unclosed"));
}

TEST(GitignoreFile, SkipsCommentsAndBlankLinesAndHonoursEscapes) {
  auto f = IgnoreFile::parse("# a comment\n\n\\#hash\n\\!bang\ntrailing   \nkeep\\ \r\n");
  ASSERT_EQ(f.patterns().size(), 4u);
  EXPECT_TRUE(ignored(f, "#hash"));
  EXPECT_TRUE(ignored(f, "!bang"));
  EXPECT_TRUE(ignored(f, "trailing"));
  EXPECT_TRUE(ignored(f, "keep "));
  EXPECT_FALSE(ignored(f, "# a comment"));
}

TEST(GitignoreFile, PatternWithoutSlashMatchesAtAnyDepth) {
  auto f = IgnoreFile::parse("*.log\n");
  EXPECT_TRUE(ignored(f, "a.log"));
  EXPECT_TRUE(ignored(f, "deep/in/side/a.log"));
  EXPECT_FALSE(ignored(f, "a.log.txt"));
}

TEST(GitignoreFile, LeadingOrMiddleSlashAnchorsToTheFilesFolder) {
  auto f = IgnoreFile::parse("/build\ndoc/frotz\n");
  EXPECT_TRUE(ignored(f, "build", true));
  EXPECT_FALSE(ignored(f, "src/build", true));
  EXPECT_TRUE(ignored(f, "doc/frotz"));
  EXPECT_FALSE(ignored(f, "a/doc/frotz"));
}

TEST(GitignoreFile, TrailingSlashMatchesFoldersOnly) {
  auto f = IgnoreFile::parse("cache/\n");
  EXPECT_TRUE(ignored(f, "cache", true));
  EXPECT_TRUE(ignored(f, "a/cache", true));
  EXPECT_FALSE(ignored(f, "cache", false));
}

TEST(GitignoreFile, LastMatchingPatternWinsAndNegationReincludes) {
  auto f = IgnoreFile::parse("*.env\n!example.env\n");
  EXPECT_TRUE(ignored(f, "prod.env"));
  auto d = f.decide("example.env", false);
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d);  // decided: re-included
  EXPECT_FALSE(f.decide("readme.md", false).has_value());

  auto g = IgnoreFile::parse("!example.env\n*.env\n");
  EXPECT_TRUE(ignored(g, "example.env"));
}

TEST(GitignoreFile, NestedFileAppliesOnlyBelowItsFolder) {
  auto f = IgnoreFile::parse("*.tmp\n/local\n", "sub/dir");
  EXPECT_TRUE(ignored(f, "sub/dir/x.tmp"));
  EXPECT_TRUE(ignored(f, "sub/dir/a/x.tmp"));
  EXPECT_FALSE(f.decide("x.tmp", false).has_value());
  EXPECT_FALSE(f.decide("sub/dirx/x.tmp", false).has_value());
  EXPECT_TRUE(ignored(f, "sub/dir/local", true));
  EXPECT_FALSE(ignored(f, "sub/dir/a/local", true));
}

TEST(GitignoreChain, DeeperFileOverridesItsParents) {
  auto exclude = std::make_shared<const IgnoreChain>(nullptr, IgnoreFile::parse("*.secret\n"));
  auto root = std::make_shared<const IgnoreChain>(exclude, IgnoreFile::parse("*.log\n"));
  IgnoreChain sub(root, IgnoreFile::parse("!keep.log\n", "sub"));
  EXPECT_TRUE(sub.ignored("sub/other.log", false));
  EXPECT_FALSE(sub.ignored("sub/keep.log", false));
  EXPECT_TRUE(sub.ignored("keep.log", false));      // the sub file does not apply at the root
  EXPECT_TRUE(sub.ignored("sub/x.secret", false));  // .git/info/exclude, below them all
  EXPECT_FALSE(sub.ignored("sub/main.cpp", false));
}

}  // namespace
}  // namespace gantry::scan
