// /metrics end to end: a real daemon serving traffic through its proxy, its scrape checked by
// promtool, counters that outlive the replicas they count, rollbacks by rule, a real Prometheus
// server scraping the metrics listener, and the Grafana dashboard's queries against a scrape.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/rollout_fixture.h"
#include "support/poll.h"

namespace gantry::testing {
namespace {

struct RawReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// The chunked body decoded (Prometheus' HTTP API may answer chunked).
std::string dechunk(const std::string& raw) {
  std::string out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const auto eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const std::size_t n = std::strtoul(raw.c_str() + pos, nullptr, 16);
    if (n == 0) break;
    out += raw.substr(eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

// One GET on a connected socket, read until the server closes it.
RawReply get_on(int fd, const std::string& target) {
  RawReply r;
  if (fd < 0) return r;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return r;
  }
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.rfind("HTTP/1.", 0) != 0) return r;
  r.status = std::atoi(raw.c_str() + 9);
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
  }
  r.body = raw.substr(head_end + 4);
  if (r.headers["transfer-encoding"] == "chunked") r.body = dechunk(r.body);
  return r;
}

RawReply unix_get(const std::string& path, const std::string& target) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {};
  }
  return get_on(fd, target);
}

RawReply tcp_get(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {};
  }
  return get_on(fd, target);
}

// Every sample of a scrape: "name{labels}" exactly as written -> value.
std::map<std::string, double> samples_of(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

// Family name -> type, from the "# TYPE" lines.
std::map<std::string, std::string> families_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string name, type;
    words >> name >> type;
    out[name] = type;
  }
  return out;
}

// The sum of every sample of `name` whose labels include all of `having` ("k=\"v\"" strings).
double sum_of(const std::map<std::string, double>& samples, const std::string& name,
              const std::vector<std::string>& having = {}) {
  double total = 0;
  for (const auto& [series, value] : samples) {
    if (series != name && series.rfind(name + "{", 0) != 0) continue;
    bool all = true;
    for (const auto& h : having) all = all && series.find(h) != std::string::npos;
    if (all) total += value;
  }
  return total;
}

// A Prometheus server for one test, stopped (SIGTERM, then waited for) when it goes.
class PrometheusServer {
 public:
  // scrape_configs: the jobs, as YAML list items indented by 2.
  PrometheusServer(const std::string& dir, const std::string& scrape_configs) : port_(free_port()) {
    std::ofstream(dir + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
           "scrape_configs:\n"
        << scrape_configs;
    log_ = dir + "/prometheus.log";
    const std::vector<std::string> args = {
        "/usr/bin/prometheus",
        "--config.file=" + dir + "/prometheus.yml",
        "--storage.tsdb.path=" + dir + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_),
    };
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives a crashed test
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~PrometheusServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                    std::chrono::seconds(20))) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  int port() const { return port_; }
  std::string log() const { return read_file(log_); }
  // GET /api/v1/query: the parsed answer, or null.
  json query(const std::string& promql) {
    std::string encoded;
    for (unsigned char c : promql) {
      if (std::isalnum(c) || c == '_') {
        encoded += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        encoded += hex;
      }
    }
    const RawReply r = tcp_get(port_, "/api/v1/query?query=" + encoded);
    return json::parse(r.body, nullptr, false);  // errors too: {"status":"error",...}
  }

 private:
  int port_;
  int pid_ = -1;
  std::string log_;
};

json read_dashboard() {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/docs/grafana-dashboard.json");
  return json::parse(in, nullptr, false);
}

// A dashboard expression as Grafana sends it: its variables replaced by what they mean with
// "All" selected and a 1 h range.
std::string as_grafana_sends(std::string expr) {
  const std::vector<std::pair<std::string, std::string>> vars = {
      {"$__rate_interval", "1m"}, {"$__range", "1h"}, {"$service", ".*"}, {"$environment", ".*"}};
  for (const auto& [var, value] : vars) {
    for (auto at = expr.find(var); at != std::string::npos; at = expr.find(var)) {
      expr.replace(at, var.size(), value);
    }
  }
  return expr;
}

// Every metric a dashboard expression names, with histogram suffixes folded into their family.
std::set<std::string> metrics_named(const json& node, std::vector<std::string>& exprs) {
  std::set<std::string> out;
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      // Panel queries, and the template variables' label_values() queries.
      if ((key == "expr" || key == "definition") && value.is_string()) {
        const std::string expr = value.get<std::string>();
        exprs.push_back(expr);
        static const std::regex name(R"(\b(gantry_[a-z0-9_]+|process_[a-z0-9_]+))");
        for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it) {
          out.insert((*it)[1].str());
        }
      } else {
        out.merge(metrics_named(value, exprs));
      }
    }
  } else if (node.is_array()) {
    for (const auto& v : node) out.merge(metrics_named(v, exprs));
  }
  return out;
}

class MetricsE2e : public RolloutE2e {
 protected:
  // The project's spec: `api` (example app, port, replicas, readiness every 100ms), restarts
  // always, its strategy, health_extra under health (6 spaces), and the metrics listener and
  // the TCP API on ports the system picks.
  void write_metrics_spec(int replicas,
                          const std::string& strategy = "{ rolling: { max_surge: 1 } }",
                          const std::string& health_extra = "") {
    if (port_ == 0) port_ = free_port();
    ASSERT_GT(port_, 0);
    std::ofstream(spec_path()) << "project: e2e\n"
                                  "metrics: { listen: 127.0.0.1:0 }\n"
                                  "api: { listen: 127.0.0.1:0 }\n"
                                  "services:\n  api:\n    command: [\""
                               << GANTRY_EXAMPLE_APP
                               << "\", \"--port\", \"${PORT}\"]\n"
                                  "    port: "
                               << port_ << "\n    replicas: " << replicas
                               << "\n    stop_timeout: 2s\n"
                                  "    restart: { policy: always, backoff: { initial: 100ms, "
                                  "max: 1s } }\n"
                               << "    strategy: " << strategy
                               << "\n    health:\n"
                                  "      readiness: { http: /health/ready, period: 100ms, "
                                  "timeout: 90ms }\n"
                               << health_extra
                               << "proxy: { address: 127.0.0.1, drain_timeout: 3s }\n";
  }

  // GET /metrics on the API socket; checks the status and content type.
  std::string scrape() {
    const RawReply r = unix_get(state() + "/gantry.sock", "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.count("content-type") ? r.headers.at("content-type") : "",
              "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  std::map<std::string, double> samples() { return samples_of(scrape()); }

  // The metrics listener's port, from STATE_DIR/metrics.addr ("127.0.0.1:PORT"); 0 if none.
  int metrics_port() {
    int port = 0;
    wait_until([&] {
      std::string addr = read_file(state() + "/metrics.addr");
      const auto colon = addr.rfind(':');
      if (colon != std::string::npos) port = std::atoi(addr.c_str() + colon + 1);
      return port > 0;
    });
    return port;
  }

  // promtool check metrics on the text: its exit status and everything it printed.
  std::pair<int, std::string> promtool(const std::string& text) {
    const std::string file = dir_.file("scrape.txt");
    std::ofstream(file) << text;
    FILE* p = ::popen(("/usr/bin/promtool check metrics < '" + file + "' 2>&1").c_str(), "r");
    std::string out;
    char buf[4096];
    while (p && std::fgets(buf, sizeof buf, p)) out += buf;
    const int st = p ? ::pclose(p) : -1;
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
  }

  // n GETs through the proxy; how many each version answered with 200.
  std::map<std::string, int> send(int n) { return versions_answering(n); }
};

TEST_F(MetricsE2e, CountsEachVersionsRequestsAndPassesPromtool) {
  write_metrics_spec(2);
  up_and_ready(2);
  ASSERT_EQ(send(25), (std::map<std::string, int>{{"r1", 25}}));
  ASSERT_EQ(deploy({"--version", "v2"}).exit_code, 0);
  ASSERT_TRUE(wait_all_on("v2", 2)) << service().dump(2);
  ASSERT_EQ(send(15), (std::map<std::string, int>{{"v2", 15}}));

  const std::string text = scrape();
  const auto s = samples_of(text);
  // What the proxy answered, per version and code: exactly the requests sent.
  EXPECT_EQ(s.at(R"(gantry_proxy_requests_total{code="200",service="api",version="r1"})"), 25)
      << text;
  EXPECT_EQ(s.at(R"(gantry_proxy_requests_total{code="200",service="api",version="v2"})"), 15);
  EXPECT_EQ(sum_of(s, "gantry_proxy_requests_total"), 40);
  for (const std::string v : {"r1", "v2"}) {
    const std::string labels = R"(service="api",version=")" + v + "\"";
    const double count = s.at("gantry_proxy_request_duration_seconds_count{" + labels + "}");
    EXPECT_EQ(count, v == "r1" ? 25 : 15);
    EXPECT_EQ(s.at("gantry_proxy_request_duration_seconds_bucket{" + labels + R"(,le="+Inf"})"),
              count);
    EXPECT_GT(s.at("gantry_proxy_request_duration_seconds_sum{" + labels + "}"), 0);
    // Buckets are cumulative: never fewer below a higher bound.
    double last = 0;
    for (const char* le : {"0.000125", "0.00025", "0.0005", "0.001", "0.002", "0.004", "0.008",
                           "0.016", "0.032", "0.064", "0.128", "0.256", "0.512", "1.024", "2.048",
                           "4.096", "8.192", "16.384", "32.768"}) {
      const std::string key =
          "gantry_proxy_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"}";
      ASSERT_EQ(s.count(key), 1u) << key << "\n" << text;
      EXPECT_GE(s.at(key), last) << key;
      last = s.at(key);
    }
    EXPECT_EQ(last, count) << "a request slower than 32 s?";
  }
  // Deployments: `up` recorded r1, the rolling deploy v2; both finished.
  EXPECT_EQ(s.at(R"(gantry_deployments_total{environment="",status="succeeded",strategy="up"})"),
            1);
  EXPECT_EQ(
      s.at(R"(gantry_deployments_total{environment="",status="succeeded",strategy="rolling"})"), 1);
  EXPECT_EQ(
      s.at(R"(gantry_deployments_total{environment="",status="rolled_back",strategy="rolling"})"),
      0);
  EXPECT_EQ(s.at(R"(gantry_deployment_duration_seconds_count{environment="",strategy="rolling"})"),
            1);
  EXPECT_EQ(s.at(R"(gantry_deployment_status{environment="",service="api",status="succeeded"})"),
            1);
  EXPECT_EQ(sum_of(s, "gantry_deployment_status"), 1) << "one status per service is 1";
  EXPECT_EQ(s.at(R"(gantry_replicas{service="api",state="ready",version="v2"})"), 2);
  EXPECT_EQ(sum_of(s, "gantry_replicas"), 2);
  EXPECT_EQ(s.at(R"(gantry_replica_restarts_total{service="api"})"), 0);
  EXPECT_EQ(s.count(R"(gantry_probe_failures_total{probe="readiness",service="api"})"), 1u);
  EXPECT_EQ(sum_of(s, "gantry_build_info"), 1);
  // The daemon process itself.
  EXPECT_GT(s.at("process_open_fds"), 0);
  EXPECT_GE(s.at("process_max_fds"), s.at("process_open_fds"));
  EXPECT_GT(s.at("process_resident_memory_bytes"), 0);
  EXPECT_GT(s.at("process_cpu_seconds_total"), 0);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(s.at("process_start_time_seconds"), now + 1);
  EXPECT_GT(s.at("process_start_time_seconds"), now - 600);

  const auto [code, out] = promtool(text);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "") << "promtool printed problems:\n" << out << "\n" << text;
}

TEST_F(MetricsE2e, KeepsCountingRestartsAndProbeFailuresAfterTheReplicasAreReplaced) {
  write_metrics_spec(1, "{ rolling: { max_surge: 1 } }",
                     "      liveness: { http: /health/live, period: 100ms, timeout: 90ms, "
                     "failure_threshold: 2 }\n");
  up_and_ready(1);
  const json first = service_now();
  ASSERT_EQ(first["replicas"].size(), 1u) << first.dump(2);
  // Liveness fails on the replica itself (not through the proxy): it is ended and restarted.
  HttpConnection direct(first["replicas"][0].value("port", 0));
  ASSERT_TRUE(direct.get("/admin/set?liveness=fail", true));
  std::map<std::string, double> s;
  ASSERT_TRUE(wait_until(
      [&] {
        s = samples();
        return s[R"(gantry_replica_restarts_total{service="api"})"] >= 1;
      },
      std::chrono::seconds(30)))
      << scrape();
  EXPECT_GE(s.at(R"(gantry_probe_failures_total{probe="liveness",service="api"})"), 2);
  ASSERT_TRUE(wait_routed(1));
  const double restarts = s.at(R"(gantry_replica_restarts_total{service="api"})");
  const double liveness = s.at(R"(gantry_probe_failures_total{probe="liveness",service="api"})");

  // A deploy replaces the replica: the new one has restarted 0 times, the counters stay.
  ASSERT_EQ(deploy({"--version", "v2"}).exit_code, 0);
  ASSERT_TRUE(wait_all_on("v2", 1)) << service().dump(2);
  EXPECT_EQ(service_now()["replicas"][0].value("restarts", -1), 0);
  s = samples();
  EXPECT_GE(s.at(R"(gantry_replica_restarts_total{service="api"})"), restarts);
  EXPECT_GE(s.at(R"(gantry_probe_failures_total{probe="liveness",service="api"})"), liveness);
}

TEST_F(MetricsE2e, CountsRollbacksByTheRuleThatStartedThem) {
  write_metrics_spec(2, "{ canary: { steps: [ {weight: 50}, {pause: 30s}, {weight: 100} ] } }");
  up_and_ready(2);

  auto crashed = deploy({"--version", "v2", "--set", "APP_CRASH_AFTER=300ms"});
  EXPECT_EQ(crashed.exit_code, 3) << crashed.out << crashed.err;
  const json d = newest_deployment();
  ASSERT_EQ(d.value("status", ""), "rolled_back") << d.dump(2);
  const auto started = events(d.value("id", ""), "rollback.started");
  ASSERT_EQ(started.size(), 1u);
  const std::string rule = started[0].value("rule", "");
  EXPECT_EQ(rule, "crash");
  ASSERT_TRUE(wait_all_on("r1", 2)) << service().dump(2);

  // A good version, then `gantry rollback` back to r1: a manual rollback.
  ASSERT_EQ(deploy({"--version", "v3", "--strategy", "recreate"}).exit_code, 0);
  auto back = gantry({"rollback", "api", "--to", "r1", "--timeout", "60s"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;

  const std::string text = scrape();
  const auto s = samples_of(text);
  EXPECT_EQ(s.at(R"(gantry_rollbacks_total{environment="",reason=")" + rule + "\"}"), 1) << text;
  EXPECT_EQ(s.at(R"(gantry_rollbacks_total{environment="",reason="manual"})"), 1);
  EXPECT_EQ(s.at(R"(gantry_rollbacks_total{environment="",reason="smoke"})"), 0);
  EXPECT_EQ(sum_of(s, "gantry_rollbacks_total"), 2);
  EXPECT_EQ(
      s.at(R"(gantry_deployments_total{environment="",status="rolled_back",strategy="canary"})"),
      1);
  EXPECT_EQ(
      s.at(R"(gantry_deployments_total{environment="",status="succeeded",strategy="rollback"})"),
      1);
  EXPECT_EQ(s.at(R"(gantry_deployment_status{environment="",service="api",status="succeeded"})"),
            1);
  const auto [code, out] = promtool(text);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "") << out;
}

TEST_F(MetricsE2e, APrometheusServerScrapesTheMetricsListener) {
  write_metrics_spec(1);
  up_and_ready(1);
  ASSERT_EQ(send(7), (std::map<std::string, int>{{"r1", 7}}));
  const int port = metrics_port();
  ASSERT_GT(port, 0) << "no " << state() << "/metrics.addr";
  // The listener serves the same text as the API socket.
  const RawReply direct = tcp_get(port, "/metrics");
  ASSERT_EQ(direct.status, 200);
  EXPECT_EQ(families_of(direct.body), families_of(scrape()));

  // The API's TCP listener serves /metrics too, to a read token (docs/metrics.md's second
  // scrape config).
  auto token = gantry({"tokens", "create", "prometheus", "--scope", "read"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  const std::string secret = token.out.substr(0, token.out.find('\n'));
  std::string api_addr;
  ASSERT_TRUE(wait_until([&] { return !(api_addr = read_file(state() + "/api.addr")).empty(); }));
  const int api_port = std::atoi(api_addr.c_str() + api_addr.rfind(':') + 1);
  EXPECT_EQ(tcp_get(api_port, "/metrics").status, 401) << "no token, no metrics";

  PrometheusServer prometheus(dir_.path(),
                              "  - job_name: gantry\n"
                              "    static_configs:\n"
                              "      - targets: ['127.0.0.1:" +
                                  std::to_string(port) +
                                  "']\n"
                                  "  - job_name: gantry-api\n"
                                  "    authorization:\n"
                                  "      credentials: " +
                                  secret +
                                  "\n"
                                  "    static_configs:\n"
                                  "      - targets: ['127.0.0.1:" +
                                  std::to_string(api_port) + "']\n");
  // Both jobs scraped the 7 requests: one series each, code 200, value 7.
  json last;
  const bool seen = wait_until(
      [&] {
        last = prometheus.query(R"(gantry_proxy_requests_total{service="api",version="r1"})");
        if (!last.is_object() || last["data"]["result"].size() != 2) return false;
        std::set<std::string> jobs;
        for (const json& series : last["data"]["result"]) {
          if (series["metric"].value("code", "") != "200" || series["value"][1] != "7") {
            return false;
          }
          jobs.insert(series["metric"].value("job", ""));
        }
        return jobs == std::set<std::string>{"gantry", "gantry-api"};
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(seen) << "last answer: " << last.dump() << "\nprometheus log:\n" << prometheus.log();
  // Prometheus read every family of both targets without a parse error: they are up.
  const json up = prometheus.query("up");
  ASSERT_TRUE(up.is_object()) << prometheus.log();
  ASSERT_EQ(up["data"]["result"].size(), 2u) << up.dump();
  for (const json& series : up["data"]["result"]) {
    EXPECT_EQ(series["value"][1], "1") << up.dump();
  }

  // Every dashboard query is valid PromQL that this Prometheus runs on gantry's series.
  std::vector<std::string> exprs;
  metrics_named(read_dashboard(), exprs);
  ASSERT_FALSE(exprs.empty());
  for (const std::string& e : exprs) {
    if (e.rfind("label_values(", 0) == 0) continue;  // Grafana's own function, not PromQL
    const json answer = prometheus.query(as_grafana_sends(e));
    EXPECT_EQ(answer.is_object() ? answer.value("status", "") : "", "success")
        << as_grafana_sends(e) << "\n"
        << answer.dump();
  }
}

TEST_F(MetricsE2e, TheGrafanaDashboardQueriesOnlyMetricsTheDaemonServes) {
  const json dashboard = read_dashboard();
  ASSERT_TRUE(dashboard.is_object()) << "docs/grafana-dashboard.json is not JSON";
  EXPECT_EQ(dashboard.value("schemaVersion", 0), 38);
  ASSERT_TRUE(dashboard["__inputs"].is_array());
  EXPECT_EQ(dashboard["__inputs"][0].value("name", ""), "DS_PROMETHEUS");
  std::vector<std::string> exprs;
  const std::set<std::string> used = metrics_named(dashboard, exprs);
  ASSERT_GE(exprs.size(), 7u);
  for (const auto& e : exprs) {
    EXPECT_NE(e.find("gantry_"), std::string::npos) << "an expression on no gantry metric: " << e;
  }

  write_metrics_spec(1);
  up_and_ready(1);
  ASSERT_EQ(send(3), (std::map<std::string, int>{{"r1", 3}}));
  const auto families = families_of(scrape());
  for (const std::string& name : used) {
    std::string family = name;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      const auto base =
          name.size() > suffix.size() ? name.substr(0, name.size() - suffix.size()) : std::string();
      if (name.ends_with(suffix) && families.count(base) && families.at(base) == "histogram") {
        family = base;
      }
    }
    EXPECT_EQ(families.count(family), 1u) << name << " is not in a scrape of the daemon";
  }
}

}  // namespace
}  // namespace gantry::testing
