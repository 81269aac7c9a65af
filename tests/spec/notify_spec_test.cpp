// Tests of the notify: list: every key of webhook and Slack sinks, defaults, sink names, and
// errors with file:line:col and key path.
#include <gtest/gtest.h>

#include <string>

#include "spec/spec.h"

namespace gantry::spec {
namespace {

using namespace std::chrono_literals;

const std::string kHead =
    "environments: { staging: {}, production: {} }\n"
    "services:\n"
    "  api: { command: [a] }\n"
    "notify:\n";  // the sinks start on line 5

Result<Spec> parse(const std::string& sinks) {
  LoadOptions o;
  o.file = "gantry.yaml";
  o.use_process_env = false;
  return parse_spec(kHead + sinks, o);
}

Error error_of(const std::string& sinks) {
  auto r = parse(sinks);
  EXPECT_FALSE(r.ok()) << "parsed, but should have failed:\n" << sinks;
  return r.ok() ? Error{} : r.error();
}

void expect_at(const Error& e, int line, int column, const std::string& key_path) {
  EXPECT_EQ(e.where.file, "gantry.yaml") << e.str();
  EXPECT_EQ(e.where.line, line) << e.str();
  EXPECT_EQ(e.where.column, column) << e.str();
  EXPECT_EQ(e.key_path, key_path) << e.str();
}

TEST(SpecNotify, ReadsEveryKeyOfAWebhook) {
  auto r = parse(
      "  - name: ops\n"
      "    webhook:\n"
      "      url: https://hooks.example.com/gantry\n"
      "      secret: secret://hook-key\n"
      "      headers: { Authorization: Bearer abc, X-Team: payments }\n"
      "      events: [deployment.*, rollback.started]\n"
      "      environments: [production]\n"
      "      max_age: 2h\n"
      "      backoff: { initial: 500ms, max: 1m }\n"
      "      timeout: 3s\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->notify.size(), 1u);
  const NotifySink& s = r->notify[0];
  EXPECT_EQ(s.kind, NotifySink::Kind::Webhook);
  EXPECT_EQ(s.name, "ops");
  EXPECT_EQ(s.url.value, "https://hooks.example.com/gantry");
  EXPECT_TRUE(s.secret.is_secret_ref());
  EXPECT_EQ(s.secret.secret_name(), "hook-key");
  ASSERT_EQ(s.headers.size(), 2u);
  EXPECT_EQ(s.headers.at("Authorization").value, "Bearer abc");
  EXPECT_EQ(s.headers.at("X-Team").value, "payments");
  EXPECT_EQ(s.events, (std::vector<std::string>{"deployment.*", "rollback.started"}));
  EXPECT_EQ(s.environments, (std::vector<std::string>{"production"}));
  EXPECT_EQ(s.max_age, Duration(2h));
  EXPECT_EQ(s.backoff_initial, Duration(500ms));
  EXPECT_EQ(s.backoff_max, Duration(1min));
  EXPECT_EQ(s.timeout, Duration(3s));
}

TEST(SpecNotify, ReadsEveryKeyOfASlackSink) {
  auto r = parse(
      "  - slack:\n"
      "      webhook: secret://slack-webhook\n"
      "      channel: '#deploys'\n"
      "      events: [deployment.failed, rollback.*]\n"
      "      environments: [staging, production]\n"
      "      max_age: 1h\n"
      "      backoff: { initial: 2s, max: 2m }\n"
      "      timeout: 5s\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const NotifySink& s = r->notify[0];
  EXPECT_EQ(s.kind, NotifySink::Kind::Slack);
  EXPECT_EQ(s.name, "slack");
  EXPECT_EQ(s.url.secret_name(), "slack-webhook");
  EXPECT_EQ(s.channel, "#deploys");
  EXPECT_EQ(s.events, (std::vector<std::string>{"deployment.failed", "rollback.*"}));
  EXPECT_EQ(s.environments, (std::vector<std::string>{"staging", "production"}));
  EXPECT_EQ(s.max_age, Duration(1h));
  EXPECT_EQ(s.backoff_initial, Duration(2s));
  EXPECT_EQ(s.backoff_max, Duration(2min));
  EXPECT_EQ(s.timeout, Duration(5s));
}

TEST(SpecNotify, AScalarWebhookTakesEveryDefault) {
  auto r = parse("  - webhook: https://hooks.example.com/a\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const NotifySink& s = r->notify[0];
  EXPECT_EQ(s.name, "webhook");
  EXPECT_EQ(s.url.value, "https://hooks.example.com/a");
  EXPECT_TRUE(s.secret.value.empty());
  EXPECT_TRUE(s.headers.empty());
  EXPECT_TRUE(s.events.empty());  // all
  EXPECT_TRUE(s.environments.empty());
  EXPECT_EQ(s.max_age, Duration(24h));
  EXPECT_EQ(s.backoff_initial, Duration(1s));
  EXPECT_EQ(s.backoff_max, Duration(5min));
  EXPECT_EQ(s.timeout, Duration(10s));
}

TEST(SpecNotify, NamesUnnamedSinksByKindAndPosition) {
  auto r = parse(
      "  - webhook: https://a.example.com/\n"
      "  - slack: { webhook: https://hooks.slack.com/services/x }\n"
      "  - webhook: https://b.example.com/\n"
      "  - { name: audit, webhook: https://c.example.com/ }\n"
      "  - webhook: https://d.example.com/\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  std::vector<std::string> names;
  for (const auto& s : r->notify) names.push_back(s.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"webhook", "slack", "webhook-2", "audit", "webhook-4"}));
}

TEST(SpecNotify, AcceptsEveryPatternForm) {
  auto r = parse("  - webhook: { url: http://127.0.0.1:9/, events: ['*', replica.*, x.custom] }\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->notify[0].events, (std::vector<std::string>{"*", "replica.*", "x.custom"}));
}

TEST(SpecNotify, RejectsAnUnknownKeyWithItsPlace) {
  const Error e = error_of("  - webhook: { url: https://a.example.com/, retries: 3 }\n");
  expect_at(e, 5, 45, "notify.0.webhook.retries");
  EXPECT_NE(e.message.find("unknown key"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsAWebhookKeyOnASlackSink) {
  const Error e = error_of("  - slack: { webhook: https://hooks.slack.com/x, secret: k }\n");
  expect_at(e, 5, 50, "notify.0.slack.secret");
}

TEST(SpecNotify, RejectsABadDuration) {
  const Error e = error_of("  - webhook: { url: https://a.example.com/, max_age: soon }\n");
  expect_at(e, 5, 54, "notify.0.webhook.max_age");
}

TEST(SpecNotify, RejectsATimeoutOfZero) {
  const Error e = error_of("  - webhook: { url: https://a.example.com/, timeout: 0s }\n");
  expect_at(e, 5, 54, "notify.0.webhook.timeout");
  EXPECT_NE(e.message.find("more than 0"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsABackoffWhoseMaxIsBelowItsInitial) {
  const Error e = error_of(
      "  - webhook:\n"
      "      url: https://a.example.com/\n"
      "      backoff: { initial: 10s, max: 1s }\n");
  expect_at(e, 7, 16, "notify.0.webhook.backoff");
  EXPECT_NE(e.message.find("less than backoff.initial"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsABadHeaderName) {
  const Error e = error_of(
      "  - webhook:\n"
      "      url: https://a.example.com/\n"
      "      headers: { 'X Team': a }\n");
  expect_at(e, 7, 18, "notify.0.webhook.headers.X Team");
  EXPECT_NE(e.message.find("not a valid header name"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsAHeaderGantrySetsItself) {
  const Error e = error_of(
      "  - webhook:\n"
      "      url: https://a.example.com/\n"
      "      headers: { X-Gantry-Signature: forged }\n");
  expect_at(e, 7, 18, "notify.0.webhook.headers.X-Gantry-Signature");
}

TEST(SpecNotify, RejectsAHeaderValueWithALineBreak) {
  const Error e = error_of(
      "  - webhook:\n"
      "      url: https://a.example.com/\n"
      "      headers: { X-Team: \"a\\r\\nX-Evil: 1\" }\n");
  expect_at(e, 7, 26, "notify.0.webhook.headers.X-Team");
}

TEST(SpecNotify, RejectsAMisspelledEventTypeWithAHint) {
  const Error e =
      error_of("  - webhook: { url: https://a.example.com/, events: [deployment.succeded] }\n");
  expect_at(e, 5, 54, "notify.0.webhook.events");
  EXPECT_NE(e.message.find("did you mean 'deployment.succeeded'?"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsAPatternThatIsNotOne) {
  const Error e = error_of("  - webhook: { url: https://a.example.com/, events: [deploy*] }\n");
  expect_at(e, 5, 54, "notify.0.webhook.events");
  EXPECT_NE(e.message.find("not an event pattern"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsAUrlThatIsNotHttp) {
  const Error e = error_of("  - webhook: ftp://files.example.com/x\n");
  expect_at(e, 5, 14, "notify.0.webhook");
  EXPECT_NE(e.message.find("http:// or https://"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsAMissingSlackWebhook) {
  const Error e = error_of("  - slack: { channel: '#x' }\n");
  expect_at(e, 5, 12, "notify.0.slack");
  EXPECT_NE(e.message.find("missing required key 'webhook'"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsTwoSinksWithOneName) {
  const Error e = error_of(
      "  - { name: ops, webhook: https://a.example.com/ }\n"
      "  - { name: ops, slack: https://hooks.slack.com/x }\n");
  expect_at(e, 6, 5, "notify.1");
  EXPECT_NE(e.message.find("two sinks are named 'ops'"), std::string::npos) << e.message;
}

TEST(SpecNotify, RejectsAnInvalidSinkName) {
  const Error e = error_of("  - { name: Ops Team, webhook: https://a.example.com/ }\n");
  expect_at(e, 5, 13, "notify.0.name");
}

TEST(SpecNotify, RejectsASinkWithBothKinds) {
  const Error e =
      error_of("  - { webhook: https://a.example.com/, slack: https://hooks.slack.com/x }\n");
  expect_at(e, 5, 5, "notify.0");
}

TEST(SpecNotify, RejectsAnEmptySecret) {
  const Error e = error_of("  - webhook: { url: https://a.example.com/, secret: '' }\n");
  expect_at(e, 5, 53, "notify.0.webhook.secret");
}

TEST(SpecNotify, RejectsAnUndeclaredEnvironmentWithAHint) {
  const Error e =
      error_of("  - webhook: { url: https://a.example.com/, environments: [prodution] }\n");
  expect_at(e, 5, 60, "notify.0.webhook.environments");
  EXPECT_NE(e.message.find("did you mean 'production'?"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace gantry::spec
