// The TCP listeners (docs/api.md "Authentication"): a real ApiServer on 127.0.0.1:0 beside the
// unix one, driven by a small blocking HTTP client: tokens and their scopes, revocation, the
// dashboard's session cookie and its X-Requested-By guard, tokens managed only over the unix
// socket, and the metrics-only listener.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "api_fixture.h"
#include "support/poll.h"
#include "support/tcp_http.h"

namespace gantry::api::testing {
namespace {

using gantry::testing::tcp_request;
using gantry::testing::TcpReply;
using nlohmann::json;

std::pair<std::string, std::string> bearer(const std::string& token) {
  return {"Authorization", "Bearer " + token};
}

class TcpApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    api_ = listen(ApiServer::Mode::Api);
    metrics_ = listen(ApiServer::Mode::Metrics);
    ASSERT_NE(api_, nullptr);
    ASSERT_NE(metrics_, nullptr);
  }

  void TearDown() override {
    // Destroyed on the loop's thread, before the loop stops, as the daemon does.
    if (thread_.joinable())
      on_io([this] {
        api_.reset();
        metrics_.reset();
        return 0;
      });
    ApiTest::TearDown();
  }

  // Runs fn on the io thread (the server's and the controller's) and returns what it returns.
  template <class F>
  auto on_io(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  std::unique_ptr<ApiServer> listen(ApiServer::Mode mode) {
    auto server = on_io([&] {
      return ApiServer::listen_tcp(io_, *controller_, "127.0.0.1:0", mode,
                                   [this] { stop_requested_ = true; });
    });
    EXPECT_TRUE(server) << server.error().str();
    return server ? std::move(*server) : nullptr;
  }

  std::string api_address() const { return api_->address(); }
  std::string metrics_address() const { return metrics_->address(); }

  // A token made as `gantry tokens create` makes it: POST /v1/tokens on the unix socket.
  std::string create_token(const std::string& name, const std::string& scope) {
    auto r = post("/v1/tokens", json{{"name", name}, {"scope", scope}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string token = json_of(r).value("token", "");
    EXPECT_EQ(token.rfind("gty_", 0), 0u) << r.body;
    return token;
  }

  TcpReply tcp(const std::string& method, const std::string& target,
               const std::vector<std::pair<std::string, std::string>>& headers = {},
               const std::string& body = {}) {
    return tcp_request(api_address(), method, target, headers, body);
  }

  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<ApiServer> metrics_;
};

TEST_F(TcpApiTest, BindsTheAddressItReports) {
  const std::string a = api_address();
  EXPECT_EQ(a.rfind("127.0.0.1:", 0), 0u) << a;
  EXPECT_GT(std::atoi(a.c_str() + 10), 0) << "port 0 was replaced by the bound one: " << a;
  EXPECT_NE(a, metrics_address());
}

TEST_F(TcpApiTest, AsksForATokenWithWwwAuthenticate) {
  for (const auto& target : {"/v1/status", "/v1/events", "/metrics"}) {
    auto r = tcp("GET", target);
    EXPECT_EQ(r.status, 401) << target << ": " << r.body;
    EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u) << target;
    EXPECT_EQ(r.json_body()["error"].value("code", ""), "unauthorized") << r.body;
  }
  auto basic = tcp("GET", "/v1/status", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(basic.status, 401) << "only bearer tokens: " << basic.body;
  EXPECT_FALSE(basic.header("www-authenticate").empty());
}

TEST_F(TcpApiTest, RefusesATokenThatIsNotOne) {
  const std::string real = create_token("ci", "admin");
  std::string wrong_secret = real;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  const std::string unknown_id = "gty_000000000000_" + std::string(64, 'a');
  for (const auto& token : {std::string("nonsense"), std::string("gty_"), unknown_id, wrong_secret,
                            real.substr(0, real.size() - 1)}) {
    auto r = tcp("GET", "/v1/status", {bearer(token)});
    EXPECT_EQ(r.status, 401) << "'" << token << "': " << r.body;
    EXPECT_FALSE(r.header("www-authenticate").empty()) << token;
  }
  EXPECT_EQ(tcp("GET", "/v1/status", {bearer(real)}).status, 200);
}

TEST_F(TcpApiTest, ARevokedTokenStopsWorkingAtOnce) {
  const std::string token = create_token("laptop", "read");
  ASSERT_EQ(tcp("GET", "/v1/status", {bearer(token)}).status, 200);
  auto revoke = request("DELETE", "/v1/tokens/laptop");
  ASSERT_EQ(revoke.status, 200) << revoke.body;
  auto r = tcp("GET", "/v1/status", {bearer(token)});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_FALSE(r.header("www-authenticate").empty());
  auto again = request("DELETE", "/v1/tokens/laptop");
  EXPECT_EQ(again.status, 404) << "revoked twice: " << again.body;
}

TEST_F(TcpApiTest, AReadTokenMayGetButNotChange) {
  const std::string token = create_token("grafana", "read");
  auto status = tcp("GET", "/v1/status", {bearer(token)});
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.json_body()["project"], "shop");
  EXPECT_EQ(tcp("GET", "/v1/events", {bearer(token)}).status, 200);
  EXPECT_EQ(tcp("GET", "/metrics", {bearer(token)}).status, 200);

  auto restart = tcp("POST", "/v1/services/api/restart", {bearer(token)});
  EXPECT_EQ(restart.status, 403) << restart.body;
  EXPECT_EQ(restart.json_body()["error"].value("code", ""), "forbidden");
  EXPECT_NE(restart.body.find("read scope"), std::string::npos) << restart.body;
  EXPECT_EQ(tcp("POST", "/v1/stop", {bearer(token)}).status, 403);
  EXPECT_TRUE(controller_->restarted().empty()) << "a refused request reached the controller";
  EXPECT_FALSE(stop_requested_);
}

TEST_F(TcpApiTest, AnAdminTokenMayChange) {
  const std::string token = create_token("deployer", "admin");
  auto restart = tcp("POST", "/v1/services/api/restart", {bearer(token)});
  EXPECT_EQ(restart.status / 100, 2) << restart.body;
  EXPECT_EQ(controller_->restarted(), std::vector<std::string>{"api"});
  // Past authentication, the route's own answer: the test controller deploys nothing.
  auto deploy = tcp("POST", "/v1/deploy", {bearer(token)}, json{{"service", "api"}}.dump());
  EXPECT_NE(deploy.status, 401) << deploy.body;
  EXPECT_NE(deploy.status, 403) << deploy.body;
}

TEST_F(TcpApiTest, ManagesTokensOverTheUnixSocketOnly) {
  const std::string admin = create_token("root", "admin");
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/tokens"}, {"POST", "/v1/tokens"}, {"DELETE", "/v1/tokens/root"}}) {
    auto r = tcp(method, target, {bearer(admin)},
                 method == "POST" ? json{{"name", "sneaky"}, {"scope", "admin"}}.dump() : "");
    EXPECT_EQ(r.status, 403) << method << " " << target << ": " << r.body;
    EXPECT_NE(r.body.find("unix socket"), std::string::npos) << r.body;
  }
  // Nothing was made or revoked over TCP.
  auto list = get("/v1/tokens");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto tokens = json_of(list)["tokens"];
  ASSERT_EQ(tokens.size(), 1u) << list.body;
  EXPECT_EQ(tokens[0]["name"], "root");
  EXPECT_TRUE(tokens[0]["revoked_at"].is_null());
  EXPECT_EQ(tokens[0].count("token"), 0u) << "a listing never shows a token";
  EXPECT_EQ(list.body.find(admin.substr(17)), std::string::npos) << "the secret leaked";
}

TEST_F(TcpApiTest, SignsInWithACookieThatNeedsXRequestedByToWrite) {
  const std::string token = create_token("dashboard", "admin");
  auto bad = tcp("POST", "/v1/session", {}, json{{"token", "gty_nope"}}.dump());
  EXPECT_EQ(bad.status, 401) << bad.body;
  EXPECT_EQ(bad.header("set-cookie"), "");

  auto login = tcp("POST", "/v1/session", {}, json{{"token", token}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.json_body()["name"], "dashboard");
  EXPECT_EQ(login.json_body()["scope"], "admin");
  const std::string set_cookie = login.header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  ASSERT_EQ(cookie, "gantry_session=" + token);

  const std::pair<std::string, std::string> with_cookie{"Cookie", "theme=dark; " + cookie};
  auto status = tcp("GET", "/v1/status", {with_cookie});
  EXPECT_EQ(status.status, 200) << status.body;

  auto forged = tcp("POST", "/v1/services/api/restart", {with_cookie});
  EXPECT_EQ(forged.status, 403) << forged.body;
  EXPECT_NE(forged.body.find("X-Requested-By"), std::string::npos) << forged.body;
  EXPECT_TRUE(controller_->restarted().empty());

  auto allowed =
      tcp("POST", "/v1/services/api/restart", {with_cookie, {"X-Requested-By", "gantry"}});
  EXPECT_EQ(allowed.status / 100, 2) << allowed.body;
  EXPECT_EQ(controller_->restarted(), std::vector<std::string>{"api"});

  // A bearer token needs no such header (it is not sent by a browser on its own).
  auto with_bearer = tcp("POST", "/v1/services/api/restart", {bearer(token)});
  EXPECT_EQ(with_bearer.status / 100, 2) << with_bearer.body;

  auto logout = tcp("DELETE", "/v1/session", {with_cookie});
  EXPECT_EQ(logout.status, 200) << logout.body;
  EXPECT_NE(logout.header("set-cookie").find("Max-Age=0"), std::string::npos)
      << logout.header("set-cookie");
}

TEST_F(TcpApiTest, ACookieOfARevokedTokenIsRefused) {
  const std::string token = create_token("browser", "read");
  const std::pair<std::string, std::string> cookie{"Cookie", "gantry_session=" + token};
  ASSERT_EQ(tcp("GET", "/v1/status", {cookie}).status, 200);
  ASSERT_EQ(request("DELETE", "/v1/tokens/browser").status, 200);
  EXPECT_EQ(tcp("GET", "/v1/status", {cookie}).status, 401);
  EXPECT_EQ(tcp("POST", "/v1/session", {}, json{{"token", token}}.dump()).status, 401);
}

TEST_F(TcpApiTest, ServesTheDashboardsFilesWithoutAToken) {
  auto page = tcp("GET", "/");
  EXPECT_NE(page.status, 401) << "the dashboard's own files are public; its data is not";
  auto missing = tcp("GET", "/no-such-page");
  EXPECT_EQ(missing.status, 404) << missing.body;
}

TEST_F(TcpApiTest, StreamsEventsOverTcpWithAToken) {
  const std::string token = create_token("watcher", "read");
  auto refused =
      tcp_request(api_address(), "GET", "/v1/events", {{"Accept", "text/event-stream"}}, {}, false);
  EXPECT_EQ(refused.status, 401);
  auto stream = tcp_request(api_address(), "GET", "/v1/events",
                            {{"Accept", "text/event-stream"}, bearer(token)}, {}, false);
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.header("content-type"), "text/event-stream");
}

TEST_F(TcpApiTest, TheMetricsListenerServesOnlyMetricsWithoutAToken) {
  auto metrics = tcp_request(metrics_address(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_EQ(metrics.header("content-type").rfind("text/plain; version=0.0.4", 0), 0u)
      << metrics.header("content-type");
  EXPECT_NE(metrics.body.find("gantry_build_info"), std::string::npos) << metrics.body;

  const std::string admin = create_token("ops", "admin");
  for (const auto& target : {"/v1/status", "/v1/tokens", "/", "/metrics/x"}) {
    auto r = tcp_request(metrics_address(), "GET", target, {bearer(admin)});
    EXPECT_EQ(r.status, 404) << target << ": " << r.body;
  }
  auto stop = tcp_request(metrics_address(), "POST", "/v1/stop", {bearer(admin)});
  EXPECT_EQ(stop.status, 404) << stop.body;
  EXPECT_FALSE(stop_requested_);
}

TEST_F(TcpApiTest, ATokenMadeOnTheUnixSocketWorksOnEveryTcpConnection) {
  const std::string token = create_token("ci-deployer", "admin");
  auto list = get("/v1/tokens");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json_of(list)["tokens"][0]["scope"], "admin");
  for (int i = 0; i < 3; ++i) {
    auto r = tcp("GET", "/v1/services/api", {bearer(token)});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json_body()["name"], "api");
  }
  // Lower-case scheme and extra spaces are still a bearer token.
  EXPECT_EQ(tcp("GET", "/v1/status", {{"Authorization", "bearer   " + token}}).status, 200);
}

}  // namespace
}  // namespace gantry::api::testing
