// parse_deep_health: the JSON shape, tolerated variants, and errors a user can act on.
#include <gtest/gtest.h>

#include "probe/probe.h"

namespace gantry::probe {
namespace {

TEST(DeepHealth, ParsesStatusAndChecksInOrder) {
  auto d = parse_deep_health(R"({"status":"degraded","checks":{"zeta":{"status":"healthy"},)"
                             R"("alpha":{"status":"degraded","detail":"replica lag 30s"}}})");
  ASSERT_TRUE(d) << d.error().str();
  EXPECT_EQ(d->status, DeepStatus::Degraded);
  ASSERT_EQ(d->checks.size(), 2u);
  EXPECT_EQ(d->checks[0].name, "zeta");
  EXPECT_EQ(d->checks[1].name, "alpha");
  EXPECT_EQ(d->checks[1].status, DeepStatus::Degraded);
  EXPECT_EQ(d->checks[1].detail, "replica lag 30s");
}

TEST(DeepHealth, ChecksMayBeMissing) {
  auto d = parse_deep_health(R"({"status":"healthy"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, DeepStatus::Healthy);
  EXPECT_TRUE(d->checks.empty());
}

TEST(DeepHealth, ToleratesStringAndArrayChecksAndSynonyms) {
  auto d = parse_deep_health(R"({"status":"UP","checks":{"db":"down","cache":"ok"}})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, DeepStatus::Healthy);
  ASSERT_EQ(d->checks.size(), 2u);
  EXPECT_EQ(d->checks[0].status, DeepStatus::Unhealthy);
  EXPECT_EQ(d->checks[1].status, DeepStatus::Healthy);

  auto a = parse_deep_health(
      R"({"status":"warn","checks":[{"name":"queue","status":"warn","message":"backlog"},)"
      R"({"status":"pass"}]})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, DeepStatus::Degraded);
  ASSERT_EQ(a->checks.size(), 2u);
  EXPECT_EQ(a->checks[0].name, "queue");
  EXPECT_EQ(a->checks[0].detail, "backlog");
  EXPECT_EQ(a->checks[1].name, "check 2");
  EXPECT_EQ(a->checks[1].status, DeepStatus::Healthy);
}

TEST(DeepHealth, UnknownCheckStatusCountsAsUnhealthy) {
  auto d = parse_deep_health(R"({"status":"healthy","checks":{"db":{"status":"purple"}}})");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->checks.size(), 1u);
  EXPECT_EQ(d->checks[0].status, DeepStatus::Unhealthy);
  EXPECT_EQ(d->checks[0].detail, "unknown status 'purple'");
}

TEST(DeepHealth, RejectsWhatItCannotRead) {
  auto not_json = parse_deep_health("ok\n");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().message, "deep health: the body is not JSON");

  auto no_status = parse_deep_health(R"({"checks":{}})");
  ASSERT_FALSE(no_status);
  EXPECT_EQ(no_status.error().message, "deep health: no \"status\" string field");

  auto unknown = parse_deep_health(R"({"status":"meh"})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "deep health: unknown status 'meh' (expected healthy, degraded or unhealthy)");

  EXPECT_FALSE(parse_deep_health("[1,2]"));
  EXPECT_FALSE(parse_deep_health(R"({"status":"healthy","checks":3})"));
}

TEST(DeepHealth, StatusNamesRoundTrip) {
  for (auto s : {DeepStatus::Healthy, DeepStatus::Degraded, DeepStatus::Unhealthy}) {
    EXPECT_EQ(parse_deep_status(to_string(s)), s);
  }
  EXPECT_FALSE(parse_deep_status("sideways").has_value());
}

}  // namespace
}  // namespace gantry::probe
