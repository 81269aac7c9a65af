#include "core/strings.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

TEST(Strings, SuggestsTheClosestKeyForATypo) {
  const std::vector<std::string> keys = {"health", "hooks", "replicas", "restart", "port"};
  EXPECT_EQ(closest_match("helth", keys), "health");
  EXPECT_EQ(closest_match("replcias", keys), "replicas");
  EXPECT_EQ(closest_match("prot", keys), "port");
  EXPECT_EQ(closest_match("zzzzzzzz", keys), "");
  EXPECT_EQ(did_you_mean("helth", keys), ", did you mean 'health'?");
  EXPECT_EQ(did_you_mean("completely-different", keys), "");
}

TEST(Strings, SplitsCommandLinesLikeTheShell) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_command_line("gunicorn app:app --bind 0.0.0.0:8000"),
            (V{"gunicorn", "app:app", "--bind", "0.0.0.0:8000"}));
  EXPECT_EQ(split_command_line(R"(sh -c 'echo "hi there"' "a b" c\ d)"),
            (V{"sh", "-c", "echo \"hi there\"", "a b", "c d"}));
  EXPECT_EQ(split_command_line("  "), V{});
  EXPECT_EQ(split_command_line("''"), V{""});
}

TEST(Strings, PercentEncodesAllButUnreservedAndTheCallersPlainBytes) {
  EXPECT_EQ(percent_encode("a b/c~d_e.f-g"), "a%20b%2Fc~d_e.f-g");
  EXPECT_EQ(percent_encode("dir/file name.yaml", "/"), "dir/file%20name.yaml");
  EXPECT_EQ(percent_encode("p@ss+w%rd\xc3\xa9"), "p%40ss%2Bw%25rd%C3%A9");
  EXPECT_EQ(percent_encode(std::string("a\0b", 3), "/"), "a%00b");
}

TEST(Strings, QuotesOnlyWordsThatNeedIt) {
  EXPECT_EQ(shell_quote("plain-word"), "plain-word");
  EXPECT_EQ(shell_quote("two words"), "'two words'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(split_command_line(shell_quote("it's \"x\"")), std::vector<std::string>{"it's \"x\""});
}

TEST(Strings, MeasuresEntropy) {
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abab"), 1.0);
  EXPECT_GT(shannon_entropy("q8Zr2LxV0pNw7sKd4Tb1"), 4.0);
}

TEST(Strings, TellsTextFromBinary) {
  EXPECT_TRUE(looks_like_text("key: value\n\tnested: 1\n"));
  EXPECT_FALSE(looks_like_text(std::string("ab\0cd", 5)));
  EXPECT_FALSE(looks_like_text("\x01\x02\x03\x04\x05\x06"));
}

TEST(Strings, TrimsSplitsAndJoins) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
}

}  // namespace
}  // namespace gantry
