// Answers the proxy generates itself through a real ProxyServer: 502 (replica down or gone
// mid-request), 503 (no route, no replica), 504 (no answer in time), 408 and idle closes,
// 431/414 limits; and a client closed cleanly when its upstream dies mid-response.
#include <gtest/gtest.h>

#include <string>

#include "proxy/proxy_fixture.h"

namespace gantry::proxy::testing {
namespace {

TEST(ProxyServerErrors, ReplicaNotListeningGets502NamingTheRequestId) {
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("down-0", closed_port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/", "X-Request-Id: rid-for-502\r\n")));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_NE(res->body.find("rid-for-502"), std::string::npos) << res->body;
  EXPECT_TRUE(client.wait_closed()) << "a generated answer closes the connection";
}

TEST(ProxyServerErrors, UpstreamClosingBeforeAnsweringGets502) {
  TestUpstream upstream([](const Message&, Socket&) { return Reply::Close; });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/")));
  auto res = client.read_final_response();
  ASSERT_TRUE(res) << "no answer; the upstream saw " << upstream.request_count()
                   << " request(s) on " << upstream.connections() << " connection(s); got:\n"
                   << client.buffered();
  EXPECT_EQ(res->status, 502);
}

TEST(ProxyServerErrors, UpstreamDyingMidResponseClosesTheClientConnection) {
  TestUpstream upstream([](const Message&, Socket& s) {
    s.send_all("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
    return Reply::Close;
  });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/")));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "the response head was not passed on";
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->complete) << "the client must see a truncated body, not a complete one";
  EXPECT_FALSE(client.timed_out()) << "the client connection was left open";
}

TEST(ProxyServerErrors, ServiceWithoutARouteGets503) {
  auto proxy = start_proxy(test_options(), "lonely");
  ASSERT_TRUE(proxy);
  TestUpstream upstream;
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto res = get_once(proxy.port, "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(upstream.connections(), 0);
}

TEST(ProxyServerErrors, BeforeAnyTableIsPublishedRequestsGet503) {
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  auto res = get_once(proxy.port, "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
}

TEST(ProxyServerErrors, VersionWithoutReplicasGets503) {
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/", "X-Request-Id: rid-for-503\r\n")));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find("rid-for-503"), std::string::npos) << res->body;
}

TEST(ProxyServerErrors, WithHoldARequestWaitsForAReplicaInsteadOf503) {
  // A recreate deploy: for a moment the version has no ready replica. With options.hold the
  // request waits for the table that brings one, and is answered by it.
  auto options = test_options();
  options.hold = 20s;
  auto proxy = start_proxy(options);
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/held")));
  TestUpstream upstream;
  // Without the hold this request would have its 503 by now or a moment later; with it, the
  // table that brings a replica answers it.
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(upstream.request_count(), 1u);
}

TEST(ProxyServerErrors, WithHoldAVersionThatNeverGetsAReplicaStillGets503) {
  auto options = test_options();
  options.hold = 100ms;
  auto proxy = start_proxy(options);
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {}}})}));
  auto res = get_once(proxy.port, "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
}

TEST(ProxyServerErrors, UpstreamNeverAnsweringGets504) {
  TestUpstream upstream([](const Message&, Socket&) { return Reply::Hang; });
  auto options = test_options();
  options.timeouts.upstream_response = 300ms;
  auto proxy = start_proxy(options);
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto res = get_once(proxy.port, "/slow");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 504);
  EXPECT_EQ(upstream.request_count(), 1u);
  EXPECT_TRUE(wait_until([&] {
    return version_numbers(*proxy.server, "v1").upstream_timeouts >= 1;
  })) << "the time-out is counted for the version";
}

TEST(ProxyServerErrors, UnfinishedRequestHeadGets408OrAClose) {
  auto options = test_options();
  options.timeouts.request_head = 300ms;
  options.timeouts.idle = 60s;  // so only the head time-out can end this
  auto proxy = start_proxy(options);
  ASSERT_TRUE(proxy);
  TestUpstream upstream;
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all("GET / HTTP/1.1\r\nHost: svc.test\r\n"));  // never finished
  const std::string got = client.read_until_closed();
  EXPECT_FALSE(client.timed_out()) << "the half-sent head was never timed out";
  EXPECT_TRUE(got.empty() || got.rfind("HTTP/1.1 408 ", 0) == 0) << got;
  EXPECT_EQ(upstream.bytes_received(), 0u);
}

TEST(ProxyServerErrors, IdleKeepAliveClientIsClosed) {
  auto options = test_options();
  options.timeouts.idle = 300ms;
  auto proxy = start_proxy(options);
  ASSERT_TRUE(proxy);
  TestUpstream upstream;
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/")));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string after = client.read_until_closed();
  EXPECT_FALSE(client.timed_out()) << "the idle connection was never closed";
  EXPECT_TRUE(after.empty() || after.rfind("HTTP/1.1 408 ", 0) == 0) << after;
  auto silent = proxy.connect();  // connects and never sends a byte
  silent.read_until_closed();
  EXPECT_FALSE(silent.timed_out()) << "a silent connection was never closed";
}

class ProxyServerLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = test_options();
    options.limits.max_head_bytes = 2048;
    options.limits.max_headers = 10;
    options.limits.max_uri_bytes = 200;
    proxy_ = start_proxy(options);
    ASSERT_TRUE(proxy_);
    ASSERT_TRUE(publish(proxy_, {route({{"v1", 100, {replica("up-0", upstream_.port())}}})}));
  }

  // Sends raw bytes on a fresh connection; the proxy's answer, then checks it closed.
  std::optional<Message> send(const std::string& bytes) {
    auto client = proxy_.connect();
    if (!client.send_all(bytes)) return std::nullopt;
    auto res = client.read_final_response();
    EXPECT_TRUE(client.wait_closed());
    return res;
  }

  TestUpstream upstream_;
  RunningProxy proxy_;
};

TEST_F(ProxyServerLimits, HeadLargerThanTheLimitGets431) {
  auto res = send(get_request("/", "X-Big: " + std::string(3000, 'a') + "\r\n"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(upstream_.bytes_received(), 0u);
}

TEST_F(ProxyServerLimits, UnfinishedHeadLargerThanTheLimitGets431) {
  auto res = send("GET / HTTP/1.1\r\nHost: svc.test\r\nX-Big: " + std::string(3000, 'a'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(upstream_.bytes_received(), 0u);
}

TEST_F(ProxyServerLimits, MoreHeadersThanTheLimitGet431) {
  std::string extra;
  for (int i = 0; i < 12; ++i) extra += "X-H" + std::to_string(i) + ": v\r\n";
  auto res = send(get_request("/", extra));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(upstream_.bytes_received(), 0u);
}

TEST_F(ProxyServerLimits, UriLongerThanTheLimitGets414) {
  auto res = send(get_request("/" + std::string(300, 'u')));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 414);
  EXPECT_EQ(upstream_.bytes_received(), 0u);
}

TEST_F(ProxyServerLimits, RequestsWithinTheLimitsPass) {
  std::string extra;
  for (int i = 0; i < 8; ++i) extra += "X-H" + std::to_string(i) + ": v\r\n";
  auto client = proxy_.connect();
  ASSERT_TRUE(client.send_all(get_request("/" + std::string(150, 'u'), extra)));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace gantry::proxy::testing
