// secret-in-spec: what fires, what does not, and that messages never hold the secret.
#include <gtest/gtest.h>

#include "lint/spec_builder.h"

namespace gantry::lint {
namespace {

using namespace testing;

spec::Spec with_env(const std::string& name, spec::EnvValue value) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.env[name] = std::move(value);
  at(s, "services.api.env." + name, 14, 7);
  return s;
}

void expect_no_leak(const std::vector<Finding>& found, const std::string& secret) {
  for (const auto& f : found) {
    EXPECT_EQ(f.message.find(secret), std::string::npos) << f.message;
    EXPECT_EQ(f.hint.find(secret), std::string::npos) << f.hint;
  }
}

TEST(LintSecrets, FlagsAConnectionStringWithAPassword) {
  const std::string pw = std::string("Hunter2") + "-prod-pw";
  auto s = with_env("DATABASE_URL", literal("postgresql://shop:" + pw + "@db.internal/shop"));
  auto found = lint_rule(s, "secret-in-spec");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where, (Location{"gantry.yaml", 14, 7}));
  EXPECT_EQ(found[0].key_path, "services.api.env.DATABASE_URL");
  EXPECT_NE(found[0].message.find("postgresql://shop:****@db.internal/shop"), std::string::npos)
      << found[0].message;
  EXPECT_NE(found[0].hint.find("secret://"), std::string::npos);
  expect_no_leak(found, pw);
}

TEST(LintSecrets, FlagsKnownKeyFormatsUnderAnyName) {
  const std::string key = std::string("sk_live_") + "q8ZtLw3vN9xKp2Rb7YcE1234";
  auto found = lint_rule(with_env("PAYMENTS", literal(key)), "secret-in-spec");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("Stripe"), std::string::npos) << found[0].message;
  expect_no_leak(found, key.substr(4));
}

TEST(LintSecrets, IgnoresDocumentationExampleKeys) {
  const std::string key = std::string("AKIA") + "IOSFODNN7EXAMPLE";  // AWS docs' sample key
  EXPECT_TRUE(lint_rule(with_env("AWS_ACCESS_KEY_ID", literal(key)), "secret-in-spec").empty());
}

TEST(LintSecrets, FlagsHighEntropyValuesUnderSecretLikeNames) {
  const std::string token = std::string("q8ZtLw3v") + "N9xKp2Rb7YcE";
  auto found = lint_rule(with_env("SESSION_SECRET", literal(token)), "secret-in-spec");
  ASSERT_EQ(found.size(), 1u);
  expect_no_leak(found, token.substr(4));
}

TEST(LintSecrets, IgnoresHighEntropyValuesUnderOrdinaryNames) {
  const std::string build_id = std::string("q8ZtLw3v") + "N9xKp2Rb7YcE";
  EXPECT_TRUE(lint_rule(with_env("BUILD_ID", literal(build_id)), "secret-in-spec").empty());
}

TEST(LintSecrets, IgnoresReferencesInterpolationsAndPlaceholders) {
  EXPECT_TRUE(
      lint_rule(with_env("DATABASE_URL", literal("secret://database-url")), "secret-in-spec")
          .empty());
  for (const char* v : {"changeme", "your-key-here", "", "xxx", "<token>"}) {
    EXPECT_TRUE(lint_rule(with_env("API_TOKEN", literal(v)), "secret-in-spec").empty()) << v;
  }
  // ${VAR}: the value comes from outside the spec, even when it resolved to a secret.
  spec::EnvValue interpolated;
  interpolated.raw = "${API_TOKEN}";
  interpolated.value = std::string("q8ZtLw3v") + "N9xKp2Rb7YcE";
  interpolated.interpolated = true;
  EXPECT_TRUE(lint_rule(with_env("API_TOKEN", interpolated), "secret-in-spec").empty());

  spec::EnvValue url;
  url.raw = "postgresql://app:${DB_PASSWORD}@db/app";
  url.value = "postgresql://app:" + std::string("Zq9") + "xw7u@db/app";
  url.interpolated = true;
  EXPECT_TRUE(lint_rule(with_env("DATABASE_URL", url), "secret-in-spec").empty());
}

TEST(LintSecrets, FlagsALiteralPasswordBesideAnInterpolatedHost) {
  spec::EnvValue url;
  url.raw = "postgresql://app:" + std::string("Zq9") + "-xw7u@${DB_HOST}/app";
  url.value = url.raw;
  url.interpolated = true;
  url.unresolved = true;
  EXPECT_EQ(lint_rule(with_env("DATABASE_URL", url), "secret-in-spec").size(), 1u);
}

TEST(LintSecrets, FlagsLiteralValuesOfVarsTheSchemaMarksSecret) {
  auto s = with_env("LICENSE", literal("acme-standard"));
  spec::VarSchema schema;
  schema.secret = true;
  s.services[0].env_schema["LICENSE"] = schema;
  auto found = lint_rule(s, "secret-in-spec");
  ASSERT_EQ(found.size(), 1u);
  expect_no_leak(found, "acme-standard");
}

TEST(LintSecrets, FlagsALiteralSlackWebhookInNotify) {
  auto s = make_spec();
  spec::NotifySink sink;
  sink.kind = spec::NotifySink::Kind::Slack;
  const std::string hook = std::string("https://hooks.slack.com/services/") + "T0ABCD1234/" +
                           "B0ABCD5678/" + "q8ZtLw3vN9xKp2Rb7YcE1234";
  sink.url = literal(hook);
  s.notify.push_back(sink);
  at(s, "notify.0.slack.webhook", 40, 14);
  auto found = lint_rule(s, "secret-in-spec");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where, (Location{"gantry.yaml", 40, 14}));
  expect_no_leak(found, "q8ZtLw3vN9xKp2Rb7YcE1234");
}

TEST(LintSecrets, FlagsAWebhookUrlWithATokenInItsPath) {
  auto s = make_spec();
  spec::NotifySink sink;
  sink.url =
      literal("https://hooks.example.com/deploys/" + std::string("q8ZtLw3v") + "N9xKp2Rb7YcE");
  s.notify.push_back(sink);
  EXPECT_EQ(lint_rule(s, "secret-in-spec").size(), 1u);
}

TEST(LintSecrets, AcceptsNotifyUrlsThatAreReferencesOrPlainUrls) {
  auto s = make_spec();
  spec::NotifySink a, b;
  a.url = literal("secret://slack-webhook");
  b.url = literal("https://ci.example.com/hooks/deploy");
  s.notify = {a, b};
  EXPECT_TRUE(lint_rule(s, "secret-in-spec").empty());
}

TEST(LintSecrets, PointsEnvironmentVarsAtTheEnvironmentSection) {
  auto s = make_spec("production");
  auto& api = add_service(s, "api", 10, 8080);
  api.env["API_TOKEN"] = literal(std::string("ghp_") + "q8ZtLw3vN9xKp2Rb7YcE1234q8ZtLw3vN9xK");
  spec::Environment prod;
  prod.name = "production";
  s.environments.push_back(prod);
  at(s, "environments.production.vars.API_TOKEN", 5, 13);
  auto found = lint_rule(s, "secret-in-spec");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where, (Location{"gantry.yaml", 5, 13}));
  EXPECT_EQ(found[0].key_path, "environments.production.vars.API_TOKEN");
}

}  // namespace
}  // namespace gantry::lint
