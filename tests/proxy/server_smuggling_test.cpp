// Request smuggling through a real ProxyServer: every ambiguous request is answered 400, the
// connection closed, and neither it nor the request hidden behind it reaches the upstream.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "proxy/proxy_fixture.h"
#include "proxy/smuggling_cases.h"

namespace gantry::proxy::testing {
namespace {

class ProxyServerSmuggling : public ::testing::TestWithParam<SmugglingCase> {};

TEST_P(ProxyServerSmuggling, IsRefusedWith400AndNothingReachesTheUpstream) {
  const auto& c = GetParam();
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));

  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(c.request));
  auto res = client.read_final_response();
  ASSERT_TRUE(res) << "no answer to:\n" << c.request;
  EXPECT_EQ(res->status, 400) << res->head;
  EXPECT_TRUE(icontains(res->header("Connection"), "close")) << res->head;
  EXPECT_TRUE(client.wait_closed()) << "the connection stayed open after a refused request";

  // A good request afterwards: once it is answered, whatever the bad one sent upstream has
  // arrived, so the upstream's record is final.
  auto after = get_once(proxy.port, "/after");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  const auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u) << "the upstream saw:\n" << upstream.raw();
  EXPECT_EQ(seen[0].target, "/after");
  EXPECT_EQ(upstream.raw().find("/smuggled"), std::string::npos) << upstream.raw();
  if (c.in_head) {
    EXPECT_EQ(upstream.raw().rfind("GET /after ", 0), 0u)
        << "bytes of a refused head reached the upstream:\n"
        << upstream.raw();
  }
}

// Connection may name headers to drop before forwarding; naming the body's framing would make
// the upstream read the body as a second request on its (pooled) connection.
TEST(ProxyServerSmugglingViaConnection, NamingContentLengthCannotSmuggleTheBody) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  const std::string hidden = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  auto client = proxy.connect();
  ASSERT_TRUE(
      client.send_all("POST /form HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\n"
                      "Content-Length: " +
                      std::to_string(hidden.size()) + "\r\n\r\n" + hidden));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  // Refusing the request is fine; forwarding it is fine if the upstream gets it whole.
  EXPECT_TRUE(res->status == 400 || res->status == 200) << res->head;
  auto after = get_once(proxy.port, "/after");
  ASSERT_TRUE(after);
  for (const auto& r : upstream.requests()) {
    EXPECT_NE(r.target, "/smuggled") << "the body reached the upstream as a request:\n"
                                     << upstream.raw();
    if (r.target == "/form") {
      EXPECT_EQ(r.body, hidden) << r.head;
    }
  }
}

TEST(ProxyServerSmugglingViaConnection, NamingTransferEncodingCannotSmuggleTheBody) {
  TestUpstream upstream;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", upstream.port())}}})}));
  const std::string hidden = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", hidden.size());
  auto client = proxy.connect();
  ASSERT_TRUE(
      client.send_all("POST /form HTTP/1.1\r\nHost: x\r\nConnection: Transfer-Encoding\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n" +
                      std::string(size) + "\r\n" + hidden + "\r\n0\r\n\r\n"));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->status == 400 || res->status == 200) << res->head;
  auto after = get_once(proxy.port, "/after");
  ASSERT_TRUE(after);
  for (const auto& r : upstream.requests()) {
    EXPECT_NE(r.target, "/smuggled") << "the body reached the upstream as a request:\n"
                                     << upstream.raw();
    if (r.target == "/form") {
      EXPECT_EQ(r.body, hidden) << r.head;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ProxyServerSmuggling, ::testing::ValuesIn(smuggling_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace gantry::proxy::testing
