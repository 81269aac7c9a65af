// Tests of ${VAR} interpolation: every form, strict and lenient, and malformed expressions.
#include "spec/interpolate.h"

#include <gtest/gtest.h>

#include <map>

namespace gantry::spec {
namespace {

const std::map<std::string, std::string, std::less<>> kVars = {
    {"HOST", "db.internal"}, {"EMPTY", ""}, {"PORT", "5432"}, {"B", "inner"}};

std::optional<std::string> lookup(std::string_view name) {
  auto it = kVars.find(name);
  if (it == kVars.end()) return std::nullopt;
  return it->second;
}

std::string strict(std::string_view text) {
  auto r = interpolate(text, lookup, false);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->text : "<error>";
}

std::string strict_error(std::string_view text) {
  auto r = interpolate(text, lookup, false);
  EXPECT_FALSE(r.ok()) << text << " interpolated to " << (r.ok() ? r->text : "");
  return r.ok() ? "" : r.error().message;
}

TEST(SpecInterpolate, ReplacesSetVariables) {
  EXPECT_EQ(strict("postgresql://${HOST}:${PORT}/app"), "postgresql://db.internal:5432/app");
  EXPECT_EQ(strict("${EMPTY}"), "");
  auto r = interpolate("${HOST}", lookup, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->changed);
  EXPECT_FALSE(r->unresolved);
}

TEST(SpecInterpolate, LeavesTextWithoutExpressionsAlone) {
  auto r = interpolate("plain $HOST text $", lookup, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "plain $HOST text $");  // bare $NAME is not an expression
  EXPECT_FALSE(r->changed);
}

TEST(SpecInterpolate, ColonDashDefaultsWhenUnsetOrEmpty) {
  EXPECT_EQ(strict("${MISSING:-info}"), "info");
  EXPECT_EQ(strict("${EMPTY:-info}"), "info");
  EXPECT_EQ(strict("${HOST:-x}"), "db.internal");
  EXPECT_EQ(strict("${MISSING:-}"), "");
}

TEST(SpecInterpolate, DashDefaultsOnlyWhenUnset) {
  EXPECT_EQ(strict("${MISSING-info}"), "info");
  EXPECT_EQ(strict("${EMPTY-info}"), "");
}

TEST(SpecInterpolate, DefaultsMayNest) {
  EXPECT_EQ(strict("${MISSING:-${B}}"), "inner");
  EXPECT_EQ(strict("${MISSING:-a-${MISSING2:-b}-c}"), "a-b-c");
}

TEST(SpecInterpolate, ColonQuestionFailsWithTheMessage) {
  EXPECT_EQ(strict_error("${MISSING:?set MISSING to the database host}"),
            "MISSING: set MISSING to the database host");
  EXPECT_EQ(strict_error("${EMPTY:?must not be empty}"), "EMPTY: must not be empty");
  EXPECT_EQ(strict("${HOST:?unused}"), "db.internal");
  EXPECT_EQ(strict("${EMPTY?only unset fails}"), "");
}

TEST(SpecInterpolate, DoubleDollarIsALiteralDollar) {
  EXPECT_EQ(strict("price: $$5, $${HOST}"), "price: $5, ${HOST}");
}

TEST(SpecInterpolate, StrictModeRejectsUnsetVariables) {
  const std::string m = strict_error("x ${MISSING} y");
  EXPECT_NE(m.find("${MISSING} is not set"), std::string::npos) << m;
  EXPECT_NE(m.find("${MISSING:-default}"), std::string::npos) << m;  // what would be valid
}

TEST(SpecInterpolate, LenientModeKeepsUnsetExpressionsAsWritten) {
  auto r = interpolate("a ${MISSING} ${HOST} ${NOPE:?msg}", lookup, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "a ${MISSING} db.internal ${NOPE:?msg}");
  EXPECT_TRUE(r->unresolved);
  EXPECT_TRUE(r->changed);
}

TEST(SpecInterpolate, NeverTouchesSecretReferences) {
  auto r = interpolate("secret://${HOST}", lookup, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "secret://${HOST}");
  EXPECT_FALSE(r->changed);
}

TEST(SpecInterpolate, RejectsMalformedExpressions) {
  EXPECT_NE(strict_error("${HOST").find("unterminated"), std::string::npos);
  EXPECT_NE(strict_error("${MISSING:-abc").find("unterminated"), std::string::npos);
  EXPECT_NE(strict_error("${}").find("variable name"), std::string::npos);
  EXPECT_NE(strict_error("${1X}").find("variable name"), std::string::npos);
  EXPECT_NE(strict_error("${HOST:+alt}").find("unsupported"), std::string::npos);
  // Lenient mode reports malformed text too: it is a mistake, not a missing value.
  EXPECT_FALSE(interpolate("${HOST", lookup, true).ok());
}

TEST(SpecInterpolate, RefusesNestingBeyondTheLimit) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "${A:-";
  text += std::string(40, '}');
  EXPECT_NE(strict_error(text).find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace gantry::spec
