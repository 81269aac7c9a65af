// One proxy worker (internal to src/proxy): its event loop thread, its SO_REUSEPORT listeners,
// its view of the routing table, replica connection pools and per-version stats. Everything
// here runs on the worker's thread, except the methods marked "any thread", which take
// mutex_ (never held on the request path).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/asio.h"
#include "core/result.h"
#include "proxy/http1.h"
#include "proxy/routing_table.h"
#include "proxy/server.h"
#include "proxy/stats.h"

namespace gantry::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A replica as one worker knows it: how many of this worker's requests (and tunnels) are on
// it, and its idle keep-alive connections. Outlives its table entry while sessions use it.
struct ReplicaState {
  std::string service;
  std::string id;
  tcp::endpoint endpoint;
  // Single writer (the worker); read by the controller through in_flight().
  std::atomic<std::uint32_t> outstanding{0};
  std::vector<tcp::socket> idle;
  bool in_table = true;
  Clock::time_point removed_at{};

  void add_outstanding(int delta) {
    outstanding.store(outstanding.load(std::memory_order_relaxed) + static_cast<unsigned>(delta),
                      std::memory_order_relaxed);
  }
};

// One version of a route, resolved to this worker's objects.
struct VersionSlot {
  std::string_view name;  // points into the table RouteSnapshot keeps alive
  VersionStats* stats = nullptr;
  std::vector<std::shared_ptr<ReplicaState>> replicas;
};

// A service's route at one table generation. Immutable once built; a session keeps the one it
// routed with until its request ends.
struct RouteSnapshot {
  std::shared_ptr<const RoutingTable> table;
  const ServiceRoute* route = nullptr;  // nullptr: no route for the service
  std::vector<VersionSlot> versions;
};

struct Listener {
  Listener(asio::io_context& io, std::string s) : service(std::move(s)), acceptor(io) {}
  std::string service;
  tcp::acceptor acceptor;
  std::shared_ptr<const RouteSnapshot> route = std::make_shared<RouteSnapshot>();
  bool closed = false;
};

// What the sweep needs to know about a live connection.
struct SessionTrack {
  enum class Phase { Idle, Head, Connect, Upstream, Tunnel };
  Phase phase = Phase::Idle;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  bool drained_out = false;  // closed because its replica's drain time ran out
  tcp::socket* client = nullptr;
  tcp::socket* upstream = nullptr;
  ReplicaState* replica = nullptr;
};

class Worker {
 public:
  Worker(int index, const ProxyOptions& options, const TableHolder& holder);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  // Any thread: closes every listener and connection and joins the thread.
  void stop();

  // Any thread (blocks until the worker did it).
  Result<int> listen(const std::string& service, const tcp::endpoint& endpoint);
  void close_listener(const std::string& service);
  void notify_published();  // asks the worker to pick up the newest table now

  // Any thread.
  std::uint64_t seen_generation() const { return seen_generation_.load(std::memory_order_acquire); }
  std::uint64_t in_flight(std::string_view service, std::string_view id) const;
  void collect(std::map<std::pair<std::string, std::string>, StatsSnapshot>& into) const;

  // Worker thread (sessions).
  const ProxyOptions& options() const { return options_; }
  const http1::Limits& limits() const { return limits_; }
  asio::io_context& io() { return *io_; }
  void refresh_if_needed() {
    if (holder_.generation() != cache_generation_) refresh();
  }
  std::uint64_t random() { return rng_(); }
  void track(SessionTrack* s) { sessions_.insert(s); }
  void untrack(SessionTrack* s) { sessions_.erase(s); }
  bool stopping() const { return stopping_; }
  // Returns an idle connection to the replica's pool, or closes it.
  void release(ReplicaState& replica, tcp::socket socket);
  // An idle pooled connection to the replica that still looks open, if any.
  std::optional<tcp::socket> take_idle(ReplicaState& replica);

 private:
  void refresh();
  void forget_drained_replicas();
  std::shared_ptr<ReplicaState> replica_for(const std::string& service, const Replica& r);
  VersionStats* stats_for(const std::string& service, const std::string& version);
  asio::awaitable<void> accept_loop(std::shared_ptr<Listener> listener);
  asio::awaitable<void> sweep_loop();
  void sweep();
  template <class F>
  auto run_here(F&& f) -> decltype(f());

  int index_;
  ProxyOptions options_;
  http1::Limits limits_;
  const TableHolder& holder_;
  std::unique_ptr<asio::io_context> io_;
  std::thread thread_;
  std::mt19937_64 rng_;
  bool stopping_ = false;

  // Worker thread only.
  std::shared_ptr<const RoutingTable> table_;
  std::uint64_t cache_generation_ = ~std::uint64_t{0};
  std::map<std::string, std::shared_ptr<Listener>> listeners_;
  std::unordered_set<SessionTrack*> sessions_;
  std::unique_ptr<asio::steady_timer> sweep_timer_;

  // Shared with other threads: structure guarded by mutex_, values atomic.
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ReplicaState>> replicas_;  // key: service\nid\nport
  std::map<std::pair<std::string, std::string>, std::unique_ptr<VersionStats>> stats_;
  std::atomic<std::uint64_t> seen_generation_{0};
};

// Serves one accepted client connection until it closes (session.cpp).
asio::awaitable<void> serve_connection(Worker& worker, std::shared_ptr<Listener> listener,
                                       tcp::socket client);

}  // namespace gantry::proxy
