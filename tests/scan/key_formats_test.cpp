// Known key formats: each fires on a realistic fake and not on near-misses. Fakes are built
// by concatenation so no real-looking key sits in the source as one literal.
#include <gtest/gtest.h>

#include <string>

#include "scan/scan.h"

namespace gantry::scan {
namespace {

std::string repeat(std::string_view unit, std::size_t n) {
  std::string s;
  while (s.size() < n) s += unit;
  s.resize(n);
  return s;
}

// 62-symbol noise of length n, deterministic.
std::string noise(std::size_t n, unsigned seed = 7) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  unsigned x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s += kAlphabet[(x >> 16) % kAlphabet.size()];
  }
  return s;
}

std::string hex(std::size_t n, unsigned seed = 3) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string s;
  unsigned x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s += kHex[(x >> 16) % 16];
  }
  return s;
}

std::string upper_alnum(std::size_t n) {
  std::string s;
  for (char c : noise(n * 2, 11)) {
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) s += c;
    if (s.size() == n) break;
  }
  return s;
}

// The one rule id found in text, or "" when none / several.
std::string only_rule(std::string_view text) {
  auto found = find_key_formats(text);
  return found.size() == 1 ? found[0].rule_id : std::string(found.empty() ? "" : "many");
}

TEST(ScanKeyFormats, FindsAnAwsAccessKeyIdWithItsOffset) {
  const std::string key = std::string("AKIA") + upper_alnum(16);
  const std::string text = "AWS_ACCESS_KEY_ID=" + key + "\n";
  auto found = find_key_formats(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "aws-access-key-id");
  EXPECT_EQ(found[0].offset, 18u);
  EXPECT_EQ(found[0].length, 20u);
  EXPECT_EQ(only_rule(std::string("ASIA") + upper_alnum(16)), "aws-access-key-id");
}

TEST(ScanKeyFormats, IgnoresAwsNearMisses) {
  EXPECT_EQ(only_rule(std::string("AKIA") + upper_alnum(15)), "");     // too short
  EXPECT_EQ(only_rule(std::string("AKIA") + upper_alnum(17)), "");     // too long
  EXPECT_EQ(only_rule(std::string("AKIA") + "abcdefghijklmnop"), "");  // lower case
  EXPECT_EQ(only_rule(std::string("XAKIA") + upper_alnum(16)), "");    // inside a word
}

TEST(ScanKeyFormats, FindsGitHubTokens) {
  EXPECT_EQ(only_rule(std::string("ghp_") + noise(36)), "github-token");
  EXPECT_EQ(only_rule(std::string("token: gho_") + noise(36)), "github-token");
  EXPECT_EQ(only_rule(std::string("github_pat_") + noise(22) + "_" + noise(59, 5)), "github-token");
  EXPECT_EQ(only_rule(std::string("ghp_") + noise(20)), "");
  EXPECT_EQ(only_rule("ghp_your_token_here"), "");
}

TEST(ScanKeyFormats, FindsGitLabAndSlackTokens) {
  EXPECT_EQ(only_rule(std::string("glpat-") + noise(20)), "gitlab-token");
  EXPECT_EQ(only_rule(std::string("xoxb-") + "1234567890-1234567890123-" + noise(24)),
            "slack-token");
  EXPECT_EQ(only_rule("xoxb-short"), "");
  const std::string hook = std::string("https://hooks.slack.com/services/") + "T0" +
                           upper_alnum(8) + "/B0" + upper_alnum(8) + "/" + noise(24);
  EXPECT_EQ(only_rule(hook), "slack-webhook");
  EXPECT_EQ(only_rule("https://hooks.slack.com/services/"), "");
}

TEST(ScanKeyFormats, FindsStripeSecretKeysButNotPublishableKeys) {
  EXPECT_EQ(only_rule(std::string("sk_live_") + noise(24)), "stripe-secret-key");
  EXPECT_EQ(only_rule(std::string("rk_test_") + noise(24)), "stripe-secret-key");
  EXPECT_EQ(only_rule(std::string("whsec_") + noise(32)), "stripe-webhook-secret");
  EXPECT_EQ(only_rule(std::string("pk_live_") + noise(24)), "");
  EXPECT_EQ(only_rule("sk_live_"), "");
}

TEST(ScanKeyFormats, TellsAnthropicFromOpenAiKeys) {
  EXPECT_EQ(only_rule(std::string("sk-ant-api03-") + noise(93) + "-" + noise(6, 9) + "AA"),
            "anthropic-api-key");
  EXPECT_EQ(only_rule(std::string("sk-proj-") + noise(48) + "_" + noise(20, 4)), "openai-api-key");
  EXPECT_EQ(only_rule(std::string("sk-") + noise(20) + "T3BlbkFJ" + noise(20, 2)),
            "openai-api-key");
  EXPECT_EQ(only_rule(std::string("sk-") + noise(48)), "openai-api-key");
  EXPECT_EQ(only_rule("sk-1234"), "");
  EXPECT_EQ(only_rule("task-" + noise(48)), "");  // "sk-" inside a word
}

TEST(ScanKeyFormats, FindsGoogleSendGridTwilioNpmPyPiHuggingFace) {
  EXPECT_EQ(only_rule(std::string("AIza") + noise(35)), "google-api-key");
  EXPECT_EQ(only_rule(std::string("AIza") + noise(30)), "");
  EXPECT_EQ(only_rule(std::string("SG.") + noise(22) + "." + noise(43, 8)), "sendgrid-api-key");
  EXPECT_EQ(only_rule(std::string("SG.") + noise(22)), "");
  EXPECT_EQ(only_rule(std::string("SK") + hex(32)), "twilio-api-key");
  EXPECT_EQ(only_rule(std::string("SK") + hex(31)), "");
  EXPECT_EQ(only_rule(std::string("npm_") + noise(36)), "npm-token");
  EXPECT_EQ(only_rule(std::string("pypi-AgEIcHlwaS5vcmc") + noise(60)), "pypi-token");
  EXPECT_EQ(only_rule(std::string("hf_") + noise(34)), "huggingface-token");
}

TEST(ScanKeyFormats, FindsPrivateKeyBlocksButNotPublicKeys) {
  const std::string block = std::string("-----BEGIN ") + "RSA PRIVATE KEY-----\n" + noise(64) +
                            "\n-----END RSA PRIVATE KEY-----\n";
  auto found = find_key_formats("key: |\n" + block);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "private-key");
  EXPECT_EQ(found[0].offset, 7u);
  EXPECT_EQ(found[0].length, block.size() - 1);  // up to the closing dashes
  EXPECT_EQ(only_rule(std::string("-----BEGIN ") + "OPENSSH PRIVATE KEY-----"), "private-key");
  EXPECT_EQ(only_rule(std::string("-----BEGIN ") + "PUBLIC KEY-----\n" + noise(40)), "");
  EXPECT_EQ(only_rule(std::string("-----BEGIN ") + "CERTIFICATE-----"), "");
}

TEST(ScanKeyFormats, FindsJsonWebTokens) {
  const std::string jwt = std::string("eyJ") + "hbGciOiJIUzI1NiJ9" + "." + "eyJ" +
                          "zdWIiOiIxMjM0NTY3ODkwIn0" + "." + noise(43);
  EXPECT_EQ(only_rule("Authorization: Bearer " + jwt), "jwt");
  EXPECT_EQ(only_rule(std::string("eyJ") + "hbGciOiJIUzI1NiJ9"), "");  // header only
  EXPECT_EQ(only_rule(std::string("eyJ") + "abc.def.ghi"), "");
}

TEST(ScanKeyFormats, FindsSeveralKeysInOneTextInOrder) {
  const std::string text = std::string("a=ghp_") + noise(36) + " b=AKIA" + upper_alnum(16);
  auto found = find_key_formats(text);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].rule_id, "github-token");
  EXPECT_EQ(found[1].rule_id, "aws-access-key-id");
}

TEST(ScanKeyFormats, IgnoresOrdinaryConfiguration) {
  for (const char* text :
       {"", "postgresql://db:5432/app", "LOG_LEVEL=info", "ghcr.io/acme/api:1.2.3", "sk_live_",
        "AKIA", "skip-this-step", "eyJ", "-----BEGIN PGP SIGNATURE-----"}) {
    EXPECT_TRUE(find_key_formats(text).empty()) << text;
  }
  EXPECT_TRUE(find_key_formats(repeat("a", 4096)).empty());
}

}  // namespace
}  // namespace gantry::scan
