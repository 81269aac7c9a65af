// ProxyServer's life cycle: options refused when out of range, the worker count, listeners
// (port 0, one per service, closing one while a request is in flight).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <future>
#include <string>

#include "proxy/proxy_fixture.h"

namespace gantry::proxy::testing {
namespace {

TEST(ProxyServerLifecycle, RefusesOptionsOutOfRange) {
  auto bad_workers = test_options();
  bad_workers.workers = 1000;
  EXPECT_FALSE(ProxyServer::start(bad_workers));
  auto bad_timeout = test_options();
  bad_timeout.timeouts.upstream_response = 0ms;
  EXPECT_FALSE(ProxyServer::start(bad_timeout));
  auto bad_retries = test_options();
  bad_retries.connect_retries = -1;
  EXPECT_FALSE(ProxyServer::start(bad_retries));
}

TEST(ProxyServerLifecycle, StartsTheConfiguredNumberOfWorkers) {
  auto server = ProxyServer::start(test_options(3));
  ASSERT_TRUE(server) << server.error().str();
  EXPECT_EQ((*server)->workers(), 3);
}

TEST(ProxyServerLifecycle, WorkerCountComesFromTheEnvironmentThenTheConfiguration) {
  ::unsetenv("GANTRY_PROXY_WORKERS");
  EXPECT_EQ(resolve_worker_count(3).value(), 3);
  EXPECT_GE(resolve_worker_count(0).value(), 1);
  ::setenv("GANTRY_PROXY_WORKERS", "5", 1);
  EXPECT_EQ(resolve_worker_count(3).value(), 5);
  ::setenv("GANTRY_PROXY_WORKERS", "lots", 1);
  auto bad = resolve_worker_count(3);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("GANTRY_PROXY_WORKERS"), std::string::npos)
      << bad.error().message;
  ::setenv("GANTRY_PROXY_WORKERS", "0", 1);
  EXPECT_FALSE(resolve_worker_count(3));
  ::unsetenv("GANTRY_PROXY_WORKERS");
}

TEST(ProxyServerLifecycle, ListensOnAFreePortPerServiceAndOnlyOncePerService) {
  auto server = ProxyServer::start(test_options(2));
  ASSERT_TRUE(server) << server.error().str();
  auto a = (*server)->listen("a", "127.0.0.1", 0);
  auto b = (*server)->listen("b", "127.0.0.1", 0);
  ASSERT_TRUE(a) << a.error().str();
  ASSERT_TRUE(b) << b.error().str();
  EXPECT_GT(*a, 0);
  EXPECT_GT(*b, 0);
  EXPECT_NE(*a, *b);
  EXPECT_FALSE((*server)->listen("a", "127.0.0.1", 0)) << "a second listener for 'a'";
  EXPECT_FALSE((*server)->listen("c", "not-an-address", 0));
}

TEST(ProxyServerLifecycle, ClosingAListenerStopsAcceptingAndFinishesTheCurrentRequest) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestUpstream slow([released](const Message&, Socket& s) {
    released.wait();
    write_response(s, 200, "finished");
    return Reply::KeepAlive;
  });
  struct Release {  // released before `slow` joins its threads, whatever happens
    std::promise<void>& p;
    bool done = false;
    void now() {
      if (!std::exchange(done, true)) p.set_value();
    }
    ~Release() { now(); }
  } release_guard{release};
  auto proxy = start_proxy(test_options(2));
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("up-0", slow.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/slow")));
  ASSERT_TRUE(wait_until([&] { return slow.request_count() == 1; }));

  proxy->close_listener("svc");
  EXPECT_TRUE(wait_until([&] { return !Socket::connect(proxy.port).ok(); }))
      << "the port still accepts connections";
  release_guard.now();
  auto res = client.read_final_response();
  ASSERT_TRUE(res) << "the request in flight was cut off";
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "finished");
}

}  // namespace
}  // namespace gantry::proxy::testing
