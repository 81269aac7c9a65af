// .gantry-scan.toml: custom rules fire, disabled rules do not, overrides and allowlists apply;
// bad TOML, bad regexes, unknown severities and keys are errors with file:line:col.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "scan/fake_secrets.h"
#include "scan/scanner.h"
#include "support/temp_dir.h"

namespace gantry::scan {
namespace {

namespace t = gantry::testing;

std::string write_config(const t::TempDir& dir, const std::string& text) {
  const std::string path = dir / ".gantry-scan.toml";
  std::ofstream(path) << text;
  return path;
}

std::vector<Finding> scan_with(const ScanConfig& config, std::string_view text) {
  auto m = Matcher::compile(config);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().str());
  auto scratch = (*m)->make_scratch();
  std::vector<Finding> out;
  (*m)->scan(text, "src/app.py", *scratch, out);
  return out;
}

TEST(ScanConfig, CustomRuleFiresWithItsSeverityAndSecretGroup) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, R"toml(
[[rules]]
id = "acme-api-key"
description = "Acme Corp API key"
pattern = 'acme_key\s*=\s*"(acme_[a-z0-9]{32})"'
secret_group = 1
severity = "critical"
keywords = ["ACME_"]
tags = ["custom"]
)toml");
  auto config = load_config(path);
  ASSERT_TRUE(config.ok()) << config.error().str();
  EXPECT_EQ(config->source, path);
  EXPECT_EQ(config->rules.size(), builtin_rules().size() + 1);
  const std::string key = "acme_" + t::fake(t::kLowerAlnum, 32);
  const auto found = scan_with(*config, "acme_key = \"" + key + "\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "acme-api-key");
  EXPECT_EQ(found[0].severity, Severity::Critical);
  EXPECT_EQ(found[0].secret, key);
  EXPECT_EQ(found[0].column, 13);
}

TEST(ScanConfig, DisabledRuleDoesNotFire) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, "disable = [\"github-pat\", \"jwt\"]\n");
  auto config = load_config(path);
  ASSERT_TRUE(config.ok()) << config.error().str();
  EXPECT_EQ(config->rules.size(), builtin_rules().size() - 2);
  const std::string text = "T=" +
                           t::fake_token(
                               "gh"
                               "p_",
                               t::kAlnum, 36) +
                           "\n";
  EXPECT_TRUE(scan_with(*config, text).empty());
  EXPECT_EQ(scan_with(default_config(), text).size(), 1u);
}

TEST(ScanConfig, OverridingABuiltinRuleKeepsItsPatternAndAddsAllows) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, R"(
[[rules]]
id = "stripe-secret-key"
severity = "low"
allow = ["^sk_test_"]
)");
  auto config = load_config(path);
  ASSERT_TRUE(config.ok()) << config.error().str();
  EXPECT_EQ(config->rules.size(), builtin_rules().size());
  EXPECT_TRUE(scan_with(*config, "K=" +
                                     t::fake_token("sk_"
                                                   "test_",
                                                   t::kAlnum, 30) +
                                     "\n")
                  .empty());
  const auto live = scan_with(*config, "K=" +
                                           t::fake_token("sk_"
                                                         "live_",
                                                         t::kAlnum, 30) +
                                           "\n");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].severity, Severity::Low);
}

TEST(ScanConfig, AllowlistTableExtendsTheDefaults) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, R"(
max_file_bytes = 1048576
[allowlist]
paths = ["tests/fixtures/**", "*.lock"]
regexes = ["^gh[po]_0000"]
stopwords = ["dummy"]
)");
  auto config = load_config(path);
  ASSERT_TRUE(config.ok()) << config.error().str();
  EXPECT_EQ(config->max_file_bytes, 1048576u);
  EXPECT_EQ(config->allowlist.paths.size(), 2u);
  EXPECT_EQ(config->allowlist.stopwords, std::vector<std::string>{"dummy"});
  EXPECT_GT(config->allowlist.values.size(), default_config().allowlist.values.size());
  EXPECT_TRUE(scan_with(*config,
                        "T=gh"
                        "p_0000" +
                            t::fake(t::kAlnum, 32) + "\n")
                  .empty());
}

TEST(ScanConfig, BadTomlIsAnErrorWithFileLineColumn) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, "disable = [\"jwt\"\n[allowlist\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where.file, path);
  EXPECT_GT(config.error().where.line, 0);
  EXPECT_GT(config.error().where.column, 0);
  EXPECT_NE(config.error().message.find("invalid TOML"), std::string::npos);
}

TEST(ScanConfig, BadRegexIsAnErrorAtThePattern) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, "[[rules]]\nid = \"broken\"\npattern = 'acme_([a-z'\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  const auto& e = config.error();
  EXPECT_EQ(e.where.file, path);
  EXPECT_EQ(e.where.line, 3);
  EXPECT_EQ(e.where.column, 11);
  EXPECT_EQ(e.key_path, "rules[0].pattern");
  EXPECT_NE(e.message.find("invalid regex"), std::string::npos) << e.str();
}

TEST(ScanConfig, PatternHyperscanRejectsNamesTheRule) {
  t::TempDir dir("scan-config");
  const auto path = write_config(
      dir, "[[rules]]\nid = \"acme-lookahead\"\npattern = 'acme_(?=[a-z]{8})[a-z]+'\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where.line, 3);
  EXPECT_NE(config.error().message.find("'acme-lookahead'"), std::string::npos)
      << config.error().str();
  EXPECT_NE(config.error().message.find("Hyperscan"), std::string::npos);
}

TEST(ScanConfig, UnknownSeverityListsTheValidOnes) {
  t::TempDir dir("scan-config");
  const auto path = write_config(
      dir, "[[rules]]\nid = \"acme\"\npattern = 'acme_[a-z]{8}'\nseverity = \"urgent\"\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where.line, 4);
  EXPECT_EQ(config.error().where.column, 12);
  EXPECT_NE(config.error().message.find("low, medium, high, critical"), std::string::npos)
      << config.error().str();
}

TEST(ScanConfig, UnknownKeySuggestsTheClosestValidOne) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, "[[rules]]\nid = \"acme\"\npatern = 'acme_[a-z]{8}'\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where.line, 3);
  EXPECT_NE(config.error().message.find("did you mean 'pattern'"), std::string::npos)
      << config.error().str();
  EXPECT_NE(config.error().message.find("valid keys:"), std::string::npos);
}

TEST(ScanConfig, DisablingAnUnknownRuleSuggestsOne) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, "disable = [\"github-pta\"]\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where.line, 1);
  EXPECT_NE(config.error().message.find("did you mean 'github-pat'"), std::string::npos)
      << config.error().str();
}

TEST(ScanConfig, NewRuleWithoutPatternIsAnError) {
  t::TempDir dir("scan-config");
  const auto path = write_config(dir, "[[rules]]\nid = \"acme\"\n");
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("needs a pattern"), std::string::npos);
}

TEST(ScanConfig, MissingFileIsNotFound) {
  auto config = load_config("/nonexistent/.gantry-scan.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace gantry::scan
