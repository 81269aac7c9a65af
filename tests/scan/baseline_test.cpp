// Baselines: fingerprints read back from the JSON and SARIF reports gantry writes, known
// findings hidden, a new one kept; the baseline file written atomically.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "scan/fake_secrets.h"
#include "scan/report.h"
#include "support/poll.h"
#include "support/temp_dir.h"

namespace gantry::scan {
namespace {

Finding finding(const std::string& path, const std::string& fingerprint) {
  Finding f;
  f.rule_id = "github-pat";
  f.description = "GitHub personal access token (classic)";
  f.path = path;
  f.line = 1;
  f.column = 1;
  f.secret = testing::fake_token(
      "gh"
      "p_",
      testing::kAlnum, 36);
  f.length = f.secret.size();
  f.fingerprint = fingerprint;
  return f;
}

TEST(ScanBaseline, SuppressesKnownFindingsAndKeepsANewOne) {
  testing::TempDir dir("gantry-baseline");
  const std::vector<Finding> known = {finding("a.env", "github-pat:a.env:1111"),
                                      finding("b.env", "github-pat:b.env:2222")};
  const std::string file = dir / "baseline.json";
  ASSERT_TRUE(write_baseline(file, known).ok());
  const std::string text = testing::read_file(file);
  EXPECT_EQ(text.find(known[0].secret), std::string::npos);  // a baseline is a report too
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "baseline.json") << "temp file left behind";
  }

  auto baseline = load_baseline(file);
  ASSERT_TRUE(baseline.ok()) << baseline.error().str();
  EXPECT_EQ(baseline->fingerprints.size(), 2u);

  std::vector<Finding> now = {finding("a.env", "github-pat:a.env:1111"),
                              finding("c.env", "github-pat:c.env:3333"),
                              finding("b.env", "github-pat:b.env:2222")};
  EXPECT_EQ(apply_baseline(*baseline, now), 2u);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].path, "c.env");
}

TEST(ScanBaseline, ReadsASarifReport) {
  Report report;
  report.findings = {finding("x.env", "github-pat:x.env:4444")};
  Rule r;
  r.id = "github-pat";
  r.description = "GitHub personal access token (classic)";
  auto baseline = parse_baseline(format_sarif(report, {r}, "0.1.0"), "old.sarif");
  ASSERT_TRUE(baseline.ok()) << baseline.error().str();
  EXPECT_EQ(baseline->fingerprints.count("github-pat:x.env:4444"), 1u);
}

TEST(ScanBaseline, RefusesWhatIsNoReportWithTheFileName) {
  auto a = parse_baseline("not json", "base.json");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().str().find("base.json"), std::string::npos);
  auto b = parse_baseline("{\"something\": 1}", "base.json");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("findings"), std::string::npos);
  auto c = load_baseline("/nonexistent/baseline.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace gantry::scan
