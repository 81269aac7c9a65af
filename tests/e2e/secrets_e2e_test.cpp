// The vault end to end: `gantry init`, `gantry secrets set`, a spec that holds only
// secret://database-url, the real daemon resolving it into the replicas' environment at spawn,
// masking in the captured logs, the API and the store, a rotation rolling the service onto the
// new value through a recorded deployment, and `gantry up` refusing a reference it cannot
// resolve.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "e2e/rollout_fixture.h"

namespace gantry::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// NAME=value of /proc/PID/environ ("" when absent).
std::string environ_value(int pid, const std::string& name) {
  const std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
  const std::string key = name + "=";
  std::size_t at = 0;
  while (at < env.size()) {
    const auto end = env.find('\0', at);
    const std::string entry = env.substr(at, end == std::string::npos ? end : end - at);
    if (entry.rfind(key, 0) == 0) return entry.substr(key.size());
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

class SecretsE2e : public RolloutE2e {
 protected:
  void SetUp() override { ::unsetenv("GANTRY_MASTER_KEY"); }

  // Sets a secret from a file (never an argument), as a user would.
  RunResult set_secret(const std::string& verb, const std::string& name, const std::string& value) {
    const std::string file = dir_.file("value-" + name);
    std::ofstream(file, std::ios::binary) << value;
    auto r = gantry({"secrets", verb, name, "--from-file", file});
    std::filesystem::remove(file);
    return r;
  }

  void write_secret_spec(const std::string& secret_name) {
    write_spec(2,
               "    env:\n"
               "      DATABASE_URL: secret://" +
                   secret_name +
                   "\n"
                   "      APP_LOG_ENV: DATABASE_URL\n"
                   "    strategy: { rolling: { max_surge: 1, max_unavailable: 0 } }\n");
  }

  // Every replica of api runs with DATABASE_URL = value.
  bool all_replicas_have(const std::string& value) {
    const json s = service_now();
    if (!s.is_object() || s["replicas"].size() != 2) return false;
    for (const auto& r : s["replicas"]) {
      const int pid = r.value("pid", 0);
      if (pid <= 0 || r.value("readiness", "") != "ready") return false;
      if (environ_value(pid, "DATABASE_URL") != value) return false;
    }
    return true;
  }
};

TEST_F(SecretsE2e, ASecretReachesOnlyTheReplicasEnvironmentAndRotationRollsTheService) {
  // Built at run time: no literal credential in this repository.
  const std::string v1 = std::string("postgresql://app:") + "s3cr3t-Pw-" + "4f9a1c7e@db/shop";
  const std::string v2 = std::string("postgresql://app:") + "n3w-Pw-" + "8b2d6e0f@db/shop";

  auto init = gantry({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto set = set_secret("set", "database-url", v1);
  ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
  write_secret_spec("database-url");
  up_and_ready(2);
  ASSERT_TRUE(wait_until([&] { return all_replicas_have(v1); }, kDeadline)) << service_now().dump();

  // The app printed its DATABASE_URL at start; the log pump wrote *** instead.
  const std::string log0 = state() + "/logs/api-0.log";
  ASSERT_TRUE(wait_until([&] { return read_file(log0).find("DATABASE_URL=") != std::string::npos; },
                         kDeadline))
      << read_file(log0);
  EXPECT_NE(read_file(log0).find("DATABASE_URL=***"), std::string::npos) << read_file(log0);
  EXPECT_EQ(read_file(log0).find(v1), std::string::npos);
  auto logs = gantry({"logs", "api"});
  EXPECT_EQ(logs.out.find(v1), std::string::npos);

  // Nowhere else: not in the spec, the revisions, the API, or the store's file.
  EXPECT_EQ(read_file(spec_path()).find(v1), std::string::npos);
  EXPECT_EQ(api("/v1/revisions?service=api").dump().find(v1), std::string::npos);
  EXPECT_EQ(api("/v1/services/api").dump().find(v1), std::string::npos);
  EXPECT_EQ(read_file(state() + "/state.db").find(v1), std::string::npos);

  // Rotation: a new version, and the daemon rolls api onto it as a recorded deployment.
  auto rotated = set_secret("rotate", "database-url", v2);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
  EXPECT_NE(rotated.out.find("api"), std::string::npos) << rotated.out;
  ASSERT_TRUE(wait_until([&] { return all_replicas_have(v2); }, kDeadline)) << service_now().dump();
  const json d = newest_deployment();
  ASSERT_TRUE(d.is_object());
  EXPECT_NE(d.value("triggered_by", "").find("secret"), std::string::npos) << d.dump();
  EXPECT_EQ(wait_end(d.value("id", "")), "succeeded") << event_lines(d.value("id", ""));
  const json rotations = api("/v1/events?type=secret.rotated");
  ASSERT_TRUE(rotations.is_object() && rotations["events"].is_array()) << rotations.dump();
  ASSERT_EQ(rotations["events"].size(), 1u) << rotations.dump();
  EXPECT_EQ(rotations["events"][0]["data"].value("name", ""), "database-url");
  EXPECT_EQ(rotations["events"][0]["data"]["services"], json::array({"api"}));
  for (const auto& text :
       {api("/v1/events").dump(), read_file(state() + "/state.db"),
        read_file(state() + "/events.jsonl"), read_file(state() + "/daemon.log")}) {
    EXPECT_EQ(text.find(v1), std::string::npos);
    EXPECT_EQ(text.find(v2), std::string::npos);
  }
}

TEST_F(SecretsE2e, UpRefusesAReferenceItCannotResolve) {
  auto init = gantry({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  write_secret_spec("no-such-secret");
  auto r = up();
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("services.api"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("secret://no-such-secret"), std::string::npos) << r.err;
  EXPECT_TRUE(app_processes().empty());
}

TEST_F(SecretsE2e, UpWithoutAMasterKeySaysHowToMakeOne) {
  write_secret_spec("database-url");
  auto r = up();
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("secret://database-url"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gantry init"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gantry::testing
