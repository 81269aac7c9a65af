#include "core/units.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

using std::chrono::milliseconds;

TEST(Units, ParsesDurationsWithEveryUnit) {
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(*parse_duration("2m"), milliseconds(120'000));
  EXPECT_EQ(*parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(*parse_duration("1m30s"), milliseconds(90'000));
  EXPECT_EQ(*parse_duration("0"), milliseconds(0));
}

TEST(Units, RejectsDurationsWithoutUnitOrWithJunk) {
  for (const char* bad : {"", "30", "s", "10 s", "-5s", "5x", "1h30", "ms"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("500ms, 30s, 2m, 1h30m"), std::string::npos) << bad;
  }
}

TEST(Units, FormatsDurationsBackToParsableText) {
  for (const char* text : {"500ms", "30s", "2m", "1h30m", "1.5s", "0s", "1h0m5s"}) {
    auto d = parse_duration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(*parse_duration(format_duration(*d)), *d) << text;
  }
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
}

TEST(Units, ParsesPercentages) {
  EXPECT_DOUBLE_EQ(*parse_percent("99%"), 0.99);
  EXPECT_DOUBLE_EQ(*parse_percent("99.5%"), 0.995);
  EXPECT_DOUBLE_EQ(*parse_percent("0%"), 0.0);
  EXPECT_FALSE(parse_percent("99"));
  EXPECT_FALSE(parse_percent("101%"));
  EXPECT_FALSE(parse_percent("%"));
  EXPECT_EQ(format_percent(0.995), "99.5%");
}

TEST(Units, ParsesSizesInBinaryAndDecimalUnits) {
  EXPECT_EQ(*parse_size("512Mi"), 512ull * 1024 * 1024);
  EXPECT_EQ(*parse_size("1Gi"), 1024ull * 1024 * 1024);
  EXPECT_EQ(*parse_size("100M"), 100'000'000ull);
  EXPECT_EQ(*parse_size("64k"), 64'000ull);
  EXPECT_EQ(*parse_size("1024"), 1024ull);
  EXPECT_FALSE(parse_size("12 parsecs"));
  EXPECT_FALSE(parse_size("Mi"));
  EXPECT_EQ(format_size(512ull * 1024 * 1024), "512Mi");
}

TEST(Units, AcceptsPortsOnlyInRange) {
  EXPECT_EQ(*parse_port("1"), 1);
  EXPECT_EQ(*parse_port("65535"), 65535);
  for (const char* bad : {"0", "65536", "-1", "80a", "", "99999999999"}) {
    auto r = parse_port(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("1 to 65535"), std::string::npos);
  }
}

}  // namespace
}  // namespace gantry
