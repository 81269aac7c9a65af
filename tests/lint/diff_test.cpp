// Tests for `gantry diff`: changes between two hand-built resolved specs, both renderers, and
// secret values kept out of every output.
#include "lint/diff.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace gantry::lint {
namespace {

using namespace std::chrono_literals;

spec::EnvValue literal(std::string v) { return spec::EnvValue{v, v}; }

spec::Service api() {
  spec::Service s;
  s.name = "api";
  s.command = {"./bin/api", "--port", "${PORT}"};
  s.port = 8080;
  s.replicas = 2;
  s.env["LOG_LEVEL"] = literal("debug");
  s.env["DB_PASSWORD"] = literal("staging-pw-Hk3j9Xq2");
  s.env["DATABASE_URL"] = literal("secret://database-url-staging");
  s.env["SESSION_SECRET"] = literal("same-on-both-sides");
  spec::Probe ready;
  ready.path = "/health/ready";
  ready.period = 2s;
  s.health.readiness = ready;
  return s;
}

spec::Spec staging() {
  spec::Spec s;
  s.environment = "staging";
  s.environments.push_back(spec::Environment{"staging", spec::Approval::Default, "", {}});
  s.environments.push_back(
      spec::Environment{"production", spec::Approval::Required, "staging", {}});
  s.services.push_back(api());
  spec::Service worker;
  worker.name = "worker";
  worker.command = {"./bin/worker"};
  s.services.push_back(worker);
  return s;
}

spec::Spec production() {
  spec::Spec s = staging();
  s.environment = "production";
  spec::Service& a = s.services[0];
  a.replicas = 5;
  a.env["LOG_LEVEL"] = literal("info");
  a.env["DB_PASSWORD"] = literal("prod-pw-Zr8Lm2Qw7");
  a.env["DATABASE_URL"] = literal("secret://database-url");
  a.env["STRIPE_KEY"] = literal("sk_live_" + std::string(24, 'a'));
  a.env.erase("SESSION_SECRET");
  a.health.readiness->period = 5s;
  a.health.liveness = spec::Probe{};
  a.strategy.kind = spec::StrategyKind::Canary;
  a.strategy.steps = {{spec::CanaryStep::Kind::Weight, 10, 0ms},
                      {spec::CanaryStep::Kind::Pause, 0, 30s},
                      {spec::CanaryStep::Kind::Weight, 100, 0ms}};
  a.restart.policy = spec::RestartPolicy::Always;
  a.resources.memory = 512ull << 20;
  spec::VarSchema stripe;
  stripe.prefix = "sk_live_";
  stripe.required = true;
  a.env_schema["STRIPE_KEY"] = stripe;
  s.services.erase(s.services.begin() + 1);
  spec::Service web;
  web.name = "web";
  web.command = {"./bin/web"};
  web.port = 3000;
  s.services.push_back(web);
  return s;
}

const SpecChange* change_at(const SpecDiff& d, std::string_view path) {
  for (const auto& c : d.changes) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

TEST(SpecDiff, IdenticalSpecsHaveNoChanges) {
  const SpecDiff d = diff_specs(staging(), staging(), "staging", "staging");
  EXPECT_TRUE(d.identical());
  EXPECT_NE(format_diff_human(d, false).find("no differences"), std::string::npos);
}

TEST(SpecDiff, FindsChangedFields) {
  const SpecDiff d = diff_specs(staging(), production(), "staging", "production");
  const SpecChange* replicas = change_at(d, "services.api.replicas");
  ASSERT_NE(replicas, nullptr);
  EXPECT_EQ(replicas->kind, SpecChange::Kind::Changed);
  EXPECT_EQ(replicas->before, "2");
  EXPECT_EQ(replicas->after, "5");
  EXPECT_EQ(change_at(d, "services.api.env.LOG_LEVEL")->after, "\"info\"");
  EXPECT_EQ(change_at(d, "services.api.health.readiness.period")->after, "5s");
  EXPECT_EQ(change_at(d, "services.api.health.liveness")->kind, SpecChange::Kind::Added);
  EXPECT_EQ(change_at(d, "services.api.strategy.kind")->after, "canary");
  EXPECT_EQ(change_at(d, "services.api.strategy.steps")->after, "[10%, pause 30s, 100%]");
  EXPECT_EQ(change_at(d, "services.api.restart.policy")->after, "always");
  EXPECT_EQ(change_at(d, "services.api.resources.memory")->kind, SpecChange::Kind::Added);
  EXPECT_EQ(change_at(d, "services.api.env_schema.STRIPE_KEY")->kind, SpecChange::Kind::Added);
  EXPECT_EQ(change_at(d, "environment.approval")->before, "default");
  EXPECT_EQ(change_at(d, "environment.approval")->after, "required");
  EXPECT_EQ(change_at(d, "environment.promote_from")->after, "staging");
  EXPECT_EQ(change_at(d, "services.api.command"), nullptr);
  EXPECT_EQ(change_at(d, "services.api.port"), nullptr);
}

TEST(SpecDiff, FindsAddedAndRemovedServices) {
  const SpecDiff d = diff_specs(staging(), production(), "staging", "production");
  ASSERT_NE(change_at(d, "services.worker"), nullptr);
  EXPECT_EQ(change_at(d, "services.worker")->kind, SpecChange::Kind::Removed);
  ASSERT_NE(change_at(d, "services.web"), nullptr);
  EXPECT_EQ(change_at(d, "services.web")->kind, SpecChange::Kind::Added);
  EXPECT_EQ(change_at(d, "services.web")->after, "port 3000, 1 replica");
}

TEST(SpecDiff, SecretValuesAreNeverShown) {
  const SpecDiff d = diff_specs(staging(), production(), "staging", "production");
  const SpecChange* pw = change_at(d, "services.api.env.DB_PASSWORD");
  ASSERT_NE(pw, nullptr);
  EXPECT_TRUE(pw->redacted);
  EXPECT_EQ(pw->before, "<secret>");
  EXPECT_EQ(pw->after, "<secret>");
  // secret:// references are references, not values: shown as they are.
  const SpecChange* url = change_at(d, "services.api.env.DATABASE_URL");
  ASSERT_NE(url, nullptr);
  EXPECT_EQ(url->after, "secret://database-url");
  // Not secret by name, but a known key format.
  EXPECT_EQ(change_at(d, "services.api.env.STRIPE_KEY")->after, "<secret>");
  EXPECT_EQ(change_at(d, "services.api.env.SESSION_SECRET")->before, "<secret>");

  const std::string human = format_diff_human(d, true);
  const std::string json = format_diff_json(d);
  for (const std::string& out : {human, json}) {
    EXPECT_EQ(out.find("Hk3j9Xq2"), std::string::npos);
    EXPECT_EQ(out.find("Zr8Lm2Qw7"), std::string::npos);
    EXPECT_EQ(out.find("sk_live_aaaa"), std::string::npos);
    EXPECT_EQ(out.find("same-on-both-sides"), std::string::npos);
  }
  EXPECT_NE(format_diff_human(d, false).find("~ services.api.env.DB_PASSWORD: <changed>\n"),
            std::string::npos);
}

TEST(SpecDiff, SecretSchemaDefaultIsHidden) {
  spec::Spec a = staging();
  spec::Spec b = staging();
  spec::VarSchema s;
  s.secret = true;
  s.default_value = "default-secret-value";
  b.services[0].env_schema["SIGNING"] = s;
  const std::string out = format_diff_human(diff_specs(a, b, "a", "b"), false);
  EXPECT_EQ(out.find("default-secret-value"), std::string::npos) << out;
}

TEST(SpecDiff, CredentialsInOtherFieldsAreHidden) {
  spec::Spec a = staging();
  spec::Spec b = staging();
  b.services[0].command = {"./bin/api", "--db", "postgresql://app:Vb7nQ2xLp9@db/app"};
  const SpecDiff d = diff_specs(a, b, "a", "b");
  const SpecChange* c = change_at(d, "services.api.command");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(format_diff_human(d, false).find("Vb7nQ2xLp9"), std::string::npos);
}

TEST(SpecDiff, HumanOutputLooksLikeAUnifiedDiff) {
  const std::string out =
      format_diff_human(diff_specs(staging(), production(), "staging", "production"), false);
  EXPECT_EQ(out.rfind("--- staging\n+++ production\n", 0), 0u);
  EXPECT_NE(out.find("~ services.api.replicas: 2 -> 5\n"), std::string::npos);
  EXPECT_NE(out.find("- services.worker: 1 replica\n"), std::string::npos);
  EXPECT_NE(out.find("+ services.web: port 3000, 1 replica\n"), std::string::npos);
  EXPECT_EQ(out.find("\x1b["), std::string::npos);
  EXPECT_NE(format_diff_human(diff_specs(staging(), production(), "s", "p"), true).find("\x1b["),
            std::string::npos);
}

TEST(SpecDiff, JsonOutputHasOneObjectPerChange) {
  const SpecDiff d = diff_specs(staging(), production(), "staging", "production");
  const auto j = nlohmann::json::parse(format_diff_json(d));
  EXPECT_EQ(j["left"], "staging");
  EXPECT_EQ(j["right"], "production");
  EXPECT_EQ(j["identical"], false);
  ASSERT_EQ(j["changes"].size(), d.changes.size());
  bool found = false;
  for (const auto& c : j["changes"]) {
    if (c["path"] == "services.api.replicas") {
      found = true;
      EXPECT_EQ(c["op"], "changed");
      EXPECT_EQ(c["before"], "2");
      EXPECT_EQ(c["after"], "5");
    }
    if (c["path"] == "services.web") {
      EXPECT_FALSE(c.contains("before"));
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace gantry::lint
