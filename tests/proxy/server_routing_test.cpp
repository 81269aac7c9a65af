// Choosing where requests go through a real ProxyServer: connect-failure retries (idempotent
// only), sticky cookie and header, the override header, the weighted split, and the numbers
// kept per version.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proxy/proxy_fixture.h"
#include "proxy/sticky.h"

namespace gantry::proxy::testing {
namespace {

// Waits until every worker has seen the newest table. drained() is true for a replica id no
// table ever named exactly when every worker has caught up (server.h).
void wait_until_published(const RunningProxy& proxy) {
  ASSERT_TRUE(wait_until([&] { return proxy->drained("svc", "no-such-replica"); }));
}

// The version name the sticky choice gives `key` for this route spec.
std::string expected_version(const ServiceRouteSpec& spec, const std::string& key) {
  auto r = ServiceRoute::make(spec);
  EXPECT_TRUE(r) << r.error().str();
  return std::string(r->versions()[choose_version(*r, key, 0).index].name);
}

// Two test upstreams answering as v1 and v2.
struct TwoVersions {
  TestUpstream v1{answer_ok("v1")};
  TestUpstream v2{answer_ok("v2")};
  ServiceRouteSpec spec(int w1, int w2, StickyPolicy sticky = {}, OverrideHeader o = {}) const {
    return route(
        {{"v1", w1, {replica("v1-0", v1.port())}}, {"v2", w2, {replica("v2-0", v2.port())}}},
        std::move(sticky), std::move(o));
  }
};

TEST(ProxyServerRouting, RetriesAnIdempotentRequestOnAnotherReplicaWhenConnectFails) {
  TestUpstream live;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(
      proxy,
      {route({{"v1", 100, {replica("dead-0", closed_port()), replica("live-0", live.port())}}})}));
  auto client = proxy.connect();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client.send_all(get_request("/get/" + std::to_string(i))));
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->status, 200) << "request " << i << " was not retried on the live replica";
  }
  EXPECT_EQ(live.request_count(), 20u);
  EXPECT_TRUE(wait_until([&] { return version_numbers(*proxy.server, "v1").connect_errors >= 1; }))
      << "the dead replica was never tried (or its connect errors not counted)";
}

TEST(ProxyServerRouting, DoesNotRetryAPostWhoseBytesWentUpstream) {
  // Both replicas read the request and hang up without answering.
  TestUpstream first([](const Message&, Socket&) { return Reply::Close; });
  TestUpstream second([](const Message&, Socket&) { return Reply::Close; });
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(
      proxy,
      {route({{"v1", 100, {replica("a-0", first.port()), replica("b-0", second.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(
      "POST /charge HTTP/1.1\r\nHost: svc.test\r\nContent-Length: 9\r\n\r\namount=10"));
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_EQ(first.request_count() + second.request_count(), 1u)
      << "the POST was sent upstream more than once";
}

TEST(ProxyServerRouting, SetsTheStickyCookieWhenTheClientHasNone) {
  TwoVersions up;
  const StickyPolicy sticky{StickyMode::Cookie, "gantry_sticky"};
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {up.spec(50, 50, sticky)}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/")));
  auto first = client.read_final_response();
  ASSERT_TRUE(first);
  const std::string key = set_cookie_value(*first, "gantry_sticky");
  ASSERT_EQ(key.size(), 16u) << first->head;
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos) << key;
  const std::string version = expected_version(up.spec(50, 50, sticky), key);
  EXPECT_EQ(first->header("X-Version"), version)
      << "the first request must go where the new cookie sends the later ones";
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        client.send_all(get_request("/", "Cookie: other=1; gantry_sticky=" + key + "\r\n")));
    auto res = client.read_final_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("X-Version"), version);
    EXPECT_EQ(set_cookie_value(*res, "gantry_sticky"), "") << "cookie set again:\n" << res->head;
  }
}

TEST(ProxyServerRouting, StickyClientsKeepTheirVersionAsTheCanaryWeightRises) {
  TwoVersions up;
  const StickyPolicy sticky{StickyMode::Cookie, "gantry_sticky"};
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  std::mt19937_64 rng(2024);
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(make_sticky_key(rng()));
  std::vector<std::string> previous(keys.size(), "v1");
  auto client = proxy.connect();
  for (int canary : {10, 50, 90}) {
    const auto spec = up.spec(100 - canary, canary, sticky);
    ASSERT_TRUE(publish(proxy, {spec}));
    ASSERT_NO_FATAL_FAILURE(wait_until_published(proxy));
    int on_canary = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      ASSERT_TRUE(client.send_all(get_request("/", "Cookie: gantry_sticky=" + keys[i] + "\r\n")));
      auto res = client.read_final_response();
      ASSERT_TRUE(res);
      const std::string served = res->header("X-Version");
      EXPECT_EQ(served, expected_version(spec, keys[i])) << "key " << keys[i] << " at " << canary;
      EXPECT_FALSE(previous[i] == "v2" && served == "v1")
          << "key " << keys[i] << " moved back off the canary as its weight rose to " << canary;
      previous[i] = served;
      on_canary += served == "v2";
    }
    EXPECT_GT(on_canary, 0) << canary;
    EXPECT_LT(on_canary, static_cast<int>(keys.size())) << canary;
  }
}

TEST(ProxyServerRouting, HeaderStickyClientsKeepTheirVersion) {
  TwoVersions up;
  const StickyPolicy sticky{StickyMode::Header, "X-User"};
  const auto spec = up.spec(50, 50, sticky);
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {spec}));
  auto client = proxy.connect();
  for (int user = 0; user < 50; ++user) {
    const std::string key = "user-" + std::to_string(user);
    const std::string version = expected_version(spec, key);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(client.send_all(get_request("/", "X-User: " + key + "\r\n")));
      auto res = client.read_final_response();
      ASSERT_TRUE(res);
      EXPECT_EQ(res->header("X-Version"), version) << key;
      EXPECT_FALSE(res->has("Set-Cookie")) << res->head;
    }
  }
}

TEST(ProxyServerRouting, OverrideHeaderReachesAWeightZeroVersion) {
  TwoVersions up;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {up.spec(100, 0)}));
  auto client = proxy.connect();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send_all(get_request("/", "X-Gantry-Version: v2\r\n")));
    auto res = client.read_final_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("X-Version"), "v2");
    ASSERT_TRUE(client.send_all(get_request("/")));
    auto plain = client.read_final_response();
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->header("X-Version"), "v1");
  }
}

TEST(ProxyServerRouting, OverrideNamingNoVersionIsIgnored) {
  TwoVersions up;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {up.spec(100, 0)}));
  auto res = get_once(proxy.port, "/", "X-Gantry-Version: v9\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("X-Version"), "v1");
}

TEST(ProxyServerRouting, DisabledOverrideHeaderIsIgnored) {
  TwoVersions up;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  OverrideHeader off;
  off.enabled = false;
  ASSERT_TRUE(publish(proxy, {up.spec(100, 0, {}, off)}));
  for (int i = 0; i < 5; ++i) {
    auto res = get_once(proxy.port, "/", "X-Gantry-Version: v2\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("X-Version"), "v1");
  }
}

TEST(ProxyServerRouting, LoopbackOnlyOverrideIsHonouredFromLoopbackUnderItsOwnName) {
  TwoVersions up;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  OverrideHeader local;
  local.name = "X-Preview";
  local.loopback_only = true;
  ASSERT_TRUE(publish(proxy, {up.spec(100, 0, {}, local)}));
  auto res = get_once(proxy.port, "/", "X-Preview: v2\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("X-Version"), "v2");
  auto default_name = get_once(proxy.port, "/", "X-Gantry-Version: v2\r\n");
  ASSERT_TRUE(default_name);
  EXPECT_EQ(default_name->header("X-Version"), "v1") << "only the configured name counts";
}

TEST(ProxyServerRouting, SplitsKeylessTrafficByWeight) {
  TwoVersions up;
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {up.spec(90, 10)}));
  auto client = proxy.connect();
  constexpr int kRequests = 2000;
  int canary = 0;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client.send_all(get_request("/")));
    auto res = client.read_final_response();
    ASSERT_TRUE(res) << "request " << i;
    canary += res->header("X-Version") == "v2";
  }
  // 10 % of 2000 is 200 with a standard deviation of about 13; 6-14 % is a ±6σ band.
  EXPECT_GE(canary, kRequests * 6 / 100);
  EXPECT_LE(canary, kRequests * 14 / 100);
  EXPECT_EQ(up.v1.request_count() + up.v2.request_count(), static_cast<std::size_t>(kRequests));
}

TEST(ProxyServerRouting, CountsRequestsAndResponsesPerVersion) {
  TestUpstream good(answer_ok("v1"));
  TestUpstream failing([](const Message&, Socket& s) {
    write_response(s, 500, "broken", "v2");
    return Reply::KeepAlive;
  });
  auto proxy = start_proxy(test_options(2));
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("v1-0", good.port())}},
                                     {"v2", 0, {replica("v2-0", failing.port())}}})}));
  for (int i = 0; i < 5; ++i) {
    auto res = get_once(proxy.port);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  for (int i = 0; i < 3; ++i) {
    auto res = get_once(proxy.port, "/", "X-Gantry-Version: v2\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 500);
  }
  const bool counted = wait_until([&] {
    const auto v1 = version_numbers(*proxy.server, "v1");
    const auto v2 = version_numbers(*proxy.server, "v2");
    return v1.responses() == 5 && v2.responses() == 3;
  });
  const auto v1 = version_numbers(*proxy.server, "v1");
  const auto v2 = version_numbers(*proxy.server, "v2");
  EXPECT_TRUE(counted) << "v1 responses " << v1.responses() << ", v2 responses " << v2.responses();
  EXPECT_EQ(v1.requests, 5u);
  EXPECT_EQ(v1.responses_of_class(2), 5u);
  EXPECT_EQ(v1.responses_with_code(200), 5u);
  EXPECT_EQ(v1.responses_of_class(5), 0u);
  EXPECT_EQ(v2.requests, 3u);
  EXPECT_EQ(v2.responses_of_class(5), 3u);
  EXPECT_EQ(v2.responses_with_code(500), 3u);
  EXPECT_GT(v1.bytes_out, 0u);
  EXPECT_GT(v1.bytes_in, 0u);
  EXPECT_EQ(v1.latency.count(), 5u);
}

TEST(ProxyServerRouting, CountsGeneratedBadGatewaysForTheVersion) {
  auto proxy = start_proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("down-0", closed_port())}}})}));
  for (int i = 0; i < 2; ++i) {
    auto res = get_once(proxy.port);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 502);
  }
  EXPECT_TRUE(wait_until([&] {
    const auto v1 = version_numbers(*proxy.server, "v1");
    return v1.responses_with_code(502) == 2 && v1.connect_errors >= 2;
  })) << "502s: "
      << version_numbers(*proxy.server, "v1").responses_with_code(502);
}

}  // namespace
}  // namespace gantry::proxy::testing
