// Tests for validate_value and is_secret_var: each type passes and fails, and a value never
// appears in a message.
#include "lint/env_schema.h"

#include <gtest/gtest.h>

#include <string>

namespace gantry::lint {
namespace {

using spec::VarSchema;
using spec::VarType;

VarSchema of(VarType type) {
  VarSchema s;
  s.type = type;
  return s;
}

TEST(EnvSchema, StringAcceptsAnything) {
  EXPECT_EQ(validate_value(of(VarType::String), "anything at all"), std::nullopt);
  EXPECT_EQ(validate_value(of(VarType::String), ""), std::nullopt);
}

TEST(EnvSchema, StringLengthLimits) {
  VarSchema s = of(VarType::String);
  s.min_length = 3;
  s.max_length = 5;
  EXPECT_EQ(validate_value(s, "abcd"), std::nullopt);
  EXPECT_EQ(validate_value(s, "ab").value_or(""), "must be at least 3 characters long");
  EXPECT_EQ(validate_value(s, "abcdef").value_or(""), "must be at most 5 characters long");
}

TEST(EnvSchema, IntWithRange) {
  VarSchema s = of(VarType::Int);
  s.min = 5;
  s.max = 50;
  EXPECT_EQ(validate_value(s, "10"), std::nullopt);
  EXPECT_EQ(validate_value(s, "+5"), std::nullopt);
  EXPECT_EQ(validate_value(s, "4").value_or(""), "must be an int from 5 to 50");
  EXPECT_EQ(validate_value(s, "51").value_or(""), "must be an int from 5 to 50");
  EXPECT_TRUE(validate_value(s, "10.5"));
  EXPECT_TRUE(validate_value(s, "ten"));
  EXPECT_TRUE(validate_value(s, ""));
  EXPECT_TRUE(validate_value(s, " 10"));
}

TEST(EnvSchema, IntWithOneBound) {
  VarSchema s = of(VarType::Int);
  s.min = 1;
  EXPECT_EQ(validate_value(s, "0").value_or(""), "must be an int of at least 1");
  EXPECT_EQ(validate_value(of(VarType::Int), "-3"), std::nullopt);
  EXPECT_TRUE(validate_value(of(VarType::Int), "99999999999999999999999"));
}

TEST(EnvSchema, NumberWithRange) {
  VarSchema s = of(VarType::Number);
  s.min = 0;
  s.max = 1.5;
  EXPECT_EQ(validate_value(s, "0.25"), std::nullopt);
  EXPECT_EQ(validate_value(s, "1e0"), std::nullopt);
  EXPECT_EQ(validate_value(s, "2").value_or(""), "must be a number from 0 to 1.5");
  EXPECT_TRUE(validate_value(s, "abc"));
  EXPECT_TRUE(validate_value(of(VarType::Number), "nan"));
  EXPECT_TRUE(validate_value(of(VarType::Number), "inf"));
}

TEST(EnvSchema, BoolWords) {
  const VarSchema s = of(VarType::Bool);
  for (const char* ok : {"true", "FALSE", "1", "0", "yes", "No", "True"}) {
    EXPECT_EQ(validate_value(s, ok), std::nullopt) << ok;
  }
  for (const char* bad : {"on", "off", "2", "", "y"}) {
    EXPECT_TRUE(validate_value(s, bad)) << bad;
  }
}

TEST(EnvSchema, UrlNeedsSchemeAndHost) {
  const VarSchema s = of(VarType::Url);
  EXPECT_EQ(validate_value(s, "https://example.com/path"), std::nullopt);
  EXPECT_EQ(validate_value(s, "redis://:pw@cache:6379/0"), std::nullopt);
  EXPECT_TRUE(validate_value(s, "example.com"));
  EXPECT_TRUE(validate_value(s, "https://"));
  EXPECT_TRUE(validate_value(s, "https:///path"));
  EXPECT_TRUE(validate_value(s, "1http://host"));
}

TEST(EnvSchema, UrlSchemeMismatchNamesBothSchemes) {
  VarSchema s = of(VarType::Url);
  s.schemes = {"postgresql", "postgres"};
  EXPECT_EQ(validate_value(s, "postgresql://u:p@db/app"), std::nullopt);
  EXPECT_EQ(validate_value(s, "POSTGRES://db/app"), std::nullopt);
  EXPECT_EQ(validate_value(s, "mysql://user:hunter2@db/app").value_or(""),
            "must be a url with scheme postgresql or postgres (got mysql)");
}

TEST(EnvSchema, EnumValues) {
  VarSchema s = of(VarType::Enum);
  s.values = {"debug", "info", "warn"};
  EXPECT_EQ(validate_value(s, "info"), std::nullopt);
  EXPECT_EQ(validate_value(s, "verbose").value_or(""), "must be one of debug, info, warn");
}

TEST(EnvSchema, RegexMustMatchWholeValue) {
  VarSchema s = of(VarType::String);
  s.regex = "[a-z]+-[0-9]+";
  EXPECT_EQ(validate_value(s, "abc-123"), std::nullopt);
  EXPECT_EQ(validate_value(s, "abc-123x").value_or(""), "must match regex [a-z]+-[0-9]+");
}

TEST(EnvSchema, InvalidRegexIsAMessageNotAThrow) {
  VarSchema s = of(VarType::String);
  s.regex = "([a-z";
  const auto problem = validate_value(s, "abc");
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("invalid"), std::string::npos);
}

TEST(EnvSchema, PrefixNeverEchoesTheValue) {
  VarSchema s = of(VarType::String);
  s.prefix = "sk_live_";
  s.secret = true;
  EXPECT_EQ(validate_value(s, "sk_live_abc"), std::nullopt);
  const auto problem = validate_value(s, "sk_test_4eC39HqLyjWDarjtT1zdp7dc");
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "must start with sk_live_");
  EXPECT_EQ(problem->find("sk_test"), std::string::npos);
}

TEST(EnvSchema, NoMessageHoldsTheSecretValue) {
  const std::string secret = "S3cr3tValue-9f8e7d6c5b4a";
  for (VarType t : {VarType::String, VarType::Int, VarType::Number, VarType::Bool, VarType::Url,
                    VarType::Enum}) {
    VarSchema s = of(t);
    s.values = {"a", "b"};
    s.schemes = {"https"};
    s.regex = "x+";
    s.prefix = "pk_";
    s.min_length = 100;
    const auto problem = validate_value(s, secret);
    ASSERT_TRUE(problem) << spec::name_of(t);
    EXPECT_EQ(problem->find("S3cr3t"), std::string::npos) << *problem;
  }
  VarSchema url = of(VarType::Url);
  url.schemes = {"https"};
  const auto problem = validate_value(url, "ftp://admin:" + secret + "@host");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->find(secret), std::string::npos) << *problem;
}

TEST(EnvSchema, VeryLongValueAgainstRegexDoesNotCrash) {
  VarSchema s = of(VarType::String);
  s.regex = "(a|b)*";
  EXPECT_TRUE(validate_value(s, std::string(100000, 'a')));
  EXPECT_EQ(validate_value(s, std::string(1000, 'a')), std::nullopt);
}

TEST(EnvSchema, SecretVarsByNameOrSchema) {
  VarSchema secret;
  secret.secret = true;
  EXPECT_TRUE(is_secret_var("STRIPE_KEY", &secret));
  EXPECT_TRUE(is_secret_var("DB_PASSWORD", nullptr));
  EXPECT_TRUE(is_secret_var("GITHUB_TOKEN", nullptr));
  EXPECT_FALSE(is_secret_var("LOG_LEVEL", nullptr));
  const VarSchema plain;
  EXPECT_FALSE(is_secret_var("POOL_SIZE", &plain));
}

TEST(EnvSchema, ValuesThatLookLikeCredentialsAreHidden) {
  EXPECT_TRUE(must_hide_value("DATABASE_URL", nullptr, "postgresql://app:pa55w0rdXyz@db/app"));
  EXPECT_FALSE(must_hide_value("DATABASE_URL", nullptr, "postgresql://app@db/app"));
  EXPECT_TRUE(must_hide_value("API_TOKEN", nullptr, "x"));
}

}  // namespace
}  // namespace gantry::lint
