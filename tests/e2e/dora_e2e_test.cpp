// DORA end to end: a project in a real git repository, the real daemon, deployments that read
// their commit time from git, take it from --commit-time or leave it unknown, one that rolls
// back and one that restores it; then `gantry dora` from the daemon and, once it stopped, from
// the state dir's store, with the same numbers.
#include <stdio.h>

#include <cmath>

#include "core/timestamp.h"
#include "e2e/rollout_fixture.h"

namespace gantry::testing {
namespace {

constexpr std::int64_t kCommitMs = 1767323045LL * 1000;  // 2026-01-02T03:04:05Z
constexpr std::int64_t kGivenMs = 1767571200LL * 1000;   // 2026-01-05T00:00:00Z

// A shell command's stdout (test set-up only), without the trailing newline.
std::string output_of(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

json parsed(const RunResult& r) { return json::parse(r.out, nullptr, false); }

json the_deployment(const RunResult& r) {
  const json out = parsed(r);
  if (!out.is_object() || !out["deployments"].is_array() || out["deployments"].size() != 1)
    return json();
  return out["deployments"][0];
}

std::int64_t ms_of(const json& rfc3339) {
  if (!rfc3339.is_string()) return 0;
  auto ms = parse_timestamp(rfc3339.get<std::string>());
  return ms ? *ms : 0;
}

class DoraE2e : public RolloutE2e {
 protected:
  // The project's folder as a git repository with one commit of the spec, made at kCommitMs.
  std::string commit_spec() {
    const std::string q = "'" + dir_.path() + "'";
    const std::string git = "git -C " + q + " -c user.name=gantry-test -c user.email=t@example.com";
    EXPECT_EQ(std::system(("git init -q " + q).c_str()), 0);
    EXPECT_EQ(std::system((git + " add gantry.yaml").c_str()), 0);
    const std::string dates =
        "GIT_AUTHOR_DATE='@1767323045 +0000' "
        "GIT_COMMITTER_DATE='@1767323045 +0000' ";
    EXPECT_EQ(std::system((dates + git + " commit -q --no-gpg-sign -m spec").c_str()), 0);
    return output_of("git -C " + q + " rev-parse HEAD");
  }

  // The deployment.started data of deployment id.
  json started(const std::string& id) {
    auto list = events(id, "deployment.started");
    return list.size() == 1 ? list[0] : json();
  }

  json dora() {
    auto r = gantry({"dora", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return parsed(r);
  }
};

TEST_F(DoraE2e, CommitTimesFromGitAndTheFlagGiveLeadTimeAndARollbackIsRestored) {
  // Canary from the spec (holds long enough for the crash rule); the deploys meant to succeed
  // override it with rolling.
  write_spec(1,
             "    strategy:\n"
             "      canary:\n"
             "        steps: [ {weight: 50}, {pause: 30s}, {weight: 100} ]\n");
  const std::string sha = commit_spec();
  ASSERT_EQ(sha.size(), 40u) << sha;
  up_and_ready(1);

  // 1. --commit SHA alone: the daemon reads the committer time from git.
  auto v2 =
      deploy({"--version", "v2", "--commit", sha, "--strategy", "rolling", "--format", "json"});
  ASSERT_EQ(v2.exit_code, 0) << v2.out << v2.err;
  const json d2 = the_deployment(v2);
  ASSERT_EQ(d2.value("status", ""), "succeeded") << v2.out;
  EXPECT_EQ(started(d2["id"])["commit_time"], "2026-01-02T03:04:05.000Z") << event_lines(d2["id"]);

  // 2. A commit git does not know: the time stays unknown, the deploy goes on and says why.
  auto v3 = deploy({"--version", "v3", "--commit", "0badc0ffee", "--set", "APP_CRASH_AFTER=300ms",
                    "--format", "json"});
  EXPECT_EQ(v3.exit_code, 3) << v3.out << v3.err;
  const json d3 = the_deployment(v3);
  ASSERT_EQ(d3.value("status", ""), "rolled_back") << v3.out;
  const json s3 = started(d3["id"]);
  EXPECT_TRUE(s3["commit_time"].is_null()) << s3.dump();
  EXPECT_NE(s3.value("commit_time_note", "").find("0badc0ffee"), std::string::npos) << s3.dump();

  // 3. --commit-time wins over git, and this deployment restores the rolled back one.
  auto v4 = deploy({"--version", "v4", "--commit", sha, "--commit-time", "2026-01-05T00:00:00Z",
                    "--strategy", "rolling", "--format", "json"});
  ASSERT_EQ(v4.exit_code, 0) << v4.out << v4.err;
  const json d4 = the_deployment(v4);
  ASSERT_EQ(d4.value("status", ""), "succeeded") << v4.out;
  EXPECT_EQ(started(d4["id"])["commit_time"], "2026-01-05T00:00:00.000Z");

  // `gantry dora` through the daemon: the up row counts for nothing.
  const json live = dora();
  ASSERT_TRUE(live.is_object());
  EXPECT_EQ(live["environment"], "");
  EXPECT_EQ(live["deployment_frequency"]["deployments"], 2) << live.dump(2);
  EXPECT_EQ(live["change_failure_rate"]["failed"], 1);
  EXPECT_EQ(live["change_failure_rate"]["rolled_back"], 1);
  EXPECT_EQ(live["change_failure_rate"]["total"], 3);
  EXPECT_EQ(live["change_failure_rate"]["rate"], 0.3333);
  EXPECT_EQ(live["change_failure_rate"]["band"], "low");

  // Lead times: v2 ended minus the git time, v4 ended minus the given time; the nearest-rank
  // median of two is the smaller, the p90 the larger.
  const std::int64_t lead2 = ms_of(d2["completed_at"]) - kCommitMs;
  const std::int64_t lead4 = ms_of(d4["completed_at"]) - kGivenMs;
  const json& lt = live["lead_time"];
  EXPECT_EQ(lt["samples"], 2) << lt.dump();
  EXPECT_EQ(std::llround(lt["median_seconds"].get<double>() * 1000), std::min(lead2, lead4));
  EXPECT_EQ(std::llround(lt["p90_seconds"].get<double>() * 1000), std::max(lead2, lead4));
  EXPECT_EQ(lt["band"], "low");  // commits from January: months before the deploy

  // Restore: from v3's rollback to v4's success.
  const json& ttr = live["time_to_restore"];
  EXPECT_EQ(ttr["samples"], 1) << ttr.dump();
  EXPECT_EQ(ttr["open"], 0);
  EXPECT_EQ(std::llround(ttr["median_seconds"].get<double>() * 1000),
            ms_of(d4["completed_at"]) - ms_of(d3["completed_at"]));
  EXPECT_EQ(ttr["band"], "elite");

  // A bad window is refused before anything is asked.
  auto bad = gantry({"dora", "--since", "a fortnight"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("30d"), std::string::npos) << bad.err;

  // Without the daemon: the same numbers, read from the state dir's store.
  ASSERT_EQ(gantry({"stop", "--timeout", "20s"}).exit_code, 0);
  const json offline = dora();
  ASSERT_TRUE(offline.is_object());
  for (const char* key :
       {"environment", "deployment_frequency", "lead_time", "change_failure_rate"}) {
    EXPECT_EQ(offline[key], live[key]) << key;
  }
  EXPECT_EQ(offline["time_to_restore"], live["time_to_restore"]);
  auto text = gantry({"dora"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("No daemon is running"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("33.3% (1/3)"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace gantry::testing
