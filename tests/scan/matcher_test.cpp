// The compiled matcher: positions (line, column, offset), several findings in offset order,
// CRLF files, inline gantry:allow, overlapping rules, fingerprints, threads, compile errors.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "scan/fake_secrets.h"
#include "scan/scanner.h"

namespace gantry::scan {
namespace {

namespace t = gantry::testing;

std::shared_ptr<const Matcher> matcher() {
  static auto m = [] {
    auto r = Matcher::compile(default_config());
    EXPECT_TRUE(r.ok());
    return *r;
  }();
  return m;
}

std::vector<Finding> scan(std::string_view text, std::string_view path = "app/config.env") {
  auto scratch = matcher()->make_scratch();
  std::vector<Finding> out;
  matcher()->scan(text, path, *scratch, out);
  return out;
}

std::string github_token() {
  return t::fake_token(
      "gh"
      "p_",
      t::kAlnum, 36);
}

TEST(Matcher, ReportsLineColumnOffsetOfTheSecretOnTheFirstLine) {
  const std::string token = github_token();
  const auto found = scan(token + " trailing\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 1);
  EXPECT_EQ(found[0].column, 1);
  EXPECT_EQ(found[0].offset, 0u);
  EXPECT_EQ(found[0].length, token.size());
  EXPECT_EQ(found[0].path, "app/config.env");
  EXPECT_EQ(found[0].severity, Severity::High);
  EXPECT_GT(found[0].entropy, 4.0);
}

TEST(Matcher, CountsLinesAndColumnsInLfAndCrlfFiles) {
  const std::string token = github_token();
  for (const std::string nl : {"\n", "\r\n"}) {
    const std::string text = "# settings" + nl + nl + "export GITHUB_TOKEN=" + token + nl;
    const auto found = scan(text);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].line, 3);
    EXPECT_EQ(found[0].column, 21);
    EXPECT_EQ(text.substr(found[0].offset, found[0].length), token);
  }
}

TEST(Matcher, FindsSeveralSecretsInOffsetOrder) {
  const std::string a = github_token(),
                    b = t::fake_token(
                        "sk_"
                        "live_",
                        t::kAlnum, 30),
                    c = github_token();
  const std::string text = "one: " + a + "\ntwo: " + b + " three: " + c + "\n";
  const auto found = scan(text);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].secret, a);
  EXPECT_EQ(found[1].secret, b);
  EXPECT_EQ(found[1].rule_id, "stripe-secret-key");
  EXPECT_EQ(found[2].secret, c);
  EXPECT_EQ(found[2].line, 2);
  EXPECT_LT(found[0].offset, found[1].offset);
  EXPECT_LT(found[1].offset, found[2].offset);
}

TEST(Matcher, SameRuleTwiceOnOneLineGivesTwoFindings) {
  const std::string a = github_token(), b = github_token();
  const auto found = scan("tokens = [\"" + a + "\", \"" + b + "\"]\n");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].secret, a);
  EXPECT_EQ(found[1].secret, b);
}

TEST(Matcher, GantryAllowSuppressesOnlyItsOwnLine) {
  const std::string a = github_token(), b = github_token();
  const std::string text = "A=" + a + "  # gantry:allow test fixture\nB=" + b + "\n";
  const auto found = scan(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].secret, b);
  EXPECT_EQ(found[0].line, 2);
  // The marker on the line above does not cover the next line.
  EXPECT_EQ(scan("# gantry:allow\nB=" + b + "\n").size(), 1u);
}

TEST(Matcher, SpecificRuleWinsOverGenericOnTheSameSecret) {
  const std::string key = t::fake_token(
      "sk_"
      "live_",
      t::kAlnum, 32);
  const auto found = scan("STRIPE_SECRET_KEY=\"" + key + "\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "stripe-secret-key");
  const std::string aws = t::fake(t::kB64, 40);
  const auto found2 = scan("aws_secret_access_key = " + aws + "\n");
  ASSERT_EQ(found2.size(), 1u);
  EXPECT_EQ(found2[0].rule_id, "aws-secret-access-key");
}

TEST(Matcher, FingerprintIsRuleIdPathAndHashPrefixStableAcrossLineMoves) {
  const std::string token = github_token();
  const auto a = scan("X=" + token + "\n", "deploy/.env");
  const auto b = scan("\n\n# moved\nY = " + token + "\n", "deploy/.env");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].fingerprint, b[0].fingerprint);
  const std::string prefix = "github-pat:deploy/.env:";
  ASSERT_EQ(a[0].fingerprint.size(), prefix.size() + 16);
  EXPECT_EQ(a[0].fingerprint.substr(0, prefix.size()), prefix);
  EXPECT_EQ(a[0].fingerprint.find_first_not_of("0123456789abcdef", prefix.size()),
            std::string::npos);
  const auto other = scan("X=" + github_token() + "\n", "deploy/.env");
  EXPECT_NE(other[0].fingerprint, a[0].fingerprint);
}

TEST(Matcher, CountsLinesDeepIntoALargeFile) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + " of ordinary text\n";
  const std::string a = github_token(), b = github_token();
  text += "  A=" + a + "\n";
  for (int i = 0; i < 7; ++i) text += "x\n";
  text += "B=" + b;
  const auto found = scan(text);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].line, 20001);
  EXPECT_EQ(found[0].column, 5);
  EXPECT_EQ(found[1].line, 20009);
  EXPECT_EQ(found[1].column, 3);
}

TEST(Matcher, FindsSecretsDeepInsideLongLines) {
  std::string text = "{\"data\":\"";
  for (int i = 0; i < 5000; ++i) text += "lorem ipsum dolor sit amet, ";
  const std::string token = github_token();
  text += "\",\"token\":\"" + token + "\",\"more\":\"";
  for (int i = 0; i < 5000; ++i) text += "consectetur adipiscing elit ";
  text += "\"}";
  const auto found = scan(text, "bundle.min.json");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].secret, token);
  EXPECT_EQ(found[0].line, 1);
  EXPECT_EQ(found[0].column, static_cast<int>(found[0].offset) + 1);
}

TEST(Matcher, PrivateKeySecretIsTheWholeBlockAndItsLineIsTheBeginLine) {
  const std::string block =
      "-----BEGIN OPENSSH PRIVATE"
      " KEY-----\n" +
      t::fake(t::kB64, 70) + "\n" + t::fake(t::kB64, 70) +
      "\n-----END OPENSSH PRIVATE"
      " KEY-----";
  const auto found = scan("# deploy key\n" + block + "\n", "id_ed25519");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "private-key");
  EXPECT_EQ(found[0].secret, block);
  EXPECT_EQ(found[0].line, 2);
  EXPECT_EQ(found[0].severity, Severity::Critical);
}

TEST(Matcher, EachThreadScansWithItsOwnScratch) {
  std::string text;
  std::vector<std::string> tokens;
  for (int i = 0; i < 50; ++i) {
    tokens.push_back(github_token());
    text += "line " + std::to_string(i) + " TOKEN=" + tokens.back() + "\n";
  }
  std::vector<std::vector<Finding>> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto scratch = matcher()->make_scratch();
      for (int round = 0; round < 20; ++round) {
        results[i].clear();
        matcher()->scan(text, "f", *scratch, results[i]);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) {
    ASSERT_EQ(r.size(), tokens.size());
    for (std::size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].secret, tokens[i]);
  }
}

TEST(Matcher, AppendsToWhatIsAlreadyInTheOutput) {
  auto scratch = matcher()->make_scratch();
  std::vector<Finding> out(1);
  matcher()->scan("T=" + github_token() + "\n", "a", *scratch, out);
  matcher()->scan("nothing here\n", "b", *scratch, out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(Matcher, HyperscanCompileErrorNamesTheRule) {
  ScanConfig config = default_config();
  Rule r;
  r.id = "acme-lookahead";
  r.description = "uses lookahead, which std::regex accepts and Hyperscan does not";
  r.pattern = "acme_(?=[a-z]{8})[a-z]{8}";
  config.rules.push_back(r);
  auto m = Matcher::compile(config);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("acme-lookahead"), std::string::npos) << m.error().str();
}

TEST(Matcher, InvalidSecretGroupIsAnError) {
  ScanConfig config;
  Rule r;
  r.id = "acme";
  r.pattern = "acme_[a-z]{8}";
  r.secret_group = 2;
  config.rules.push_back(r);
  auto m = Matcher::compile(config);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("secret_group"), std::string::npos);
}

TEST(Matcher, RuleKeywordsMustAppearSomewhereInTheFile) {
  ScanConfig config;
  Rule r;
  r.id = "acme-order-id";
  r.pattern = "ord_[a-z0-9]{16}";
  r.keywords = {"acme"};
  config.rules.push_back(r);
  auto m = Matcher::compile(config);
  ASSERT_TRUE(m.ok());
  auto scratch = (*m)->make_scratch();
  const std::string id = "ord_" + t::fake(t::kLowerAlnum, 16);
  std::vector<Finding> out;
  (*m)->scan("id = " + id + "\n", "a", *scratch, out);
  EXPECT_TRUE(out.empty());
  (*m)->scan("# ACME billing export\n\nid = " + id + "\n", "b", *scratch, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].line, 3);
}

TEST(Matcher, NoRulesMatchNothing) {
  auto m = Matcher::compile(ScanConfig{});
  ASSERT_TRUE(m.ok());
  auto scratch = (*m)->make_scratch();
  std::vector<Finding> out;
  (*m)->scan("T=" + github_token() + "\n", "a", *scratch, out);
  EXPECT_TRUE(out.empty());
}

TEST(Matcher, RuleStartingWithAlternativeNamesFindsEveryMatchInOrder) {
  ScanConfig config = default_config();
  Rule r;
  r.id = "acme-key";
  r.description = "Acme key";
  r.pattern = "(?:acme|widgetco)_(?:live|test)_([0-9]{8})";
  r.caseless = true;
  r.secret_group = 1;
  r.tags = {"custom"};
  config.rules = {r};
  auto m = Matcher::compile(config);
  ASSERT_TRUE(m.ok());
  const std::string a = t::fake(t::kDigits, 8), b = t::fake(t::kDigits, 8);
  const std::string text = "x = WIDGETCO_LIVE_" + a + " and acme_test_" + b + " and acme_x_1\n";
  auto scratch = (*m)->make_scratch();
  std::vector<Finding> out;
  (*m)->scan(text, "a.txt", *scratch, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].secret, a);
  EXPECT_EQ(out[1].secret, b);
  EXPECT_LT(out[0].column, out[1].column);
}

}  // namespace
}  // namespace gantry::scan
