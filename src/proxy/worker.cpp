// A proxy worker: event loop thread, listeners, table refresh, pools, stats, time-outs.
#include <fmt/format.h>
#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <future>
#include <set>

#include "proxy/worker_impl.h"

namespace gantry::proxy {

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::string replica_key(const std::string& service, const Replica& r) {
  return fmt::format("{}\n{}\n{}:{}", service, r.id, r.host, r.port);
}

// How often time-outs and drains are checked: a fraction of the shortest time-out.
std::chrono::milliseconds sweep_period(const ProxyTimeouts& t) {
  auto shortest = std::min({t.connect, t.request_head, t.idle, t.upstream_response, t.drain});
  return std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

}  // namespace

Worker::Worker(int index, const ProxyOptions& options, const TableHolder& holder)
    : index_(index),
      options_(options),
      holder_(holder),
      io_(std::make_unique<asio::io_context>(1)),
      rng_(std::random_device{}() ^ (static_cast<std::uint64_t>(index) << 32)) {
  limits_.max_head_bytes = options.limits.max_head_bytes;
  limits_.max_headers = options.limits.max_headers;
  limits_.max_uri_bytes = options.limits.max_uri_bytes;
}

Worker::~Worker() {
  stop();
  // Sessions live in coroutine frames owned by the io_context; they untrack themselves and
  // return pooled sockets as they are destroyed, so the maps must outlive it.
  sweep_timer_.reset();
  listeners_.clear();
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, replica] : replicas_) replica->idle.clear();
  }
  io_.reset();
}

void Worker::start() {
  sweep_timer_ = std::make_unique<asio::steady_timer>(*io_);
  asio::co_spawn(*io_, sweep_loop(), asio::detached);
  thread_ = std::thread([this] {
    std::string name = fmt::format("gantry-proxy-{}", index_);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    refresh();
    auto guard = asio::make_work_guard(*io_);
    io_->run();
  });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  asio::post(*io_, [this] {
    stopping_ = true;
    for (auto& [name, l] : listeners_) {
      boost::system::error_code ec;
      l->closed = true;
      l->acceptor.close(ec);
    }
    for (SessionTrack* s : sessions_) {
      boost::system::error_code ec;
      if (s->client) s->client->close(ec);
      if (s->upstream) s->upstream->close(ec);
    }
    if (sweep_timer_) sweep_timer_->cancel();
    io_->stop();
  });
  thread_.join();
}

template <class F>
auto Worker::run_here(F&& f) -> decltype(f()) {
  using R = decltype(f());
  std::promise<R> promise;
  auto future = promise.get_future();
  asio::post(*io_, [&] { promise.set_value(f()); });
  return future.get();
}

Result<int> Worker::listen(const std::string& service, const tcp::endpoint& endpoint) {
  return run_here([&]() -> Result<int> {
    if (listeners_.count(service) && !listeners_[service]->closed) {
      return make_error(ErrorCode::Conflict,
                        fmt::format("service '{}' already has a proxy listener", service));
    }
    auto l = std::make_shared<Listener>(*io_, service);
    boost::system::error_code ec;
    l->acceptor.open(endpoint.protocol(), ec);
    if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l->acceptor.set_option(ReusePort(true), ec);
    if (!ec) l->acceptor.bind(endpoint, ec);
    if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return make_error(ErrorCode::Io,
                        fmt::format("service '{}': cannot listen on {}:{}: {}", service,
                                    endpoint.address().to_string(), endpoint.port(), ec.message()));
    }
    int port = l->acceptor.local_endpoint(ec).port();
    listeners_[service] = l;
    cache_generation_ = ~std::uint64_t{0};  // give the new listener its route
    refresh();
    asio::co_spawn(*io_, accept_loop(l), asio::detached);
    return port;
  });
}

void Worker::close_listener(const std::string& service) {
  run_here([&] {
    auto it = listeners_.find(service);
    if (it != listeners_.end()) {
      boost::system::error_code ec;
      it->second->closed = true;
      it->second->acceptor.close(ec);
      listeners_.erase(it);
    }
    return 0;
  });
}

void Worker::notify_published() {
  asio::post(*io_, [this] { refresh_if_needed(); });
}

asio::awaitable<void> Worker::accept_loop(std::shared_ptr<Listener> listener) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket client(*io_);
    co_await listener->acceptor.async_accept(client, asio::redirect_error(asio::use_awaitable, ec));
    if (listener->closed || stopping_) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
      continue;  // EMFILE and friends: keep accepting what we can
    }
    client.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(*io_, serve_connection(*this, listener, std::move(client)), asio::detached);
  }
}

std::shared_ptr<ReplicaState> Worker::replica_for(const std::string& service, const Replica& r) {
  auto key = replica_key(service, r);
  auto it = replicas_.find(key);
  if (it != replicas_.end()) {
    it->second->in_table = true;
    return it->second;
  }
  auto state = std::make_shared<ReplicaState>();
  state->service = service;
  state->id = r.id;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(r.host, ec);
  if (ec) address = asio::ip::make_address("127.0.0.1");
  state->endpoint = tcp::endpoint(address, static_cast<unsigned short>(r.port));
  replicas_.emplace(key, state);
  return state;
}

VersionStats* Worker::stats_for(const std::string& service, const std::string& version) {
  auto& slot = stats_[{service, version}];
  if (!slot) slot = std::make_unique<VersionStats>();
  return slot.get();
}

void Worker::refresh() {
  std::uint64_t generation = holder_.generation();  // before the load: see routing_table.h
  table_ = holder_.load();
  cache_generation_ = generation;
  std::lock_guard lock(mutex_);
  std::set<std::string> present;
  for (const auto& route : table_->services()) {
    for (const auto& v : route.versions()) {
      for (const auto& r : v.replicas) present.insert(replica_key(route.service(), r));
    }
  }
  // Replicas that left the table drain: no new requests, idle connections closed now.
  auto now = Clock::now();
  for (auto& [key, state] : replicas_) {
    if (present.count(key) == 0 && state->in_table) {
      state->in_table = false;
      state->removed_at = now;
      state->idle.clear();
    }
  }
  for (auto& [service, listener] : listeners_) {
    auto snap = std::make_shared<RouteSnapshot>();
    snap->table = table_;
    snap->route = table_->find(service);
    if (snap->route != nullptr) {
      for (const auto& v : snap->route->versions()) {
        VersionSlot slot;
        slot.name = v.name;
        slot.stats = stats_for(service, v.name);
        for (const auto& r : v.replicas) slot.replicas.push_back(replica_for(service, r));
        snap->versions.push_back(std::move(slot));
      }
    }
    listener->route = std::move(snap);
  }
  // Stats exist for every routed version, even of services without a listener here.
  for (const auto& route : table_->services()) {
    for (const auto& v : route.versions()) stats_for(route.service(), v.name);
  }
  forget_drained_replicas();
  seen_generation_.store(generation, std::memory_order_release);
}

// Replicas out of the table with nothing open on them are forgotten (mutex_ held).
void Worker::forget_drained_replicas() {
  std::erase_if(replicas_, [](const auto& kv) {
    const auto& s = *kv.second;
    return !s.in_table && s.outstanding.load(std::memory_order_relaxed) == 0;
  });
}

void Worker::release(ReplicaState& replica, tcp::socket socket) {
  if (!replica.in_table || stopping_ || replica.idle.size() >= options_.max_idle_per_replica) {
    boost::system::error_code ec;
    socket.close(ec);
    return;
  }
  replica.idle.push_back(std::move(socket));
}

std::optional<tcp::socket> Worker::take_idle(ReplicaState& replica) {
  while (!replica.idle.empty()) {
    tcp::socket s = std::move(replica.idle.back());
    replica.idle.pop_back();
    // A pooled connection the replica closed (or wrote to unasked) is not reused.
    char byte;
    ssize_t n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return s;
    boost::system::error_code ec;
    s.close(ec);
  }
  return std::nullopt;
}

asio::awaitable<void> Worker::sweep_loop() {
  auto period = sweep_period(options_.timeouts);
  for (;;) {
    boost::system::error_code ec;
    sweep_timer_->expires_after(period);
    co_await sweep_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) co_return;
    sweep();
  }
}

void Worker::sweep() {
  refresh_if_needed();
  auto now = Clock::now();
  for (SessionTrack* s : sessions_) {
    boost::system::error_code ec;
    if (s->replica != nullptr && !s->replica->in_table &&
        now - s->replica->removed_at >= options_.timeouts.drain) {
      // The replica's drain time is up: close cleanly (FIN both ways), in-flight or not.
      s->drained_out = true;
      if (s->upstream) {
        s->upstream->shutdown(tcp::socket::shutdown_both, ec);
        s->upstream->close(ec);
      }
      if (s->client) s->client->shutdown(tcp::socket::shutdown_both, ec);
      if (s->client) s->client->close(ec);
      continue;
    }
    if (now < s->deadline) continue;
    s->timed_out = true;
    s->deadline = Clock::time_point::max();
    // Cancel the operation the phase waits on; the session decides what to answer.
    if (s->phase == SessionTrack::Phase::Idle || s->phase == SessionTrack::Phase::Head) {
      if (s->client) s->client->cancel(ec);
    } else {
      if (s->upstream) s->upstream->cancel(ec);
      if (s->client) s->client->cancel(ec);
    }
  }
  std::lock_guard lock(mutex_);
  forget_drained_replicas();
}

std::uint64_t Worker::in_flight(std::string_view service, std::string_view id) const {
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [key, s] : replicas_) {
    if (s->service == service && s->id == id) {
      total += s->outstanding.load(std::memory_order_relaxed);
    }
  }
  return total;
}

void Worker::collect(std::map<std::pair<std::string, std::string>, StatsSnapshot>& into) const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, stats] : stats_) into[key].merge(stats->snapshot());
}

}  // namespace gantry::proxy
