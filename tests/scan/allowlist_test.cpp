// What is never a finding: allowlisted paths (gitignore-style globs), value regexes,
// stopwords, a rule's own allow regexes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/fake_secrets.h"
#include "scan/rules_impl.h"
#include "scan/scanner.h"

namespace gantry::scan {
namespace {

namespace t = gantry::testing;
using detail::glob_match;

std::vector<Finding> scan_with(const ScanConfig& config, std::string_view text,
                               std::string_view path) {
  auto m = Matcher::compile(config);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().str());
  auto scratch = (*m)->make_scratch();
  std::vector<Finding> out;
  (*m)->scan(text, path, *scratch, out);
  return out;
}

TEST(AllowlistGlob, MatchesLikeGitignore) {
  EXPECT_TRUE(glob_match("*.lock", "Cargo.lock"));
  EXPECT_TRUE(glob_match("*.lock", "deep/dir/yarn.lock"));
  EXPECT_FALSE(glob_match("*.lock", "lockfile.txt"));
  EXPECT_TRUE(glob_match("tests/fixtures/**", "tests/fixtures/a/b.env"));
  EXPECT_FALSE(glob_match("tests/fixtures/**", "src/tests/fixtures/a.env"));
  EXPECT_TRUE(glob_match("tests/fixtures", "tests/fixtures/a.env"));  // a folder and its files
  EXPECT_TRUE(glob_match("node_modules/", "web/node_modules/x/index.js"));
  EXPECT_TRUE(glob_match("/vendor", "vendor/lib.go"));
  EXPECT_FALSE(glob_match("/vendor", "src/vendor/lib.go"));
  EXPECT_TRUE(glob_match("**/testdata/*.json", "a/b/testdata/x.json"));
  EXPECT_TRUE(glob_match("**/testdata/*.json", "testdata/x.json"));
  EXPECT_FALSE(glob_match("docs/*.md", "docs/sub/x.md"));
  EXPECT_TRUE(glob_match("docs/*.md", "docs/x.md"));
  EXPECT_TRUE(glob_match("secret?.txt", "secret1.txt"));
  EXPECT_TRUE(glob_match("[a-c].env", "b.env"));
  EXPECT_FALSE(glob_match("[!a-c].env", "b.env"));
  EXPECT_TRUE(glob_match("*.env", "./x/.env.env"));
}

TEST(Allowlist, AllowedPathsHaveNoFindings) {
  ScanConfig config = default_config();
  config.allowlist.paths = {"tests/fixtures/**", "*.lock"};
  auto m = Matcher::compile(config);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE((*m)->path_allowed("tests/fixtures/leak.env"));
  EXPECT_FALSE((*m)->path_allowed("src/leak.env"));
  const std::string text = "T=" +
                           t::fake_token(
                               "gh"
                               "p_",
                               t::kAlnum, 36) +
                           "\n";
  EXPECT_TRUE(scan_with(config, text, "tests/fixtures/leak.env").empty());
  EXPECT_TRUE(scan_with(config, text, "Cargo.lock").empty());
  EXPECT_EQ(scan_with(config, text, "src/leak.env").size(), 1u);
}

TEST(Allowlist, ValueRegexesAllowMatchingSecrets) {
  ScanConfig config = default_config();
  config.allowlist.values = {"^sk_test_"};
  const std::string test_key = t::fake_token(
      "sk_"
      "test_",
      t::kAlnum, 30);
  const std::string live_key = t::fake_token(
      "sk_"
      "live_",
      t::kAlnum, 30);
  EXPECT_TRUE(scan_with(config, "K=" + test_key + "\n", "a").empty());
  EXPECT_EQ(scan_with(config, "K=" + live_key + "\n", "a").size(), 1u);
}

TEST(Allowlist, StopwordsAllowSecretsContainingThem) {
  ScanConfig config = default_config();
  config.allowlist.stopwords = {"FIXTURE"};
  const std::string fixture =
      "gh"
      "p_" +
      t::fake(t::kAlnum, 10) + "fixture" + t::fake(t::kAlnum, 19);
  EXPECT_TRUE(scan_with(config, "T=" + fixture + "\n", "a").empty());
  EXPECT_EQ(scan_with(config,
                      "T=" +
                          t::fake_token("gh"
                                        "p_",
                                        t::kAlnum, 36) +
                          "\n",
                      "a")
                .size(),
            1u);
}

TEST(Allowlist, RuleAllowRegexesApplyToThatRuleOnly) {
  ScanConfig config = default_config();
  for (auto& r : config.rules) {
    if (r.id == "github-pat") r.allow = {"^ghp_0000"};
  }
  const std::string allowed =
      "gh"
      "p_0000" +
      t::fake(t::kAlnum, 32);
  EXPECT_TRUE(scan_with(config, "T=" + allowed + "\n", "a").empty());
  const std::string other =
      "gh"
      "o_0000" +
      t::fake(t::kAlnum, 32);
  EXPECT_EQ(scan_with(config, "T=" + other + "\n", "a").size(), 1u);
}

TEST(Allowlist, DefaultConfigAllowsDocumentationExamples) {
  const ScanConfig config = default_config();
  EXPECT_FALSE(config.allowlist.values.empty());
  EXPECT_TRUE(config.allowlist.paths.empty());
  EXPECT_TRUE(config.source.empty());
  EXPECT_EQ(config.rules.size(), builtin_rules().size());
}

}  // namespace
}  // namespace gantry::scan
