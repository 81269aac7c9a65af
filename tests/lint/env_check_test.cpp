// Tests for `gantry env check`: schema checks on a real environment, drift against an example
// file both ways, and secret values kept out of every message.
#include "lint/env_check.h"

#include <gtest/gtest.h>

#include <string>

#include "spec/spec.h"

namespace gantry::lint {
namespace {

using spec::VarSchema;
using spec::VarType;

constexpr const char* kStripeValue = "sk_test_placeholder_not_a_key";

spec::Spec make_spec() {
  spec::Spec s;
  s.file = "gantry.yaml";
  s.environment = "production";
  spec::Service api;
  api.name = "api";
  api.env["DATABASE_URL"] = spec::EnvValue{"secret://database-url", "secret://database-url"};

  VarSchema url;
  url.type = VarType::Url;
  url.schemes = {"postgresql"};
  url.required = true;
  api.env_schema["DATABASE_URL"] = url;

  VarSchema pool;
  pool.type = VarType::Int;
  pool.min = 5;
  pool.max = 50;
  pool.default_value = "10";
  api.env_schema["POOL_SIZE"] = pool;

  VarSchema stripe;
  stripe.prefix = "sk_live_";
  stripe.required = true;
  stripe.secret = true;
  api.env_schema["STRIPE_KEY"] = stripe;

  VarSchema redis;
  redis.type = VarType::Url;
  redis.required = true;
  api.env_schema["REDIS_URL"] = redis;

  VarSchema token;
  token.min_length = 40;
  api.env_schema["API_TOKEN"] = token;

  s.services.push_back(api);
  s.source.default_file = "gantry.yaml";
  s.source.set("services.api.env_schema.REDIS_URL", Location{"gantry.yaml", 20, 9});
  s.source.set("services.api.env_schema.POOL_SIZE", Location{"gantry.yaml", 18, 9});
  return s;
}

RealEnv env_of(std::initializer_list<std::pair<const char*, const char*>> vars) {
  RealEnv env;
  int line = 1;
  for (const auto& [k, v] : vars) env[k] = RealVar{v, Location{".env", line++, 1}};
  return env;
}

std::vector<const Finding*> with_rule(const std::vector<Finding>& findings, std::string_view id) {
  std::vector<const Finding*> out;
  for (const auto& f : findings) {
    if (f.rule_id == id) out.push_back(&f);
  }
  return out;
}

const Finding* about(const std::vector<Finding>& findings, std::string_view id,
                     std::string_view var) {
  for (const auto& f : findings) {
    if (f.rule_id == id && f.message.rfind(std::string(var) + " ", 0) == 0) return &f;
  }
  return nullptr;
}

TEST(EnvCheck, CleanEnvironmentHasNoFindings) {
  const spec::Spec s = make_spec();
  const auto findings = check_env(s, s.services[0],
                                  env_of({{"STRIPE_KEY", "sk_live_abc"},
                                          {"REDIS_URL", "redis://cache:6379"},
                                          {"POOL_SIZE", "20"}}));
  EXPECT_TRUE(findings.empty()) << findings.front().message;
}

TEST(EnvCheck, ReportsMissingRequiredAtTheSchemaEntry) {
  const spec::Spec s = make_spec();
  const auto findings = check_env(s, s.services[0], env_of({{"STRIPE_KEY", "sk_live_abc"}}));
  const Finding* f = about(findings, kRuleEnvMissing, "REDIS_URL");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Error);
  EXPECT_EQ(f->where, (Location{"gantry.yaml", 20, 9}));
  EXPECT_EQ(f->key_path, "services.api.env_schema.REDIS_URL");
  EXPECT_EQ(f->environments, std::vector<std::string>{"production"});
  // DATABASE_URL comes from the spec (a secret:// reference), POOL_SIZE has a default.
  EXPECT_EQ(with_rule(findings, kRuleEnvMissing).size(), 1u);
}

TEST(EnvCheck, ReportsInvalidValueAtTheEnvFileLineWithItsValue) {
  const spec::Spec s = make_spec();
  const auto findings = check_env(
      s, s.services[0],
      env_of({{"STRIPE_KEY", "sk_live_abc"}, {"REDIS_URL", "redis://cache"}, {"POOL_SIZE", "3"}}));
  ASSERT_EQ(findings.size(), 1u);
  const Finding& f = findings[0];
  EXPECT_EQ(f.rule_id, kRuleEnvInvalid);
  EXPECT_EQ(f.where, (Location{".env", 3, 1}));
  EXPECT_EQ(f.message, "POOL_SIZE is \"3\" but must be an int from 5 to 50");
  ASSERT_EQ(f.related.size(), 1u);
  EXPECT_EQ(f.related[0], (Location{"gantry.yaml", 18, 9}));
}

TEST(EnvCheck, NeverPrintsASecretValue) {
  const spec::Spec s = make_spec();
  const std::string token = "short-but-secret-t0ken";
  const auto findings = check_env(s, s.services[0],
                                  env_of({{"STRIPE_KEY", kStripeValue},
                                          {"REDIS_URL", "redis://cache"},
                                          {"API_TOKEN", token.c_str()}}));
  ASSERT_EQ(with_rule(findings, kRuleEnvInvalid).size(), 2u);
  for (const auto& f : findings) {
    EXPECT_EQ(f.message.find("sk_test"), std::string::npos) << f.message;
    EXPECT_EQ(f.message.find(token), std::string::npos) << f.message;
    EXPECT_EQ(f.hint.find(token), std::string::npos) << f.hint;
  }
  const Finding* f = about(findings, kRuleEnvInvalid, "STRIPE_KEY");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("must start with sk_live_"), std::string::npos);
}

TEST(EnvCheck, HidesValuesThatHoldCredentialsWhateverTheName) {
  spec::Spec s = make_spec();
  VarSchema plain;
  plain.type = VarType::Url;
  plain.schemes = {"redis"};
  s.services[0].env_schema["CACHE"] = plain;
  const auto findings = check_env(s, s.services[0],
                                  env_of({{"STRIPE_KEY", "sk_live_abc"},
                                          {"REDIS_URL", "redis://cache"},
                                          {"CACHE", "postgresql://app:Xk29fLq8Zp@db/app"}}));
  const Finding* f = about(findings, kRuleEnvInvalid, "CACHE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message.find("Xk29fLq8Zp"), std::string::npos) << f->message;
}

TEST(EnvCheck, ChecksTheDefaultWhenAbsent) {
  spec::Spec s = make_spec();
  s.services[0].env_schema["POOL_SIZE"].default_value = "500";
  const auto findings = check_env(
      s, s.services[0], env_of({{"STRIPE_KEY", "sk_live_abc"}, {"REDIS_URL", "redis://c"}}));
  const Finding* f = about(findings, kRuleEnvInvalid, "POOL_SIZE");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("default"), std::string::npos);
}

TEST(EnvCheck, ReportsUnknownVariablesWithASuggestion) {
  const spec::Spec s = make_spec();
  const auto findings = check_env(
      s, s.services[0],
      env_of({{"STRIPE_KEY", "sk_live_abc"}, {"REDIS_URL", "redis://cache"}, {"POOL_SIZ", "10"}}));
  const Finding* f = about(findings, kRuleEnvUnknown, "POOL_SIZ");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Info);
  EXPECT_NE(f->message.find("POOL_SIZE"), std::string::npos) << f->message;
}

TEST(EnvCheck, ReportsDriftBothWays) {
  const spec::Spec s = make_spec();
  auto example = spec::parse_dotenv("STRIPE_KEY=\nREDIS_URL=\nSENTRY_DSN=\n", ".env.example");
  ASSERT_TRUE(example.ok());
  EnvCheckOptions options;
  options.example = *example;
  const auto findings = check_env(
      s, s.services[0],
      env_of({{"STRIPE_KEY", "sk_live_abc"}, {"REDIS_URL", "redis://cache"}, {"EXTRA", "1"}}),
      options);
  const auto missing = with_rule(findings, kRuleEnvDriftMissing);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->where, (Location{".env.example", 3, 1}));
  EXPECT_NE(missing[0]->message.find("SENTRY_DSN"), std::string::npos);
  const auto extra = with_rule(findings, kRuleEnvDriftExtra);
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra[0]->where, (Location{".env", 3, 1}));
  EXPECT_NE(extra[0]->message.find("EXTRA"), std::string::npos);
}

TEST(EnvCheck, DriftDoesNotRepeatAMissingRequiredVariable) {
  const spec::Spec s = make_spec();
  auto example = spec::parse_dotenv("REDIS_URL=\n", ".env.example");
  ASSERT_TRUE(example.ok());
  EnvCheckOptions options;
  options.example = *example;
  const auto findings =
      check_env(s, s.services[0], env_of({{"STRIPE_KEY", "sk_live_abc"}}), options);
  EXPECT_EQ(with_rule(findings, kRuleEnvMissing).size(), 1u);
  EXPECT_TRUE(with_rule(findings, kRuleEnvDriftMissing).empty());
}

TEST(EnvCheck, ProcessEnvironmentSkipsShellVariables) {
  const spec::Spec s = make_spec();
  EnvCheckOptions options;
  options.from_process = true;
  RealEnv env = env_of({{"STRIPE_KEY", "sk_live_abc"}, {"REDIS_URL", "redis://c"}});
  env["PATH"] = RealVar{"/usr/bin", {}};
  const auto findings = check_env(s, s.services[0], env, options);
  EXPECT_TRUE(findings.empty());
}

TEST(EnvCheck, MergesDotenvFilesLaterWins) {
  auto a = spec::parse_dotenv("A=1\nB=1\n", "a.env");
  auto b = spec::parse_dotenv("B=2\n", "b.env");
  ASSERT_TRUE(a.ok() && b.ok());
  const RealEnv env = real_env_from_dotenvs({*a, *b});
  EXPECT_EQ(env.at("A").value, "1");
  EXPECT_EQ(env.at("B").value, "2");
  EXPECT_EQ(env.at("B").where.file, "b.env");
}

TEST(EnvCheck, ReadsTheProcessEnvironment) {
  ::setenv("GANTRY_ENV_CHECK_TEST", "x=y", 1);
  const RealEnv env = real_env_from_process();
  ASSERT_TRUE(env.count("GANTRY_ENV_CHECK_TEST"));
  EXPECT_EQ(env.at("GANTRY_ENV_CHECK_TEST").value, "x=y");
  ::unsetenv("GANTRY_ENV_CHECK_TEST");
}

TEST(EnvCheck, ProductionFixture) {
  const std::string dir = std::string(GANTRY_FIXTURES) + "/env/";
  spec::LoadOptions load;
  load.file = dir + "gantry.yaml";
  load.environment = "production";
  load.interpolation = spec::Interpolation::Lenient;
  load.use_process_env = false;
  auto s = spec::load_spec(load);
  ASSERT_TRUE(s.ok()) << s.error().str();
  auto real = spec::load_dotenv(dir + ".env.production");
  auto example = spec::load_dotenv(dir + ".env.example");
  ASSERT_TRUE(real.ok() && example.ok());
  EnvCheckOptions options;
  options.example = *example;
  const auto findings =
      check_env(*s, *s->find_service("api"), real_env_from_dotenvs({*real}), options);

  // POOL_SIZE=8 breaks production's min of 10; the base schema alone would accept it.
  const Finding* pool = about(findings, kRuleEnvInvalid, "POOL_SIZE");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->message, "POOL_SIZE is \"8\" but must be an int from 10 to 50");
  EXPECT_EQ(pool->where.line, 2);
  EXPECT_NE(about(findings, kRuleEnvInvalid, "LOG_LEVEL"), nullptr);
  EXPECT_NE(about(findings, kRuleEnvInvalid, "FEATURE_FLAGS"), nullptr);
  EXPECT_NE(about(findings, kRuleEnvInvalid, "STRIPE_KEY"), nullptr);
  EXPECT_NE(about(findings, kRuleEnvUnknown, "UNUSED_VAR"), nullptr);
  EXPECT_EQ(about(findings, kRuleEnvMissing, "DATABASE_URL"), nullptr);  // set by the spec
  EXPECT_EQ(with_rule(findings, kRuleEnvDriftMissing).size(), 2u);       // DATABASE_URL, REDIS_URL
  EXPECT_EQ(with_rule(findings, kRuleEnvDriftExtra).size(), 2u);  // FEATURE_FLAGS, UNUSED_VAR
  for (const auto& f : findings) {
    EXPECT_EQ(f.message.find(kStripeValue), std::string::npos) << f.message;
  }
}

}  // namespace
}  // namespace gantry::lint
