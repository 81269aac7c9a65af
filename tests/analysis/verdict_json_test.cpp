// Verdict::to_json: the documented shape, nulls for numbers that do not exist.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/analysis.h"

namespace gantry::analysis {
namespace {

TEST(VerdictJson, FailedVerdictCarriesEverything) {
  Criteria c;
  c.success_rate_min = 0.99;
  c.statistical = true;
  const Sample baseline{1000, 0, 0, {{10'000, 900}, {20'000, 100}}};
  const Sample canary{1000, 400, 100, {{30'000, 900}, {60'000, 100}}};
  const auto j = nlohmann::json::parse(judge(c, baseline, canary).to_json());
  EXPECT_EQ(j["outcome"], "fail");
  EXPECT_EQ(j["reason"], "canary success rate 60.00% < min 99.00%");
  EXPECT_EQ(j["early"], false);
  EXPECT_EQ(j["baseline"]["requests"], 1000);
  EXPECT_EQ(j["baseline"]["p50_ms"], 10.0);
  EXPECT_EQ(j["baseline"]["p95_ms"], 20.0);
  EXPECT_EQ(j["canary"]["errors"], 400);
  EXPECT_EQ(j["canary"]["timeouts"], 100);
  EXPECT_DOUBLE_EQ(j["canary"]["error_rate"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(j["canary"]["success_rate"].get<double>(), 0.6);
  EXPECT_EQ(j["canary"]["p99_ms"], 60.0);
  ASSERT_EQ(j["checks"].size(), 3u);
  EXPECT_EQ(j["checks"][0]["name"], "success_rate");
  EXPECT_EQ(j["checks"][0]["ok"], false);
  EXPECT_DOUBLE_EQ(j["checks"][0]["limit"].get<double>(), 0.99);
  EXPECT_EQ(j["checks"][1]["name"], "judge_latency");
  const auto& s = j["statistics"];
  // Every canary sample is above every baseline sample: U = n1 n2.
  EXPECT_EQ(s["mann_whitney_u"], 1e6);
  EXPECT_EQ(s["exact"], false);
  EXPECT_LT(s["p_value"].get<double>(), 1e-100);
  EXPECT_EQ(s["hodges_lehmann_ms"], 20.0);  // 30ms - 10ms dominates
  EXPECT_GT(s["errors_z"].get<double>(), 10);
  EXPECT_NEAR(s["alpha"].get<double>(), 0.01, 1e-12);
}

TEST(VerdictJson, UnknownNumbersAreNull) {
  Criteria c;
  c.statistical = true;
  const auto j = nlohmann::json::parse(judge(c, Sample{}, Sample{100, 0, 0, {}}).to_json());
  EXPECT_EQ(j["outcome"], "pass");
  EXPECT_EQ(j["reason"], "");
  EXPECT_TRUE(j["baseline"]["error_rate"].is_null());
  EXPECT_TRUE(j["baseline"]["p95_ms"].is_null());
  EXPECT_TRUE(j["canary"]["p95_ms"].is_null());
  EXPECT_EQ(j["canary"]["success_rate"], 1.0);
  EXPECT_TRUE(j["statistics"]["p_value"].is_null());
  EXPECT_TRUE(j["statistics"]["errors_p_value"].is_null());
  EXPECT_EQ(j["checks"][0]["detail"], "no baseline");

  const auto early = nlohmann::json::parse(judge_early(c, Sample{}, Sample{}, 5).to_json());
  EXPECT_EQ(early["outcome"], "inconclusive");
  EXPECT_EQ(early["early"], true);
  EXPECT_TRUE(early["checks"].empty());
}

}  // namespace
}  // namespace gantry::analysis
