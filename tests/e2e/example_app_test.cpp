// The example app's switches, which tests, the demo and benchmarks rely on: injected errors,
// crashes, health modes, deep status, SSE and WebSocket echo. Real process, real sockets.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "core/asio.h"
#include "e2e/run_gantry.h"
#include "runtime/process.h"
#include "support/poll.h"

namespace gantry::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class ExampleAppTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (app_.pid > 0) {
      ::kill(-app_.pgid, SIGKILL);
      ::waitpid(app_.pid, nullptr, 0);
    }
    if (pump_ > 0) ::waitpid(pump_, nullptr, 0);
  }

  // Starts the app on a free port and waits until it listens.
  void start(std::vector<std::string> args) {
    runtime::SpawnOptions o;
    o.argv = {GANTRY_EXAMPLE_APP, "--port", "0"};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.env = {{"PATH", "/usr/bin:/bin"}};
    o.log.path = dir_.file("app.log");
    o.log_pump = {GANTRY_BINARY, "__log-pump"};
    auto s = runtime::spawn_process(o);
    ASSERT_TRUE(s) << s.error().str();
    app_ = s->process;
    pump_ = s->pump_pid;
    ASSERT_TRUE(wait_until([&] {
      const auto log = read_file(o.log.path);
      const auto at = log.find("listening on 127.0.0.1:");
      if (at == std::string::npos) return false;
      port_ = std::stoi(log.substr(at + 23));
      return true;
    })) << read_file(o.log.path);
  }

  http::response<http::string_body> get(const std::string& target) {
    tcp::socket socket(io_);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res;
  }

  asio::io_context io_;
  TempDir dir_;
  runtime::ProcessId app_;
  int pump_ = 0;
  int port_ = 0;
};

TEST_F(ExampleAppTest, AnswersWithItsNameAndVersion) {
  start({"--name", "api", "--version", "v7"});
  auto res = get("/");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "hello from api v7\n");
  EXPECT_EQ(res["X-Version"], "v7");
}

TEST_F(ExampleAppTest, InjectsErrorsAndChangesThemAtRunTime) {
  start({"--error-rate", "1"});
  EXPECT_EQ(get("/").result_int(), 500);
  EXPECT_EQ(get("/admin/set?error_rate=0").result_int(), 200);
  EXPECT_EQ(get("/").result_int(), 200);
}

TEST_F(ExampleAppTest, ReportsHealthModesAndDeepStatus) {
  start({"--readiness", "fail", "--deep", "degraded"});
  EXPECT_EQ(get("/health").result_int(), 200);
  EXPECT_EQ(get("/health/ready").result_int(), 503);
  auto deep = get("/health/deep");
  EXPECT_EQ(deep.result_int(), 200);
  EXPECT_NE(deep.body().find("\"status\":\"degraded\""), std::string::npos) << deep.body();
  get("/admin/set?deep=unhealthy&readiness=ok");
  EXPECT_EQ(get("/health/deep").result_int(), 503);
  EXPECT_EQ(get("/health/ready").result_int(), 200);
}

TEST_F(ExampleAppTest, CrashesAfterTheConfiguredNumberOfRequests) {
  start({"--crash-after-requests", "2"});
  EXPECT_EQ(get("/").result_int(), 200);
  EXPECT_EQ(get("/").result_int(), 200);
  EXPECT_THROW(get("/"), boost::system::system_error);
  int status = 0;
  ASSERT_EQ(::waitpid(app_.pid, &status, 0), app_.pid);
  app_.pid = 0;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status;
}

TEST_F(ExampleAppTest, StreamsServerSentEventsThenEnds) {
  start({});
  tcp::socket socket(io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  const std::string req = "GET /sse?n=3&interval=1ms HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(socket, asio::buffer(req));
  std::string all;
  beast::error_code ec;
  char buf[4096];
  while (true) {
    const auto n = socket.read_some(asio::buffer(buf), ec);
    if (ec) break;
    all.append(buf, n);
  }
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_NE(all.find("text/event-stream"), std::string::npos) << all;
  EXPECT_NE(all.find("id: 3\n"), std::string::npos) << all;
  EXPECT_EQ(all.find("id: 4\n"), std::string::npos) << all;
}

TEST_F(ExampleAppTest, EchoesWebSocketMessages) {
  start({});
  beast::websocket::stream<tcp::socket> ws(io_);
  ws.next_layer().connect(
      {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  ws.handshake("127.0.0.1", "/ws");
  ws.text(true);
  ws.write(asio::buffer(std::string("ping over websocket")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "ping over websocket");
  ws.close(beast::websocket::close_code::normal);
}

}  // namespace
}  // namespace gantry::testing
