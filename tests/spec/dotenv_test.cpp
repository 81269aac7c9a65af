// Tests for the dotenv parser: every quoting form, export, comments, multi-line values, CRLF,
// a BOM, repeated keys, and located errors.
#include "spec/dotenv.h"

#include <gtest/gtest.h>

#include <string>

namespace gantry::spec {
namespace {

Dotenv parse_ok(std::string_view text) {
  auto r = parse_dotenv(text, ".env");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? *r : Dotenv{};
}

std::string value_of(const Dotenv& d, std::string_view key) {
  const DotenvEntry* e = d.find(key);
  EXPECT_NE(e, nullptr) << key;
  return e ? e->value : "<absent>";
}

TEST(Dotenv, ReadsPlainAssignments) {
  const Dotenv d = parse_ok("A=1\nB=hello world\n");
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.entries[0].key, "A");
  EXPECT_EQ(value_of(d, "A"), "1");
  EXPECT_EQ(value_of(d, "B"), "hello world");
  EXPECT_EQ(d.file, ".env");
}

TEST(Dotenv, RecordsKeyLocations) {
  const Dotenv d = parse_ok("# header\n\n  export   PORT=8080\nA=1");
  EXPECT_EQ(d.find("PORT")->where, (Location{".env", 3, 12}));
  EXPECT_EQ(d.find("A")->where, (Location{".env", 4, 1}));
}

TEST(Dotenv, AcceptsWhitespaceAroundEquals) {
  const Dotenv d = parse_ok("A = 1\nB\t=\t two  \n");
  EXPECT_EQ(value_of(d, "A"), "1");
  EXPECT_EQ(value_of(d, "B"), "two");
}

TEST(Dotenv, StripsExportPrefix) {
  const Dotenv d = parse_ok("export A=1\nexport\tB='x'\n");
  EXPECT_EQ(value_of(d, "A"), "1");
  EXPECT_EQ(value_of(d, "B"), "x");
}

TEST(Dotenv, KeyNamedExportIsAKey) {
  const Dotenv d = parse_ok("export=1\nexport = 2\n");
  EXPECT_EQ(value_of(d, "export"), "2");
}

TEST(Dotenv, SkipsCommentsAndBlankLines) {
  const Dotenv d = parse_ok("# comment\n   # indented\n\n\t\nA=1 # trailing comment\nB=a#b\n");
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(value_of(d, "A"), "1");
  EXPECT_EQ(value_of(d, "B"), "a#b");  // '#' without a blank before it is part of the value
}

TEST(Dotenv, HashRightAfterEqualsIsAValue) {
  const Dotenv d = parse_ok("COLOR=#ff0000\nEMPTY= # nothing here\n");
  EXPECT_EQ(value_of(d, "COLOR"), "#ff0000");
  EXPECT_EQ(value_of(d, "EMPTY"), "");
}

TEST(Dotenv, SingleQuotesAreLiteral) {
  const Dotenv d = parse_ok("A='a \\n $HOME \"q\" # not a comment'  # comment\n");
  EXPECT_EQ(value_of(d, "A"), "a \\n $HOME \"q\" # not a comment");
}

TEST(Dotenv, BackticksAreLiteral) {
  const Dotenv d = parse_ok("A=`it's \"quoted\"`\n");
  EXPECT_EQ(value_of(d, "A"), "it's \"quoted\"");
}

TEST(Dotenv, DoubleQuotesProcessEscapes) {
  const Dotenv d = parse_ok(R"(A="line1\nline2\ttab\r \"q\" back\\slash \$HOME # kept" # gone)");
  EXPECT_EQ(value_of(d, "A"), "line1\nline2\ttab\r \"q\" back\\slash $HOME # kept");
}

TEST(Dotenv, UnknownEscapesStayAsWritten) {
  const Dotenv d = parse_ok(R"(P="C:\dir\x")");
  EXPECT_EQ(value_of(d, "P"), "C:\\dir\\x");
}

TEST(Dotenv, DoubleQuotedValuesSpanLines) {
  const Dotenv d = parse_ok("KEY=\"-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----\"\nNEXT=1\n");
  EXPECT_EQ(value_of(d, "KEY"), "-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----");
  EXPECT_EQ(d.find("NEXT")->where.line, 5);
}

TEST(Dotenv, SingleQuotedValuesSpanLines) {
  const Dotenv d = parse_ok("A='x\ny'\n");
  EXPECT_EQ(value_of(d, "A"), "x\ny");
}

TEST(Dotenv, KeepsEmptyValues) {
  const Dotenv d = parse_ok("A=\nB=''\nC=\"\"\nD=");
  EXPECT_EQ(value_of(d, "A"), "");
  EXPECT_EQ(value_of(d, "B"), "");
  EXPECT_EQ(value_of(d, "C"), "");
  EXPECT_EQ(value_of(d, "D"), "");
}

TEST(Dotenv, TrimsUnquotedValues) {
  const Dotenv d = parse_ok("A=   padded value   \n");
  EXPECT_EQ(value_of(d, "A"), "padded value");
}

TEST(Dotenv, HandlesCrlfLineEndings) {
  const Dotenv d = parse_ok("A=1\r\nB=\"x\r\ny\"\r\nC='z'\r\n# c\r\nD=2 # c\r\n");
  EXPECT_EQ(value_of(d, "A"), "1");
  EXPECT_EQ(value_of(d, "B"), "x\ny");
  EXPECT_EQ(value_of(d, "C"), "z");
  EXPECT_EQ(value_of(d, "D"), "2");
  EXPECT_EQ(d.find("D")->where.line, 6);
}

TEST(Dotenv, SkipsUtf8Bom) {
  const Dotenv d = parse_ok(
      "\xEF\xBB\xBF"
      "A=1\n");
  EXPECT_EQ(value_of(d, "A"), "1");
  EXPECT_EQ(d.find("A")->where, (Location{".env", 1, 1}));
}

TEST(Dotenv, AcceptsDotsAndDashesInKeys) {
  const Dotenv d = parse_ok("spring.datasource.url=x\nMY-KEY=y\n_PRIVATE=z\n");
  EXPECT_EQ(value_of(d, "spring.datasource.url"), "x");
  EXPECT_EQ(value_of(d, "MY-KEY"), "y");
  EXPECT_EQ(value_of(d, "_PRIVATE"), "z");
}

TEST(Dotenv, RepeatedKeyKeepsLastValueAndLocation) {
  const Dotenv d = parse_ok("A=1\nB=2\nA=3\n");
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(value_of(d, "A"), "3");
  EXPECT_EQ(d.find("A")->where.line, 3);
  EXPECT_EQ(d.entries.back().key, "A");
}

TEST(Dotenv, UnterminatedDoubleQuoteNamesTheOpeningQuote) {
  auto r = parse_dotenv("A=1\nB=  \"never closed\nC=2\n", ".env.production");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, (Location{".env.production", 2, 5}));
  EXPECT_NE(r.error().message.find("unterminated double quote"), std::string::npos);
  EXPECT_EQ(r.error().str().rfind(".env.production:2:5: ", 0), 0u) << r.error().str();
}

TEST(Dotenv, UnterminatedSingleQuoteNamesTheOpeningQuote) {
  auto r = parse_dotenv("\n\nKEY='abc\n", ".env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, (Location{".env", 3, 5}));
  EXPECT_NE(r.error().message.find("single"), std::string::npos);
}

TEST(Dotenv, EscapedQuoteDoesNotCloseTheValue) {
  auto r = parse_dotenv("A=\"abc\\\"\n", ".env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, (Location{".env", 1, 3}));
}

TEST(Dotenv, LineWithoutEqualsIsAnError) {
  auto r = parse_dotenv("A=1\nJUSTAWORD\n", ".env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where.line, 2);
  EXPECT_NE(r.error().message.find("JUSTAWORD"), std::string::npos);
}

TEST(Dotenv, InvalidKeyIsAnError) {
  for (const char* text : {"1ABC=x", "A$B=x", "=x", "A B=x"}) {
    auto r = parse_dotenv(text, ".env");
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().where.line, 1) << text;
    }
  }
  auto r = parse_dotenv("OK=1\n  9LIVES=x\n", ".env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, (Location{".env", 2, 3}));
}

TEST(Dotenv, TextAfterClosingQuoteIsAnError) {
  auto r = parse_dotenv("A=\"x\"y\n", ".env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, (Location{".env", 1, 6}));
}

TEST(Dotenv, LoadsAFixtureFile) {
  auto r = load_dotenv(std::string(GANTRY_FIXTURES) + "/env/tricky.env");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(value_of(*r, "DATABASE_URL"), "postgresql://app@db.internal:5432/shop");
  EXPECT_EQ(value_of(*r, "GREETING"), "Hello, \"world\"!\nSecond line");
  EXPECT_EQ(value_of(*r, "LITERAL"), "$NOT_EXPANDED \\n");
  EXPECT_EQ(value_of(*r, "WITH_HASH"), "abc#123");
  EXPECT_EQ(value_of(*r, "LOG_LEVEL"), "info");
  EXPECT_EQ(value_of(*r, "EMPTY"), "");
  EXPECT_EQ(value_of(*r, "PRIVATE_KEY"),
            "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n"
            "-----END PRIVATE KEY-----");
  EXPECT_EQ(value_of(*r, "POOL_SIZE"), "20");
}

TEST(Dotenv, MissingFileIsAnError) {
  auto r = load_dotenv(std::string(GANTRY_FIXTURES) + "/env/does-not-exist.env");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace gantry::spec
