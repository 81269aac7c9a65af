// Tests of render_yaml / render_json: round trips through parse_spec, redaction, and the
// text forms of units.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "spec/spec.h"

namespace gantry::spec {
namespace {

const std::string kFull = std::string(GANTRY_FIXTURES) + "/spec/full.yaml";
const RenderOptions kNoRedaction{false, nullptr};

Spec load(const std::string& environment) {
  LoadOptions o;
  o.file = kFull;
  o.environment = environment;
  o.use_process_env = false;
  auto r = load_spec(o);
  EXPECT_TRUE(r.ok()) << r.error().str();
  return r.ok() ? *r : Spec{};
}

Result<Spec> reparse(const std::string& text, const std::string& environment) {
  LoadOptions o;
  o.file = "rendered.yaml";
  o.environment = environment;
  o.use_process_env = false;
  return parse_spec(text, o);
}

// Two specs are equal when they print the same (render covers every field of the model).
void expect_round_trip(const std::string& environment) {
  const Spec spec = load(environment);
  const std::string yaml = render_yaml(spec, kNoRedaction);
  auto from_yaml = reparse(yaml, environment);
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.error().str() << "\n" << yaml;
  EXPECT_EQ(render_yaml(*from_yaml, kNoRedaction), yaml);
  EXPECT_EQ(from_yaml->environment, spec.environment);

  const std::string json = render_json(spec, kNoRedaction);
  auto from_json = reparse(json, environment);
  ASSERT_TRUE(from_json.ok()) << from_json.error().str() << "\n" << json;
  EXPECT_EQ(render_json(*from_json, kNoRedaction), json);
  EXPECT_EQ(render_yaml(*from_json, kNoRedaction), yaml);
}

TEST(SpecRender, FullFixtureRoundTripsThroughYamlAndJson) { expect_round_trip(""); }

TEST(SpecRender, ResolvedEnvironmentRoundTrips) {
  expect_round_trip("production");
  expect_round_trip("staging");
}

TEST(SpecRender, PrintsUnitsInTheirShortestForm) {
  const std::string yaml = render_yaml(load(""), kNoRedaction);
  EXPECT_NE(yaml.find("scale_down_delay: 1m30s"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("min: 99.5%"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("memory: 512Mi"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("initial: 500ms"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("max_unavailable: 10%"), std::string::npos) << yaml;
}

TEST(SpecRender, ShowsSecretReferencesAndRedactsLiteralSecrets) {
  const Spec spec = load("");
  const std::string yaml = render_yaml(spec);
  EXPECT_NE(yaml.find("DATABASE_URL: secret://database-url"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("webhook: secret://slack-webhook"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("QUEUE: default"), std::string::npos) << yaml;  // not secret-like

  auto r = reparse(
      "environments:\n  production: { vars: { SENTRY_TOKEN: tok-123 } }\n"
      "services:\n  api:\n    command: [a]\n"
      "    env: { DB_PASSWORD: hunter2, API_KEY: secret://api-key, USER: app }\n"
      "notify:\n  - webhook: https://hooks.example.com/T0/B0/xyz\n",
      "production");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string redacted = render_yaml(*r);
  for (const char* literal : {"hunter2", "tok-123", "xyz"}) {
    EXPECT_EQ(redacted.find(literal), std::string::npos) << literal << " in\n" << redacted;
  }
  EXPECT_NE(redacted.find("DB_PASSWORD: <redacted>"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("API_KEY: secret://api-key"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("USER: app"), std::string::npos) << redacted;
  const auto json = nlohmann::json::parse(render_json(*r));
  EXPECT_EQ(json["services"]["api"]["env"]["DB_PASSWORD"], "<redacted>");
  EXPECT_EQ(json["services"]["api"]["env"]["SENTRY_TOKEN"], "<redacted>");
  EXPECT_EQ(json["services"]["api"]["env"]["API_KEY"], "secret://api-key");
  // Without redaction the literal is shown.
  EXPECT_NE(render_yaml(*r, kNoRedaction).find("hunter2"), std::string::npos);
}

TEST(SpecRender, RedactsVariablesTheSchemaMarksSecret) {
  auto r = reparse(
      "services:\n  api:\n    command: [a]\n    env: { SESSION_SEED: abc123 }\n"
      "    env_schema: { SESSION_SEED: { secret: true } }\n",
      "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_NE(render_yaml(*r).find("SESSION_SEED: <redacted>"), std::string::npos);
}

TEST(SpecRender, RedactsValuesTheCallerSaysAreSecret) {
  auto r = reparse(
      "services:\n  api:\n    command: [a]\n"
      "    env: { DATABASE_URL: \"mysql://app:hunter22@db/app\", LOG_LEVEL: info }\n",
      "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  RenderOptions o;
  o.is_secret = [](std::string_view, std::string_view value) {
    return value.find("hunter22") != std::string_view::npos;
  };
  const auto yaml = render_yaml(*r, o);
  EXPECT_EQ(yaml.find("hunter22"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("DATABASE_URL: <redacted>"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("LOG_LEVEL: info"), std::string::npos) << yaml;
  o.redact_secrets = false;
  EXPECT_NE(render_yaml(*r, o).find("hunter22"), std::string::npos);
}

TEST(SpecRender, EscapesDollarsSoValuesReadBackAsThemselves) {
  auto r = reparse(
      "services:\n  api:\n    command: [echo, '${PORT}']\n"
      "    env: { PRICE: $$5, TEMPLATE: \"$${NAME}\", DOUBLE: \"$$$$\", EMPTY: '', NUL: 'null' }\n",
      "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->services[0].env.at("TEMPLATE").value, "${NAME}");
  const std::string yaml = render_yaml(*r, kNoRedaction);
  auto back = reparse(yaml, "");
  ASSERT_TRUE(back.ok()) << back.error().str() << "\n" << yaml;
  const auto& env = back->services[0].env;
  EXPECT_EQ(env.at("PRICE").value, "$5");
  EXPECT_EQ(env.at("TEMPLATE").value, "${NAME}");
  EXPECT_EQ(env.at("DOUBLE").value, "$$");
  EXPECT_EQ(env.at("EMPTY").value, "");
  EXPECT_EQ(env.at("NUL").value, "null");
  EXPECT_EQ(back->services[0].command, (std::vector<std::string>{"echo", "${PORT}"}));
}

TEST(SpecRender, OmitsDefaultsToKeepOutputShort) {
  auto r =
      reparse("project: hello\nservices:\n  web:\n    command: [\"./web\"]\n    port: 8000\n", "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(render_yaml(*r),
            "project: hello\n"
            "services:\n"
            "  web:\n"
            "    command: [./web]\n"
            "    port: 8000\n");
  EXPECT_EQ(nlohmann::json::parse(render_json(*r)),
            nlohmann::json::parse(
                R"({"project":"hello","services":{"web":{"command":["./web"],"port":8000}}})"));
}

// Found by fuzz/spec_fuzz.cpp: nlohmann::json threw on invalid UTF-8 in a value.
TEST(SpecRender, PrintsInvalidUtf8WithoutThrowing) {
  auto r = reparse(
      "services:\n  api:\n    command: [a]\n    env: { URL: \"postgre\xee\xeesql\" }\n", "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string json = render_json(*r);
  EXPECT_NE(json.find("postgre\xef\xbf\xbd"), std::string::npos) << json;
  EXPECT_FALSE(render_yaml(*r).empty());
}

TEST(SpecRender, NamesTheEnvironmentInAYamlComment) {
  const std::string yaml = render_yaml(load("production"));
  EXPECT_EQ(yaml.rfind("# resolved for environment: production\n", 0), 0u) << yaml;
}

}  // namespace
}  // namespace gantry::spec
