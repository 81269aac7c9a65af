// ApiServer routes and errors, through the real client on a real unix socket.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "api_fixture.h"
#include "support/poll.h"

namespace gantry::api::testing {
namespace {

using nlohmann::json;

TEST_F(ApiTest, SocketIsOnlyForItsOwner) {
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ApiTest, StatusListsServicesWithTheirReplicas) {
  auto r = get("/v1/status");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json_of(r);
  EXPECT_EQ(j["project"], "shop");
  EXPECT_EQ(j["environment"], "staging");
  ASSERT_EQ(j["services"].size(), 2u);
  const auto& api = j["services"][0];
  EXPECT_EQ(api["name"], "api");
  EXPECT_EQ(api["port"], 8080);
  EXPECT_EQ(api["desired"], 2);
  EXPECT_EQ(api["ready"], 2);
  EXPECT_EQ(api["health"], "healthy");
  ASSERT_EQ(api["replicas"].size(), 2u);
  const auto& replica = api["replicas"][1];
  EXPECT_EQ(replica["index"], 1);
  EXPECT_EQ(replica["pid"], 4101);
  EXPECT_EQ(replica["port"], 41001);
  EXPECT_EQ(replica["state"], "running");
  EXPECT_EQ(replica["readiness"], "ready");
  EXPECT_EQ(replica["rss_bytes"], 12 * 1024 * 1024);
  const auto& worker = j["services"][1];
  EXPECT_TRUE(worker["port"].is_null());
  EXPECT_TRUE(worker["replicas"][0]["port"].is_null());
  EXPECT_EQ(worker["replicas"][0]["readiness"], "not_ready");
}

TEST_F(ApiTest, ServiceByName) {
  auto r = get("/v1/services/worker");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["name"], "worker");
  EXPECT_EQ(json_of(r)["health"], "starting");
}

TEST_F(ApiTest, UnknownServiceIs404WithSuggestion) {
  auto r = get("/v1/services/apj");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
  EXPECT_NE(error_message(r).find("did you mean 'api'"), std::string::npos) << r.body;
}

TEST_F(ApiTest, UnknownRouteIs404) {
  auto r = get("/v1/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
  EXPECT_NE(error_message(r).find("/v1/status"), std::string::npos) << r.body;
}

TEST_F(ApiTest, WrongMethodIs405) {
  auto r = post("/v1/status");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "method_not_allowed");
  EXPECT_NE(error_message(r).find("use GET"), std::string::npos) << r.body;
  EXPECT_EQ(get("/v1/services/api/restart").status, 405);
  EXPECT_EQ(request("DELETE", "/v1/stop").status, 405);
}

TEST_F(ApiTest, UnknownQueryParameterIs400NamingIt) {
  auto r = get("/v1/deployments?servce=api");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  EXPECT_NE(error_message(r).find("'servce'"), std::string::npos) << r.body;
  EXPECT_NE(error_message(r).find("did you mean 'service'"), std::string::npos) << r.body;
  EXPECT_EQ(get("/v1/status?x=1").status, 400);
}

TEST_F(ApiTest, RestartWaitsForTheControllerAndReportsSuccess) {
  auto r = post("/v1/services/api/restart");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r), json({{"restarted", "api"}}));
  EXPECT_EQ(controller_->restarted(), std::vector<std::string>{"api"});
  // An empty JSON object is an empty body too.
  EXPECT_EQ(post("/v1/services/api/restart", "{}").status, 200);
}

TEST_F(ApiTest, RestartFailureIs500WithTheControllersReason) {
  auto r = post("/v1/services/worker/restart");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(error_code(r), "internal");
  EXPECT_NE(error_message(r).find("did not become ready"), std::string::npos) << r.body;
}

TEST_F(ApiTest, RestartOfUnknownServiceIs404) {
  auto r = post("/v1/services/wroker/restart");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_message(r).find("did you mean 'worker'"), std::string::npos) << r.body;
  EXPECT_TRUE(controller_->restarted().empty());
}

TEST_F(ApiTest, BadJsonBodyIs400) {
  auto r = post("/v1/services/api/restart", "{\"force\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  EXPECT_NE(error_message(r).find("not valid JSON"), std::string::npos) << r.body;
  EXPECT_TRUE(controller_->restarted().empty());
}

TEST_F(ApiTest, NonObjectBodyIs400) {
  auto r = post("/v1/services/api/restart", "[1, 2]");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("must be a JSON object"), std::string::npos) << r.body;
}

TEST_F(ApiTest, UnknownBodyFieldIs400NamingIt) {
  auto r = post("/v1/services/api/restart", R"({"force": true})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  EXPECT_NE(error_message(r).find("unknown field 'force'"), std::string::npos) << r.body;
  EXPECT_TRUE(controller_->restarted().empty());
}

TEST_F(ApiTest, GetWithBodyIs400) { EXPECT_EQ(request("GET", "/v1/status", "{}").status, 400); }

TEST_F(ApiTest, StopAnswers202ThenCallsBack) {
  auto r = post("/v1/stop");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json_of(r), json({{"stopping", true}}));
  EXPECT_TRUE(gantry::testing::wait_until([&] { return stop_requested_.load(); }));
}

TEST_F(ApiTest, StopWithUnknownFieldDoesNotStop) {
  auto r = post("/v1/stop", R"({"now": true})");
  EXPECT_EQ(r.status, 400);
  // A later status answered means the loop ran past the rejected request.
  EXPECT_EQ(get("/v1/status").status, 200);
  EXPECT_FALSE(stop_requested_.load());
}

TEST_F(ApiTest, DeploymentsEventsAndRevisionsComeFromTheStore) {
  auto& store = controller_->store();
  store::Revision rev{"api-r1", "api", "staging", 1, "v1", R"({"replicas":2})", "h1", 1000, ""};
  ASSERT_TRUE(store.put_revision(rev).ok());
  store::Deployment d;
  d.id = "d-000001";
  d.service = "api";
  d.environment = "staging";
  d.revision_id = "api-r1";
  d.strategy = "recreate";
  d.version = "v1";
  d.triggered_by = "cli:uid=1000";
  d.started_at_ms = 1'764'078'301'000;
  d.completed_at_ms = 1'764'078'303'500;
  d.status = store::DeploymentStatus::Succeeded;
  ASSERT_TRUE(store.put_deployment(d).ok());
  for (const char* type : {"deployment.started", "phase.changed", "deployment.succeeded"}) {
    ASSERT_TRUE(
        store.append_event({0, "d-000001", 1'764'078'302'000, type, "{}", "", "", ""}).ok());
  }

  auto deployments = json_of(get("/v1/deployments?service=api&limit=10"));
  ASSERT_EQ(deployments["deployments"].size(), 1u) << deployments;
  const auto& dj = deployments["deployments"][0];
  EXPECT_EQ(dj["id"], "d-000001");
  EXPECT_EQ(dj["status"], "succeeded");
  EXPECT_EQ(dj["started_at"], "2025-11-25T13:45:01.000Z");
  EXPECT_EQ(dj["duration_ms"], 2500);
  EXPECT_EQ(json_of(get("/v1/deployments?service=worker"))["deployments"].size(), 0u);
  EXPECT_EQ(json_of(get("/v1/deployments?environment=production"))["deployments"].size(), 0u);

  auto events = json_of(get("/v1/events?deployment=d-000001"));
  ASSERT_EQ(events["events"].size(), 3u) << events;
  const auto first_id = events["events"][0]["id"].get<std::int64_t>();
  auto later = json_of(get("/v1/events?deployment=d-000001&after=" + std::to_string(first_id)));
  ASSERT_EQ(later["events"].size(), 2u);
  EXPECT_EQ(later["events"][0]["type"], "phase.changed");

  auto revisions = json_of(get("/v1/revisions?service=api"));
  ASSERT_EQ(revisions["revisions"].size(), 1u);
  EXPECT_EQ(revisions["revisions"][0]["id"], "api-r1");
  EXPECT_EQ(revisions["revisions"][0]["spec"]["replicas"], 2);
}

TEST_F(ApiTest, EventsNeedAKnownDeployment) {
  EXPECT_EQ(get("/v1/events").status, 200);  // no filter: the whole stream
  auto r = get("/v1/events?deployment=d-404");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_message(r).find("d-404"), std::string::npos);
  EXPECT_EQ(get("/v1/events?deployment=d-404&after=x").status, 400);
}

TEST_F(ApiTest, BadLimitIs400WithTheValidRange) {
  auto r = get("/v1/deployments?limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("from 1 to 1000"), std::string::npos) << r.body;
  EXPECT_EQ(get("/v1/revisions?limit=abc").status, 400);
}

TEST_F(ApiTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket socket(io);
  socket.connect(boost::asio::local::stream_protocol::endpoint(socket_));
  boost::beast::flat_buffer buffer;
  for (const char* target : {"/v1/status", "/v1/services/api", "/v1/nope"}) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "gantry");
    http::write(socket, req);
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    EXPECT_TRUE(res.keep_alive()) << target;
    EXPECT_EQ(res[http::field::content_type], "application/json");
  }
}

TEST_F(ApiTest, ClosingTheServerRemovesTheSocket) {
  stop_server();
  EXPECT_FALSE(std::filesystem::exists(socket_));
  auto r = call(socket_, "GET", "/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
}

TEST(ApiServerStart, ReplacesAStaleSocket) {
  char tmpl[] = "/tmp/gantry-api-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/gantry.sock";
  {
    // A socket file left by a daemon that died: bound, then closed without unlinking.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  auto stale = call(path, "GET", "/v1/status");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::NotFound);  // refused: no daemon

  boost::asio::io_context io;
  TestController controller(io, dir);
  auto server = ApiServer::start(io, controller, path, {});
  ASSERT_TRUE(server.ok()) << server.error().str();
  std::thread t([&] { io.run_for(std::chrono::seconds(20)); });
  auto r = call(path, "GET", "/v1/status");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->status, 200);
  boost::asio::post(io, [&] {
    server->reset();
    io.stop();
  });
  t.join();
  std::filesystem::remove_all(dir);
}

TEST(ApiServerStart, RefusesToReplaceAFileThatIsNotASocket) {
  char tmpl[] = "/tmp/gantry-api-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  append(dir + "/gantry.sock", "precious\n");
  boost::asio::io_context io;
  TestController controller(io, dir);
  auto server = ApiServer::start(io, controller, dir + "/gantry.sock", {});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().str().find("not a socket"), std::string::npos);
  EXPECT_EQ(gantry::testing::read_file(dir + "/gantry.sock"), "precious\n");
  std::filesystem::remove_all(dir);
}

TEST(ApiClient, NoSocketFileIsNotFound) {
  auto r = call("/tmp/gantry-no-such-dir/gantry.sock", "GET", "/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
}

TEST(ApiTimestamp, RoundTrips) {
  EXPECT_EQ(format_timestamp(1'764'078'301'123), "2025-11-25T13:45:01.123Z");
  auto ms = parse_timestamp("2025-11-25T13:45:01.123Z");
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(*ms, 1'764'078'301'123);
  EXPECT_EQ(*parse_timestamp("2025-11-25T13:45:01Z"), 1'764'078'301'000);
  EXPECT_FALSE(parse_timestamp("2025-11-25 13:45:01").ok());
  EXPECT_FALSE(parse_timestamp("yesterday").ok());
}

}  // namespace
}  // namespace gantry::api::testing
