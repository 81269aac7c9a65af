// The event stream and the TCP API end to end: `gantry up` with `api: {listen: 127.0.0.1:0}`
// writes STATE_DIR/api.addr; a token from `gantry tokens create` works there until it is
// revoked; `gantry events` prints JSON lines; `gantry events -f` (a child process) prints
// events that happen after it started; STATE_DIR/events.jsonl holds the same events.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/run_gantry.h"
#include "support/poll.h"
#include "support/tcp_http.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

// One HTTP/1.1 request to 127.0.0.1:port on a fresh connection; the status and the body.
std::pair<int, std::string> http(int port, const std::string& method, const std::string& target,
                                 const std::string& token = "") {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  auto r = tcp_request("127.0.0.1:" + std::to_string(port), method, target, headers);
  return {r.status, r.body};
}

// The JSON objects of a text of JSON lines; a line that is not one fails the test.
std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

// `gantry ARGS...` left running, its stdout read as it comes (gantry events -f).
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 2);
      std::vector<std::string> copy = args;
      std::string bin = GANTRY_BINARY;
      std::vector<char*> argv{bin.data()};
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::setenv("NO_COLOR", "1", 1);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
  }
  ~Child() {
    kill();
    if (fd_ >= 0) ::close(fd_);
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Reads what has come so far (waits at most `wait` for the first byte); all of it, kept.
  const std::string& read(std::chrono::milliseconds wait = std::chrono::milliseconds(50)) {
    pollfd p{fd_, POLLIN, 0};
    while (fd_ >= 0 && ::poll(&p, 1, static_cast<int>(wait.count())) > 0) {
      char buf[8192];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      out_.append(buf, static_cast<std::size_t>(n));
      wait = std::chrono::milliseconds(0);
    }
    return out_;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

class EventsE2eTest : public ::testing::Test {
 protected:
  void TearDown() override {
    run_gantry({"stop", "--state-dir", state()});
    std::ifstream in(state() + "/daemon.pid");
    int daemon = 0;
    in >> daemon;
    if (daemon > 0 && alive(daemon)) ::kill(daemon, SIGKILL);
  }

  std::string state() const { return dir_.file("state"); }
  std::string spec_path() const { return dir_.file("gantry.yaml"); }

  // One service of the example app (2 replicas) and the TCP API on a free port.
  void write_spec() {
    std::ofstream(spec_path())
        << "project: e2e\n"
           "api: { listen: \"127.0.0.1:0\" }\n"
           "services:\n"
           "  api:\n"
           "    command: [\""
        << GANTRY_EXAMPLE_APP
        << "\", \"--port\", \"${PORT}\"]\n"
           "    port: "
        << free_port()
        << "\n"
           "    replicas: 2\n"
           "    stop_timeout: 2s\n"
           "    health:\n"
           "      readiness: { http: /health/ready, period: 200ms, timeout: 150ms, "
           "failure_threshold: 1 }\n";
  }

  void start() {
    write_spec();
    auto r = run_gantry({"up", "-f", spec_path(), "--state-dir", state(), "--detach"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_TRUE(wait_until(
        [&] {
          auto s = run_gantry({"status", "--state-dir", state(), "--format", "json"});
          if (s.exit_code != 0) return false;
          auto j = json::parse(s.out, nullptr, false);
          return j.is_object() && j["services"].size() == 1 && j["services"][0]["ready"] == 2;
        },
        std::chrono::seconds(30)))
        << "api never got 2 ready replicas";
  }

  int api_port() const {
    std::string addr = read_file(state() + "/api.addr");
    const auto colon = addr.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(addr.c_str() + colon + 1);
  }

  std::vector<json> events(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"events", "--state-dir", state(), "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_gantry(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return json_lines(r.out);
  }

  TempDir dir_;
};

TEST_F(EventsE2eTest, UpWritesApiAddrAndATokenFromGantryTokensWorksThere) {
  start();
  if (HasFatalFailure()) return;
  const std::string addr = read_file(state() + "/api.addr");
  EXPECT_EQ(addr.rfind("127.0.0.1:", 0), 0u) << addr;
  const int port = api_port();
  ASSERT_GT(port, 0) << addr;

  EXPECT_EQ(http(port, "GET", "/v1/status").first, 401);
  auto created = run_gantry({"tokens", "create", "x", "--scope", "admin", "--state-dir", state()});
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  std::string token = created.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  ASSERT_EQ(token.rfind("gty_", 0), 0u) << "the token alone on stdout: " << created.out;
  EXPECT_EQ(created.err.find(token), std::string::npos) << "the token went to stderr too";

  auto status = http(port, "GET", "/v1/status", token);
  ASSERT_EQ(status.first, 200) << status.second;
  EXPECT_EQ(json::parse(status.second, nullptr, false)["project"], "e2e");
  auto page = http(port, "GET", "/v1/events?tail=3", token);
  ASSERT_EQ(page.first, 200) << page.second;
  EXPECT_EQ(json::parse(page.second, nullptr, false)["events"].size(), 3u) << page.second;

  auto list = run_gantry({"tokens", "list", "--state-dir", state()});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("x"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("admin"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(token.substr(17)), std::string::npos) << "a secret was listed";

  auto taken = run_gantry({"tokens", "create", "x", "--state-dir", state()});
  EXPECT_NE(taken.exit_code, 0) << "a taken name: " << taken.out;

  auto revoked = run_gantry({"tokens", "revoke", "x", "--state-dir", state()});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.out << revoked.err;
  EXPECT_EQ(http(port, "GET", "/v1/status", token).first, 401);

  auto stop = run_gantry({"stop", "--state-dir", state()});
  EXPECT_EQ(stop.exit_code, 0) << stop.out << stop.err;
  EXPECT_FALSE(std::filesystem::exists(state() + "/api.addr")) << "a stale address was left";
}

TEST_F(EventsE2eTest, EventsPrintsJsonLinesFollowsNewOnesAndTheEventLogHoldsThem) {
  start();
  if (HasFatalFailure()) return;
  const auto recent = events({"--tail", "5"});
  ASSERT_FALSE(recent.empty()) << "the replicas' start left no event";
  EXPECT_LE(recent.size(), 5u);
  for (std::size_t i = 0; i < recent.size(); ++i) {
    for (const char* key : {"id", "at", "type", "service", "data"}) {
      EXPECT_TRUE(recent[i].contains(key)) << key << " in " << recent[i].dump();
    }
    if (i > 0) {
      EXPECT_LT(recent[i - 1]["id"], recent[i]["id"]) << "oldest first";
    }
  }
  EXPECT_FALSE(events({"--type", "replica.started", "--service", "api"}).empty());
  EXPECT_TRUE(events({"--service", "nope"}).empty());

  // -f starting just before the last event: once it printed that one, it is following.
  const std::int64_t last = recent.back()["id"].get<std::int64_t>();
  Child follow({"events", "-f", "--state-dir", state(), "--format", "json", "--after",
                std::to_string(last - 1)});
  ASSERT_TRUE(wait_until([&] { return !json_lines(follow.read()).empty(); }))
      << "gantry events -f printed nothing: " << follow.read();
  EXPECT_EQ(json_lines(follow.read())[0]["id"], last);

  auto restart = run_gantry({"restart", "api", "--state-dir", state()});
  ASSERT_EQ(restart.exit_code, 0) << restart.out << restart.err;
  auto new_replica_started = [&] {
    int started = 0;
    for (const auto& e : json_lines(follow.read())) {
      if (e["id"].get<std::int64_t>() > last && e["type"] == "replica.started") ++started;
    }
    return started >= 2;  // both replicas were replaced
  };
  ASSERT_TRUE(wait_until(new_replica_started)) << follow.read();
  const auto followed = json_lines(follow.read());
  follow.kill();
  for (std::size_t i = 1; i < followed.size(); ++i) {
    EXPECT_LT(followed[i - 1]["id"], followed[i]["id"]) << "in order, each once";
  }

  // The event log has the same events, the same JSON, soon (its own thread).
  const std::string log = state() + "/events.jsonl";
  std::map<std::int64_t, json> logged;
  const bool all_logged = wait_until([&] {
    logged.clear();
    for (const auto& e : json_lines(read_file(log))) logged[e["id"].get<std::int64_t>()] = e;
    return logged.count(followed.back()["id"].get<std::int64_t>()) > 0;
  });
  ASSERT_TRUE(all_logged) << read_file(log);
  for (const auto& e : followed) {
    const auto id = e["id"].get<std::int64_t>();
    ASSERT_TRUE(logged.count(id)) << "event " << id << " is not in " << log;
    EXPECT_EQ(logged[id], e);
  }
  // Every event of the stream is there once, from the first on.
  EXPECT_EQ(json_lines(read_file(log)).size(), logged.size()) << "an event was logged twice";
  std::int64_t expect = 1;
  for (const auto& [id, e] : logged) EXPECT_EQ(id, expect++) << "a gap or a repeat";
}

}  // namespace
}  // namespace gantry::testing
