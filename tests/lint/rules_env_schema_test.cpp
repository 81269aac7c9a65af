// env-schema and env-unknown as lint rules over spec values (validate_value itself is
// tested with env_schema.cpp).
#include <gtest/gtest.h>

#include "lint/spec_builder.h"

namespace gantry::lint {
namespace {

using namespace testing;

spec::VarSchema int_schema(double min, double max) {
  spec::VarSchema v;
  v.type = spec::VarType::Int;
  v.min = min;
  v.max = max;
  return v;
}

TEST(LintEnvSchema, FlagsAValueOutsideItsSchemaShowingTheValue) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.env["POOL_SIZE"] = literal("500");
  api.env_schema["POOL_SIZE"] = int_schema(5, 50);
  at(s, "services.api.env.POOL_SIZE", 15, 7);
  auto found = lint_rule(s, "env-schema");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where.line, 15);
  EXPECT_NE(found[0].message.find("POOL_SIZE=\"500\""), std::string::npos) << found[0].message;
}

TEST(LintEnvSchema, AcceptsAValueItsSchemaAllows) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.env["POOL_SIZE"] = literal("10");
  api.env_schema["POOL_SIZE"] = int_schema(5, 50);
  EXPECT_TRUE(lint_rule(s, "env-schema").empty());
}

TEST(LintEnvSchema, NeverPrintsASecretVarsValue) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.env["STRIPE_KEY"] = literal("rk-wrong-prefix-value");
  spec::VarSchema schema;
  schema.prefix = "sk_live_";
  schema.secret = true;
  api.env_schema["STRIPE_KEY"] = schema;
  auto found = lint_rule(s, "env-schema");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].message.find("rk-wrong-prefix-value"), std::string::npos) << found[0].message;
}

TEST(LintEnvSchema, FlagsARequiredVarThatIsMissing) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  spec::VarSchema schema;
  schema.type = spec::VarType::Url;
  schema.required = true;
  api.env_schema["DATABASE_URL"] = schema;
  at(s, "services.api.env_schema.DATABASE_URL", 20, 7);
  auto found = lint_rule(s, "env-schema");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where.line, 20);
  EXPECT_NE(found[0].message.find("DATABASE_URL is required"), std::string::npos);
}

TEST(LintEnvSchema, PointsAtTheEnvironmentsStricterSection) {
  auto s = make_spec("production");
  auto& api = add_service(s, "api", 10, 8080);
  spec::VarSchema schema;
  schema.required = true;
  api.env_schema["STRIPE_KEY"] = schema;
  at(s, "services.api.env_schema.production.STRIPE_KEY", 25, 9);
  auto found = lint_rule(s, "env-schema");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where.line, 25);
}

TEST(LintEnvSchema, AcceptsMissingVarsWithADefaultAndUnresolvedOrSecretValues) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  spec::VarSchema with_default = int_schema(5, 50);
  with_default.required = true;
  with_default.default_value = "10";
  api.env_schema["POOL_SIZE"] = with_default;

  spec::VarSchema url;
  url.type = spec::VarType::Url;
  url.required = true;
  api.env_schema["DATABASE_URL"] = url;
  api.env["DATABASE_URL"] = literal("secret://database-url");

  spec::VarSchema workers = int_schema(1, 8);
  workers.required = true;
  api.env_schema["WORKERS"] = workers;
  spec::EnvValue unresolved;
  unresolved.raw = unresolved.value = "${WORKERS}";
  unresolved.interpolated = unresolved.unresolved = true;
  api.env["WORKERS"] = unresolved;
  EXPECT_TRUE(lint_rule(s, "env-schema").empty());
}

TEST(LintEnvSchema, FlagsADefaultThatBreaksItsOwnSchema) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  spec::VarSchema schema = int_schema(5, 50);
  schema.default_value = "2";
  api.env_schema["POOL_SIZE"] = schema;
  EXPECT_EQ(lint_rule(s, "env-schema").size(), 1u);
}

TEST(LintEnvUnknown, FlagsVarsNotInANonEmptySchema) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.env_schema["POOL_SIZE"] = int_schema(5, 50);
  api.env["POOL_SIZE"] = literal("10");
  api.env["POOL_SIZ"] = literal("10");
  api.env["PORT"] = literal("9000");
  auto found = lint_rule(s, "env-unknown");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::Info);
  EXPECT_NE(found[0].message.find("POOL_SIZ "), std::string::npos) << found[0].message;
}

TEST(LintEnvUnknown, IgnoresVarsOfServicesWithoutASchema) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.env["ANYTHING"] = literal("1");
  EXPECT_TRUE(lint_rule(s, "env-unknown").empty());
}

}  // namespace
}  // namespace gantry::lint
