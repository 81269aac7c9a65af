// Replacing replicas and shifting traffic through a real ProxyServer under steady load: no
// request fails, in-flight requests to a removed replica complete, drained() turns true only
// afterwards, and a removed replica's WebSocket is closed after timeouts.drain.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "proxy/proxy_fixture.h"
#include "proxy/ws_client.h"

namespace gantry::proxy::testing {
namespace {

// A few client threads, each sending GET / on its own keep-alive connection as fast as the
// answers come, counting successes per replica and version and keeping every failure.
class Load {
 public:
  Load(int port, int clients) {
    for (int i = 0; i < clients; ++i) threads_.emplace_back([this, port] { run(port); });
  }
  ~Load() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::uint64_t ok() const { return ok_.load(); }
  std::uint64_t served_by_version(const std::string& v) const {
    std::lock_guard lock(mu_);
    auto it = by_version_.find(v);
    return it == by_version_.end() ? 0 : it->second;
  }
  std::uint64_t served_by_replica(const std::string& r) const {
    std::lock_guard lock(mu_);
    auto it = by_replica_.find(r);
    return it == by_replica_.end() ? 0 : it->second;
  }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mu_);
    return failures_;
  }

 private:
  void run(int port) {
    Socket s;
    while (!stop_) {
      if (!s.ok()) s = Socket::connect(port);
      if (!s.ok() || !s.send_all(get_request("/"))) {
        fail("could not send a request");
        s = Socket();
        continue;
      }
      auto res = s.read_final_response();
      if (!res || !res->complete || res->status != 200) {
        fail(res ? res->head + res->body : "connection ended without a response");
        s = Socket();
        continue;
      }
      ++ok_;
      std::lock_guard lock(mu_);
      ++by_version_[res->header("X-Version")];
      ++by_replica_[res->header("X-Replica")];
      if (res->wants_close()) s = Socket();
    }
  }
  void fail(std::string what) {
    std::lock_guard lock(mu_);
    failures_.push_back(std::move(what));
  }

  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> ok_{0};
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> by_version_, by_replica_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

std::string first_failures(const std::vector<std::string>& failures) {
  std::string out;
  for (std::size_t i = 0; i < failures.size() && i < 3; ++i) out += failures[i] + "\n---\n";
  return out;
}

TEST(ProxyServerDrain, ReplacingEveryReplicaUnderLoadFailsNoRequest) {
  ExampleApp old0("v1", "svc-v1-0"), old1("v1", "svc-v1-1");
  ASSERT_TRUE(old0.ready() && old1.ready());
  auto proxy = start_proxy(test_options(2));
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {old0.as_replica(), old1.as_replica()}}})}));
  Load load(proxy.port, 3);
  ASSERT_TRUE(wait_until([&] { return load.ok() >= 200; }));

  ExampleApp new0("v2", "svc-v2-0"), new1("v2", "svc-v2-1");
  ASSERT_TRUE(new0.ready() && new1.ready());
  ASSERT_TRUE(publish(proxy, {route({{"v2", 100, {new0.as_replica(), new1.as_replica()}}})}));
  ASSERT_TRUE(wait_until([&] {
    return proxy->drained("svc", old0.id()) && proxy->drained("svc", old1.id());
  })) << "in flight: "
      << proxy->in_flight("svc", old0.id()) << ", " << proxy->in_flight("svc", old1.id());
  EXPECT_EQ(proxy->in_flight("svc", old0.id()), 0u);
  EXPECT_EQ(proxy->in_flight("svc", old1.id()), 0u);
  ASSERT_TRUE(old0.terminate());
  ASSERT_TRUE(old1.terminate());

  const auto on_new = [&] {
    return load.served_by_replica(new0.id()) + load.served_by_replica(new1.id());
  };
  const auto before = on_new();
  ASSERT_TRUE(wait_until([&] { return on_new() >= before + 200; }));
  load.stop();
  const auto failures = load.failures();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first:\n"
                                << first_failures(failures);
  EXPECT_GT(load.served_by_replica(old0.id()) + load.served_by_replica(old1.id()), 0u);
}

TEST(ProxyServerDrain, FlippingAllTrafficBetweenVersionsUnderLoadFailsNoRequest) {
  ExampleApp blue("v1"), green("v2");
  ASSERT_TRUE(blue.ready() && green.ready());
  auto proxy = start_proxy(test_options(2));
  ASSERT_TRUE(proxy);
  const auto table = [&](int w1, int w2) {
    return route({{"v1", w1, {blue.as_replica()}}, {"v2", w2, {green.as_replica()}}});
  };
  ASSERT_TRUE(publish(proxy, {table(100, 0)}));
  Load load(proxy.port, 3);
  ASSERT_TRUE(wait_until([&] { return load.served_by_version("v1") >= 100; }));
  for (const auto& [w1, w2, target] : std::vector<std::tuple<int, int, std::string>>{
           {0, 100, "v2"}, {100, 0, "v1"}, {0, 100, "v2"}}) {
    ASSERT_TRUE(publish(proxy, {table(w1, w2)}));
    const auto before = load.served_by_version(target);
    ASSERT_TRUE(wait_until([&] { return load.served_by_version(target) >= before + 100; }))
        << "traffic never reached " << target;
  }
  load.stop();
  const auto failures = load.failures();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first:\n"
                                << first_failures(failures);
}

TEST(ProxyServerDrain, InFlightRequestToARemovedReplicaCompletesBeforeItIsDrained) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestUpstream slow([released](const Message&, Socket& s) {
    released.wait();
    write_response(s, 200, "finished", "old");
    return Reply::KeepAlive;
  });
  // Whatever happens below, the slow handler is released before `slow` joins its threads.
  struct Release {
    std::promise<void>& p;
    bool done = false;
    void now() {
      if (!std::exchange(done, true)) p.set_value();
    }
    ~Release() { now(); }
  } release_guard{release};
  TestUpstream fresh(answer_ok("new"));
  auto proxy = start_proxy(test_options(2));
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("old-0", slow.port())}}})}));
  auto client = proxy.connect();
  ASSERT_TRUE(client.send_all(get_request("/slow")));
  ASSERT_TRUE(wait_until([&] { return slow.request_count() == 1; }));
  EXPECT_EQ(proxy->in_flight("svc", "old-0"), 1u);

  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {replica("new-0", fresh.port())}}})}));
  auto other = get_once(proxy.port, "/");  // new requests go to the new replica at once
  ASSERT_TRUE(other);
  EXPECT_EQ(other->header("X-Version"), "new");
  EXPECT_FALSE(proxy->drained("svc", "old-0")) << "drained while a request is in flight";
  EXPECT_EQ(proxy->in_flight("svc", "old-0"), 1u);

  release_guard.now();
  auto res = client.read_final_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "finished");
  EXPECT_TRUE(wait_until([&] { return proxy->drained("svc", "old-0"); }));
  EXPECT_EQ(proxy->in_flight("svc", "old-0"), 0u);
  // The client's connection is not tied to the replica: its next request goes to the new one.
  ASSERT_TRUE(client.send_all(get_request("/next")));
  auto next = client.read_final_response();
  ASSERT_TRUE(next) << "the client connection was closed with the old replica";
  EXPECT_EQ(next->header("X-Version"), "new");
}

TEST(ProxyServerDrain, ClosesARemovedReplicasWebSocketAfterTheDrainTimeout) {
  ExampleApp old_app("v1", "svc-v1-0"), new_app("v1", "svc-v1-1");
  ASSERT_TRUE(old_app.ready() && new_app.ready());
  auto options = test_options();
  options.timeouts.drain = 1s;
  auto proxy = start_proxy(options);
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {old_app.as_replica()}}})}));
  WsClient ws;
  ASSERT_TRUE(ws.connect(proxy.port));
  ASSERT_EQ(ws.echo("before"), "before");
  EXPECT_EQ(proxy->in_flight("svc", old_app.id()), 1u) << "an open tunnel counts as in flight";

  ASSERT_TRUE(publish(proxy, {route({{"v1", 100, {new_app.as_replica()}}})}));
  EXPECT_FALSE(proxy->drained("svc", old_app.id())) << "drained with its WebSocket still open";
  EXPECT_EQ(ws.read(), std::nullopt);
  EXPECT_TRUE(ws.closed_by_peer()) << "the tunnel was not closed after the drain time-out";
  EXPECT_TRUE(wait_until([&] { return proxy->drained("svc", old_app.id()); }));

  WsClient again;
  ASSERT_TRUE(again.connect(proxy.port));
  EXPECT_EQ(again.echo("after"), "after");
}

}  // namespace
}  // namespace gantry::proxy::testing
