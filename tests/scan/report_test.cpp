// The scan reports: the text blocks and footer, JSON fields, SARIF 2.1.0 structure (the
// required properties and types of the schema for the parts gantry emits), and that no format
// ever holds the plaintext secret.
#include "scan/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "scan/fake_secrets.h"

namespace gantry::scan {
namespace {

using nlohmann::json;

struct Sample {
  std::vector<Rule> rules;
  Report report;
  std::string secret_a = testing::fake_token(
      "gh"
      "p_",
      testing::kAlnum, 36);
  std::string secret_b =
      "-----BEGIN "
      "PRIVATE KEY-----\n" +
      testing::fake(testing::kB64, 64) + "\n-----END";

  Sample() {
    Rule a;
    a.id = "github-pat";
    a.description = "GitHub personal access token (classic)";
    a.severity = Severity::High;
    a.tags = {"vcs", "github"};
    Rule b;
    b.id = "private-key";
    b.description = "private key block";
    b.severity = Severity::Critical;
    b.tags = {"key"};
    Rule c;
    c.id = "jwt";
    c.description = "JSON web token";
    c.severity = Severity::Medium;
    rules = {a, b, c};

    Finding f;
    f.rule_id = "github-pat";
    f.description = a.description;
    f.severity = Severity::High;
    f.path = "config/app.env";
    f.line = 2;
    f.column = 14;
    f.offset = 23;
    f.length = secret_a.size();
    f.secret = secret_a;
    f.fingerprint = "github-pat:config/app.env:0123456789abcdef";
    f.entropy = 5.1;
    f.commit = "1234567890abcdef1234567890abcdef12345678";
    f.author = "Ada Lovelace <ada@example.com>";
    f.commit_time = 1764645600;  // 2025-12-02 03:20:00 UTC
    Finding g;
    g.rule_id = "private-key";
    g.description = b.description;
    g.severity = Severity::Critical;
    g.path = "keys/my key.pem";
    g.line = 1;
    g.column = 1;
    g.length = secret_b.size();
    g.secret = secret_b;
    g.fingerprint = "private-key:keys/my key.pem:fedcba9876543210";
    report.findings = {f, g};
    report.source = ScanSource::GitHistory;
    report.stats.files = 10;
    report.stats.blobs = 10;
    report.stats.commits = 3;
    report.stats.bytes = 2'000'000;
    report.stats.seconds = 0.5;
    report.stats.skipped_binary = 1;
    report.stats.skipped_ignored = 2;
    report.suppressed = 1;
  }

  void expect_no_plaintext(const std::string& out) const {
    EXPECT_EQ(out.find(secret_a), std::string::npos);
    EXPECT_EQ(out.find(secret_a.substr(4, 12)), std::string::npos);
    EXPECT_EQ(out.find(secret_b.substr(28, 40)), std::string::npos);
  }
};

TEST(ScanReportText, OneBlockPerFindingWithRedactedSecretCommitAndFooter) {
  Sample s;
  const std::string out = format_text(s.report);
  s.expect_no_plaintext(out);
  EXPECT_NE(out.find("config/app.env:2:14  github-pat  high  GitHub personal access token "
                     "(classic)  secret=ghp_\u2026(40 chars)\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  commit 1234567890ab  Ada Lovelace <ada@example.com>  2025-12-02 "
                     "03:20:00 UTC\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("2 findings (1 critical, 1 high); 1 in the baseline\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("scanned 3 commits, 10 blobs, 2.00 MB in 0.500 s (4.0 MB/s); skipped 1 "
                     "binary, 0 large, 2 ignored"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("\033["), std::string::npos);  // no colour unless asked

  Report empty;
  EXPECT_EQ(format_text(empty).substr(0, 11), "0 findings\n");
}

TEST(ScanReportJson, HoldsEveryFieldButTheSecretAndTheStats) {
  Sample s;
  const std::string out = format_json(s.report);
  s.expect_no_plaintext(out);
  const auto doc = json::parse(out);
  EXPECT_EQ(doc["source"], "git-history");
  ASSERT_EQ(doc["findings"].size(), 2u);
  const auto& f = doc["findings"][0];
  for (const char* key :
       {"rule_id", "description", "severity", "path", "line", "column", "offset", "length",
        "redacted", "fingerprint", "entropy", "commit", "author", "commit_time"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  EXPECT_FALSE(f.contains("secret"));
  EXPECT_EQ(f["redacted"], "ghp_\u2026(40 chars)");
  EXPECT_EQ(f["line"], 2);
  EXPECT_EQ(f["severity"], "high");
  EXPECT_EQ(doc["summary"]["total"], 2);
  EXPECT_EQ(doc["summary"]["by_severity"]["critical"], 1);
  EXPECT_EQ(doc["summary"]["suppressed_by_baseline"], 1);
  EXPECT_EQ(doc["stats"]["files"], 10);
  EXPECT_EQ(doc["stats"]["bytes"], 2'000'000);
  EXPECT_EQ(doc["stats"]["skipped"]["binary"], 1);
  EXPECT_EQ(doc["stats"]["commits"], 3);
  EXPECT_DOUBLE_EQ(doc["stats"]["mb_per_second"].get<double>(), 4.0);
}

// The SARIF 2.1.0 schema's constraints on what gantry emits (sarif-schema-2.1.0.json):
// required properties, their JSON types, enums and minimums.
void check_message(const json& m, const std::string& where) {
  ASSERT_TRUE(m.is_object()) << where;
  ASSERT_TRUE(m.contains("text") && m["text"].is_string()) << where << ".text";
}

void check_sarif(const json& doc) {
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.contains("$schema") && doc["$schema"].is_string());
  ASSERT_EQ(doc["version"], "2.1.0");
  ASSERT_TRUE(doc["runs"].is_array());
  ASSERT_EQ(doc["runs"].size(), 1u);
  const json& run = doc["runs"][0];
  ASSERT_TRUE(run["tool"].is_object());
  const json& driver = run["tool"]["driver"];
  ASSERT_TRUE(driver.is_object());
  ASSERT_TRUE(driver["name"].is_string());
  ASSERT_TRUE(driver["version"].is_string());
  ASSERT_TRUE(driver["informationUri"].is_string());
  EXPECT_EQ(driver["informationUri"].get<std::string>().rfind("https://", 0), 0u);
  ASSERT_TRUE(driver["rules"].is_array());
  const std::set<std::string> levels = {"none", "note", "warning", "error"};
  std::set<std::string> ids;
  for (const auto& r : driver["rules"]) {
    ASSERT_TRUE(r["id"].is_string());
    EXPECT_TRUE(ids.insert(r["id"]).second) << "duplicate rule id " << r["id"];
    check_message(r["shortDescription"], "shortDescription");
    check_message(r["fullDescription"], "fullDescription");
    ASSERT_TRUE(r["defaultConfiguration"].is_object());
    EXPECT_TRUE(levels.count(r["defaultConfiguration"]["level"].get<std::string>()));
    ASSERT_TRUE(r["properties"]["tags"].is_array());
    std::set<std::string> tags;
    for (const auto& t : r["properties"]["tags"]) {
      ASSERT_TRUE(t.is_string());
      EXPECT_TRUE(tags.insert(t).second) << "tags must be unique";
    }
  }
  ASSERT_TRUE(run["results"].is_array());
  for (const auto& res : run["results"]) {
    ASSERT_TRUE(res.is_object());
    check_message(res["message"], "result.message");
    ASSERT_TRUE(res["ruleId"].is_string());
    ASSERT_TRUE(res["ruleIndex"].is_number_integer());
    const auto index = res["ruleIndex"].get<int>();
    ASSERT_GE(index, 0);
    ASSERT_LT(index, static_cast<int>(driver["rules"].size()));
    EXPECT_EQ(driver["rules"][index]["id"], res["ruleId"]);
    EXPECT_TRUE(levels.count(res["level"].get<std::string>()));
    ASSERT_TRUE(res["locations"].is_array());
    ASSERT_EQ(res["locations"].size(), 1u);
    const json& phys = res["locations"][0]["physicalLocation"];
    ASSERT_TRUE(phys["artifactLocation"]["uri"].is_string());
    const std::string uri = phys["artifactLocation"]["uri"];
    EXPECT_NE(uri.front(), '/');                   // relative
    EXPECT_EQ(uri.find('\\'), std::string::npos);  // forward slashes
    EXPECT_EQ(uri.find(' '), std::string::npos);   // a URI reference
    const json& region = phys["region"];
    for (const char* k : {"startLine", "startColumn", "endColumn"}) {
      ASSERT_TRUE(region[k].is_number_integer()) << k;
      EXPECT_GE(region[k].get<int>(), 1) << k;
    }
    if (region.contains("endLine")) {
      EXPECT_GE(region["endLine"], region["startLine"]);
    }
    ASSERT_TRUE(res["partialFingerprints"].is_object());
    for (const auto& [k, v] : res["partialFingerprints"].items()) EXPECT_TRUE(v.is_string()) << k;
    if (res.contains("properties")) {
      ASSERT_TRUE(res["properties"].is_object());
    }
  }
}

TEST(ScanReportSarif, FollowsTheSarif210SchemaForWhatItEmits) {
  Sample s;
  const std::string out = format_sarif(s.report, s.rules, "0.1.0");
  s.expect_no_plaintext(out);
  const auto doc = json::parse(out);
  check_sarif(doc);
  const json& run = doc["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "gantry");
  EXPECT_EQ(run["tool"]["driver"]["version"], "0.1.0");
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), 3u);
  EXPECT_EQ(run["tool"]["driver"]["rules"][2]["defaultConfiguration"]["level"], "warning");

  const json& a = run["results"][0];
  EXPECT_EQ(a["ruleId"], "github-pat");
  EXPECT_EQ(a["ruleIndex"], 0);
  EXPECT_EQ(a["level"], "error");
  EXPECT_EQ(a["partialFingerprints"]["gantry/v1"], "github-pat:config/app.env:0123456789abcdef");
  EXPECT_EQ(a["properties"]["commit"], "1234567890abcdef1234567890abcdef12345678");
  const json& region = a["locations"][0]["physicalLocation"]["region"];
  EXPECT_EQ(region["startLine"], 2);
  EXPECT_EQ(region["startColumn"], 14);
  EXPECT_EQ(region["endColumn"], 14 + 40);

  const json& b = run["results"][1];
  EXPECT_EQ(b["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "keys/my%20key.pem");
  EXPECT_EQ(b["locations"][0]["physicalLocation"]["region"]["endLine"], 3);  // a key block
  EXPECT_EQ(b["ruleIndex"], 1);
}

TEST(ScanReportSarif, LevelsFollowSeverity) {
  EXPECT_EQ(sarif_level(Severity::Critical), "error");
  EXPECT_EQ(sarif_level(Severity::High), "error");
  EXPECT_EQ(sarif_level(Severity::Medium), "warning");
  EXPECT_EQ(sarif_level(Severity::Low), "note");
}

TEST(ScanReportSarif, EmptyReportIsStillValid) {
  Sample s;
  Report empty;
  const auto doc = json::parse(format_sarif(empty, s.rules, "0.1.0"));
  check_sarif(doc);
  EXPECT_TRUE(doc["runs"][0]["results"].empty());
}

}  // namespace
}  // namespace gantry::scan
