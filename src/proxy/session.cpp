// One client connection: read a request head, choose a version and replica, forward head and
// body, relay the response (streamed), keep both sides alive, tunnel upgrades. Worker thread.
#include <fmt/format.h>

#include <array>
#include <cstring>

#include "proxy/sticky.h"
#include "proxy/worker_impl.h"

namespace gantry::proxy {

namespace {

using boost::system::error_code;
using Phase = SessionTrack::Phase;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kBodyBuffer = 64 * 1024;  // bytes relayed at a time: memory per connection

// A contiguous byte buffer with a read and a write position.
class Buffer {
 public:
  std::string_view view() const { return {data_.data() + begin_, end_ - begin_}; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Room for at least `want` more bytes (up to `cap` in all), compacting first.
  asio::mutable_buffer prepare(std::size_t want, std::size_t cap) {
    if (data_.size() - end_ < want && begin_ > 0) {
      std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (data_.size() - end_ < want) {
      data_.resize(std::min(std::max(data_.size() * 2, end_ + want), std::max(cap, end_ + 1)));
    }
    return asio::buffer(data_.data() + end_, data_.size() - end_);
  }
  void commit(std::size_t n) { end_ += n; }

 private:
  std::vector<char> data_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

std::string hex16(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
    v >>= 4;
  }
  return s;
}

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v4()) return a.to_v4().is_loopback();
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    return v6.is_loopback() || (v6.is_v4_mapped() && v6.to_v4().is_loopback());
  }
  return false;
}

class Session {
 public:
  Session(Worker& worker, std::shared_ptr<Listener> listener, tcp::socket client)
      : w_(worker),
        listener_(std::move(listener)),
        client_(std::move(client)),
        parser_(worker.limits()) {
    error_code ec;
    auto peer = client_.remote_endpoint(ec);
    if (!ec) {
      client_ip_ = peer.address().is_v6() && peer.address().to_v6().is_v4_mapped()
                       ? peer.address().to_v6().to_v4().to_string()
                       : peer.address().to_string();
      loopback_ = is_loopback(peer.address());
    }
    track_.client = &client_;
    w_.track(&track_);
  }
  ~Session() {
    detach_replica(false);
    w_.untrack(&track_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<void> run();

 private:
  enum class Outcome { KeepGoing, Close, Replay };

  void set_deadline(Phase phase, std::chrono::milliseconds timeout) {
    track_.phase = phase;
    track_.timed_out = false;
    track_.deadline = Clock::now() + timeout;
  }
  void clear_deadline() { track_.deadline = Clock::time_point::max(); }

  asio::awaitable<Outcome> handle_request();
  asio::awaitable<bool> connect_upstream(const RouteSnapshot& route, std::size_t version,
                                         const http1::RequestHead& head, bool fresh_only,
                                         int& failure_status);
  // Replay: the pooled connection was closed before any answer and `may_replay` allowed it.
  asio::awaitable<Outcome> relay_response(const http1::RequestHead& head, VersionStats& stats,
                                          Clock::time_point started, const std::string& set_cookie,
                                          bool may_replay);
  asio::awaitable<void> tunnel();
  asio::awaitable<void> pump_to_client(asio::steady_timer* other_done, bool* finished);
  // True when the version has a replica in the table now.
  static bool has_replica(const RouteSnapshot& route, std::size_t version);
  asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, Buffer& pending);
  asio::awaitable<void> send_generated(int status, std::string_view detail);
  asio::awaitable<bool> write_client(std::string_view a, std::string_view b = {});
  asio::awaitable<bool> write_upstream(std::string_view a, std::string_view b = {});

  void attach_replica(std::shared_ptr<ReplicaState> r) {
    replica_ = std::move(r);
    replica_->add_outstanding(1);
    track_.replica = replica_.get();
  }
  // Ends the request's use of the replica; `reuse` returns a clean connection to its pool.
  void detach_replica(bool reuse) {
    if (upstream_) {
      if (reuse && replica_ && !track_.drained_out) {
        w_.release(*replica_, std::move(*upstream_));
      } else {
        error_code ec;
        upstream_->close(ec);
      }
      upstream_.reset();
      track_.upstream = nullptr;
    }
    if (replica_) {
      replica_->add_outstanding(-1);
      replica_.reset();
      track_.replica = nullptr;
    }
  }
  void close_upstream() {
    if (upstream_) {
      error_code ec;
      upstream_->close(ec);
    }
  }

  Worker& w_;
  std::shared_ptr<Listener> listener_;
  tcp::socket client_;
  std::optional<tcp::socket> upstream_;
  std::shared_ptr<ReplicaState> replica_;
  SessionTrack track_;
  http1::RequestParser parser_;
  http1::ResponseParser response_;
  Buffer in_;            // from the client
  Buffer up_;            // from the upstream
  std::string out_;      // response heads and generated text
  std::string req_out_;  // the request head sent upstream (kept for a replay)
  bool reused_ = false;  // the upstream connection came from the pool
  std::string client_ip_ = "unknown";
  bool loopback_ = false;
  std::string request_id_;
};

asio::awaitable<bool> Session::write_client(std::string_view a, std::string_view b) {
  error_code ec;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a.data(), a.size()),
                                         asio::buffer(b.data(), b.size())};
  co_await asio::async_write(client_, bufs, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> Session::write_upstream(std::string_view a, std::string_view b) {
  error_code ec;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a.data(), a.size()),
                                         asio::buffer(b.data(), b.size())};
  co_await asio::async_write(*upstream_, bufs, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<void> Session::send_generated(int status, std::string_view detail) {
  set_deadline(Phase::Upstream, w_.options().timeouts.upstream_response);
  auto text = http1::generated_response(status, request_id_, detail);
  co_await write_client(text);
  error_code ec;
  client_.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Session::run() {
  while (!w_.stopping()) {
    Outcome o = co_await handle_request();
    detach_replica(false);
    if (o == Outcome::Close) break;
  }
  error_code ec;
  client_.shutdown(tcp::socket::shutdown_both, ec);
  client_.close(ec);
}

asio::awaitable<Session::Outcome> Session::handle_request() {
  const auto& timeouts = w_.options().timeouts;
  parser_.reset();
  request_id_.clear();
  bool started = !in_.empty();
  set_deadline(started ? Phase::Head : Phase::Idle,
               started ? timeouts.request_head : timeouts.idle);
  http1::Step step;
  for (;;) {
    step = parser_.feed(in_.view());
    if (step.kind != http1::Step::NeedMore) break;
    error_code ec;
    auto room = in_.prepare(kReadChunk, w_.limits().max_head_bytes + kReadChunk);
    if (room.size() == 0) {
      step = {http1::Step::Error, 0, 431, "request head too large"};
      break;
    }
    std::size_t n =
        co_await client_.async_read_some(room, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (track_.timed_out && track_.phase == Phase::Head) {
        request_id_ = hex16(w_.random());
        co_await send_generated(408, "the request head did not arrive in time");
      }
      co_return Outcome::Close;
    }
    in_.commit(n);
    if (!started) {
      started = true;
      set_deadline(Phase::Head, timeouts.request_head);
    }
  }
  const auto started_at = Clock::now();
  const http1::RequestHead& head = parser_.head();
  if (std::string_view rid = head.header("x-request-id");
      !rid.empty() && rid.size() <= 128 &&
      std::all_of(rid.begin(), rid.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    request_id_ = std::string(rid);
  } else {
    request_id_ = hex16(w_.random());
  }
  if (step.kind == http1::Step::Error) {
    co_await send_generated(step.error_status, step.error);
    co_return Outcome::Close;
  }

  // Route with the newest table; keep this snapshot for the whole request.
  w_.refresh_if_needed();
  std::shared_ptr<const RouteSnapshot> route = listener_->route;
  if (route->route == nullptr || route->versions.empty()) {
    co_await send_generated(503, fmt::format("no route for service '{}'", listener_->service));
    co_return Outcome::Close;
  }
  const ServiceRoute& sr = *route->route;
  std::string new_key;  // a sticky key the proxy assigns, and the header that sets it
  std::string set_cookie;
  VersionRequest vr;
  vr.peer_is_loopback = loopback_;
  vr.random = w_.random();
  if (sr.override_header().enabled) vr.override_value = head.header(sr.override_header().name);
  if (sr.sticky().mode == StickyMode::Cookie) {
    vr.sticky_key = head.cookie(sr.sticky().name);
    if (vr.sticky_key.empty()) {
      new_key = make_sticky_key(w_.random());
      vr.sticky_key = new_key;
      set_cookie = fmt::format("Set-Cookie: {}={}; Path=/; HttpOnly; SameSite=Lax",
                               sr.sticky().name, new_key);
    }
  } else if (sr.sticky().mode == StickyMode::Header) {
    vr.sticky_key = head.header(sr.sticky().name);
  }
  std::size_t version = choose_version(sr, vr).index;
  if (!has_replica(*route, version) && w_.options().hold.count() > 0) {
    // No replica of that version is ready (a recreate between its old and new replicas, a
    // restart after a crash): hold the request until one is, rather than fail it. `sr` views
    // the first snapshot, which `first` keeps alive; sticky and override choices stay as made.
    const std::shared_ptr<const RouteSnapshot> first = route;
    const auto until = Clock::now() + w_.options().hold;
    asio::steady_timer wait(w_.io());
    boost::system::error_code ec;
    while (Clock::now() < until) {
      wait.expires_after(std::chrono::milliseconds(5));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      w_.refresh_if_needed();
      route = listener_->route;
      if (route->route == nullptr || route->versions.empty()) break;
      version = choose_version(*route->route, vr).index;
      if (has_replica(*route, version)) break;
    }
    if (route->route == nullptr || route->versions.empty()) {
      co_await send_generated(503, fmt::format("no route for service '{}'", listener_->service));
      co_return Outcome::Close;
    }
  }
  VersionStats& stats = *route->versions[version].stats;
  stats.on_request();
  stats.add_bytes_in(head.head_bytes);

  // Head, then the body as it arrives (the proxy answers 100-continue itself).
  req_out_.clear();
  http1::ForwardInfo info{client_ip_, "http", request_id_};
  http1::write_request_head(head, info, head.expect_continue, req_out_);
  http1::RequestHead req;  // what the response relay needs; `head` views die with in_
  req.head_method = head.head_method;
  req.keep_alive = head.keep_alive;
  req.upgrade = head.upgrade;
  req.version = head.version;
  req.idempotent = head.idempotent;
  const bool expect_continue = head.expect_continue;
  // A request with no body that may be repeated is sent again on a fresh connection when a
  // pooled one turns out closed by the replica before a byte of answer (its keep-alive
  // time-out raced ours). Nothing else is ever sent twice.
  const bool replayable = head.idempotent && head.body == http1::BodyKind::None && !head.upgrade;
  in_.consume(step.consumed);
  bool fresh_only = false;
  for (;;) {
    int failure = 0;
    if (!co_await connect_upstream(*route, version, req, fresh_only, failure)) {
      stats.on_response(failure, Clock::now() - started_at);
      co_await send_generated(failure, failure == 503 ? "no ready replica" : "no replica answered");
      co_return Outcome::Close;
    }
    std::string_view first_body;
    std::size_t first_consumed = 0;
    bool body_done = parser_.done();
    if (!body_done && !in_.empty()) {
      auto b = parser_.feed(in_.view());
      if (b.kind == http1::Step::Error) {
        stats.on_response(b.error_status, Clock::now() - started_at);
        co_await send_generated(b.error_status, b.error);
        co_return Outcome::Close;
      }
      first_consumed = b.consumed;
      first_body = in_.view().substr(0, b.consumed);
      body_done = b.kind == http1::Step::Done;
    }
    set_deadline(Phase::Upstream, timeouts.upstream_response);
    if (!co_await write_upstream(req_out_, first_body)) {
      if (reused_ && replayable && !fresh_only) {
        detach_replica(false);
        fresh_only = true;
        continue;
      }
      stats.on_connect_error();
      stats.on_response(502, Clock::now() - started_at);
      co_await send_generated(502, "the replica closed the connection");
      co_return Outcome::Close;
    }
    stats.add_bytes_in(first_consumed);
    in_.consume(first_consumed);
    if (!body_done && expect_continue && in_.empty()) {
      if (!co_await write_client("HTTP/1.1 100 Continue\r\n\r\n")) co_return Outcome::Close;
    }
    while (!body_done) {
      error_code ec;
      if (in_.empty()) {
        auto room = in_.prepare(kReadChunk, kBodyBuffer);
        set_deadline(Phase::Upstream, timeouts.upstream_response);
        std::size_t n =
            co_await client_.async_read_some(room, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return Outcome::Close;  // the client went away mid-body
        in_.commit(n);
      }
      auto b = parser_.feed(in_.view());
      if (b.kind == http1::Step::Error) {
        stats.on_response(b.error_status, Clock::now() - started_at);
        close_upstream();
        co_await send_generated(b.error_status, b.error);
        co_return Outcome::Close;
      }
      body_done = b.kind == http1::Step::Done;
      if (b.consumed > 0) {
        set_deadline(Phase::Upstream, timeouts.upstream_response);
        if (!co_await write_upstream(in_.view().substr(0, b.consumed))) {
          stats.on_response(502, Clock::now() - started_at);
          co_await send_generated(502, "the replica closed the connection during the body");
          co_return Outcome::Close;
        }
        stats.add_bytes_in(b.consumed);
        in_.consume(b.consumed);
      }
    }
    Outcome o =
        co_await relay_response(req, stats, started_at, set_cookie, replayable && !fresh_only);
    if (o != Outcome::Replay) co_return o;
    detach_replica(false);
    fresh_only = true;
  }
}

bool Session::has_replica(const RouteSnapshot& route, std::size_t version) {
  const auto& replicas = route.versions[version].replicas;
  return std::any_of(replicas.begin(), replicas.end(), [](const auto& r) { return r->in_table; });
}

asio::awaitable<bool> Session::connect_upstream(const RouteSnapshot& route, std::size_t version,
                                                const http1::RequestHead& head, bool fresh_only,
                                                int& failure_status) {
  const auto& replicas = route.versions[version].replicas;
  VersionStats& stats = *route.versions[version].stats;
  std::array<std::uint32_t, 64> load{};
  const std::size_t count = std::min(replicas.size(), load.size());
  std::uint64_t tried = 0;
  const int attempts = head.idempotent ? 1 + w_.options().connect_retries : 1;
  failure_status = 503;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    bool any = false;
    for (std::size_t i = 0; i < count; ++i) {
      bool usable = replicas[i]->in_table && !(tried & (1ull << i));
      load[i] = usable ? replicas[i]->outstanding.load(std::memory_order_relaxed) : UINT32_MAX;
      any = any || usable;
    }
    if (!any) break;
    auto pick = choose_replica(std::span(load.data(), count), w_.random());
    if (!pick) break;
    tried |= 1ull << *pick;
    attach_replica(replicas[*pick]);
    reused_ = false;
    if (!fresh_only) {
      if (auto pooled = w_.take_idle(*replica_)) {
        upstream_.emplace(std::move(*pooled));
        track_.upstream = &*upstream_;
        reused_ = true;
        co_return true;
      }
    }
    upstream_.emplace(w_.io());
    track_.upstream = &*upstream_;
    set_deadline(Phase::Connect, w_.options().timeouts.connect);
    error_code ec;
    co_await upstream_->async_connect(replica_->endpoint,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      upstream_->set_option(tcp::no_delay(true), ec);
      co_return true;
    }
    if (track_.timed_out) {
      stats.on_upstream_timeout();
      failure_status = 504;
    } else {
      stats.on_connect_error();
      failure_status = 502;
    }
    detach_replica(false);
  }
  co_return false;
}

asio::awaitable<Session::Outcome> Session::relay_response(const http1::RequestHead& req,
                                                          VersionStats& stats,
                                                          Clock::time_point started,
                                                          const std::string& set_cookie,
                                                          bool may_replay) {
  const auto& timeouts = w_.options().timeouts;
  response_.reset(req.head_method);
  std::vector<std::string> extra;
  if (!set_cookie.empty()) extra.push_back(set_cookie);
  http1::Step step;
  for (;;) {
    step = response_.feed(up_.view());
    if (step.kind == http1::Step::NeedMore) {
      error_code ec;
      auto room = up_.prepare(kReadChunk, 64 * 1024 + kReadChunk);
      set_deadline(Phase::Upstream, timeouts.upstream_response);
      std::size_t n =
          co_await upstream_->async_read_some(room, asio::redirect_error(asio::use_awaitable, ec));
      if (may_replay && reused_ && up_.empty() && !response_.head_done() &&
          (ec == asio::error::eof || ec == asio::error::connection_reset)) {
        co_return Outcome::Replay;
      }
      if (ec == asio::error::eof) {
        step = response_.feed_eof();
      } else if (ec) {
        const bool timed_out = track_.timed_out;
        if (timed_out) stats.on_upstream_timeout();
        stats.on_response(timed_out ? 504 : 502, Clock::now() - started);
        co_await send_generated(timed_out ? 504 : 502, timed_out
                                                           ? "the replica did not answer in time"
                                                           : "the replica closed the connection");
        co_return Outcome::Close;
      } else {
        up_.commit(n);
        continue;
      }
    }
    if (step.kind == http1::Step::Error) {
      stats.on_response(502, Clock::now() - started);
      co_await send_generated(502, step.error);
      co_return Outcome::Close;
    }
    const auto& h = response_.head();
    if (h.status / 100 == 1 && h.status != 101) {
      // Interim response (100 was already answered by the proxy; others pass through).
      if (h.status != 100) {
        out_.clear();
        http1::write_response_head(h, req.version, false, {}, out_);
        if (!co_await write_client(out_)) co_return Outcome::Close;
      }
      up_.consume(step.consumed);
      response_.reset(req.head_method);
      continue;
    }
    break;
  }
  const auto& h = response_.head();
  const int status = h.status;
  const bool switching = status == 101 && req.upgrade;
  const bool upstream_reusable = h.keep_alive && h.body != http1::BodyKind::UntilClose;
  const bool close_client = !req.keep_alive || h.body == http1::BodyKind::UntilClose ||
                            w_.stopping() || (status == 101 && !req.upgrade);
  out_.clear();
  http1::write_response_head(h, req.version, close_client && !switching, extra, out_);
  stats.on_response(status, Clock::now() - started);
  up_.consume(step.consumed);
  if (switching) {
    if (!co_await write_client(out_)) co_return Outcome::Close;
    stats.add_bytes_out(out_.size());
    co_await tunnel();
    co_return Outcome::Close;
  }
  bool done = step.kind == http1::Step::Done;
  std::string_view pending_head = out_;
  for (;;) {
    std::size_t take = 0;
    if (!done && !up_.empty()) {
      auto b = response_.feed(up_.view());
      if (b.kind == http1::Step::Error) {
        // The head already went out: all we can do is cut the connection.
        if (!pending_head.empty()) co_await write_client(pending_head);
        co_return Outcome::Close;
      }
      take = b.consumed;
      done = b.kind == http1::Step::Done;
    }
    if (!pending_head.empty() || take > 0) {
      set_deadline(Phase::Upstream, timeouts.upstream_response);
      if (!co_await write_client(pending_head, up_.view().substr(0, take))) {
        co_return Outcome::Close;
      }
      stats.add_bytes_out(pending_head.size() + take);
      pending_head = {};
      up_.consume(take);
    }
    if (done) break;
    error_code ec;
    auto room = up_.prepare(kReadChunk, kBodyBuffer);
    set_deadline(Phase::Upstream, timeouts.upstream_response);
    std::size_t n =
        co_await upstream_->async_read_some(room, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) {
      auto e = response_.feed_eof();
      if (e.kind == http1::Step::Done) break;
      co_return Outcome::Close;  // truncated: the client sees the connection end
    }
    if (ec) {
      if (track_.timed_out) stats.on_upstream_timeout();
      co_return Outcome::Close;
    }
    up_.commit(n);
  }
  clear_deadline();
  // Leftover bytes after a complete response mean the replica misbehaved: don't reuse it.
  detach_replica(upstream_reusable && up_.empty());
  up_.consume(up_.size());
  if (close_client) {
    error_code ec;
    client_.shutdown(tcp::socket::shutdown_send, ec);
    co_return Outcome::Close;
  }
  co_return Outcome::KeepGoing;
}

asio::awaitable<void> Session::pump(tcp::socket& from, tcp::socket& to, Buffer& pending) {
  error_code ec;
  for (;;) {
    if (!pending.empty()) {
      auto v = pending.view();
      co_await asio::async_write(to, asio::buffer(v.data(), v.size()),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      pending.consume(v.size());
    }
    auto room = pending.prepare(kReadChunk, kBodyBuffer);
    std::size_t n =
        co_await from.async_read_some(room, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, ec);  // pass the half-close on
      co_return;
    }
    if (ec) break;
    pending.commit(n);
  }
  // A side failed or was closed: end both directions.
  from.close(ec);
  to.close(ec);
}

asio::awaitable<void> Session::pump_to_client(asio::steady_timer* other_done, bool* finished) {
  co_await pump(*upstream_, client_, up_);
  *finished = true;
  other_done->cancel();
}

asio::awaitable<void> Session::tunnel() {
  track_.phase = Phase::Tunnel;
  clear_deadline();
  // Upstream -> client runs as its own coroutine; this one pumps client -> upstream, then
  // waits for the other (a timer that never fires, cancelled when the other ends).
  asio::steady_timer other_done(w_.io(), Clock::time_point::max());
  bool finished = false;
  asio::co_spawn(w_.io(), pump_to_client(&other_done, &finished), asio::detached);
  co_await pump(client_, *upstream_, in_);
  if (!finished) {
    error_code ec;
    co_await other_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

asio::awaitable<void> serve_connection(Worker& worker, std::shared_ptr<Listener> listener,
                                       tcp::socket client) {
  Session session(worker, std::move(listener), std::move(client));
  co_await session.run();
}

}  // namespace gantry::proxy
