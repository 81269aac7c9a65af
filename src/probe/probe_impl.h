// Internals of the probe module: the base of one in-flight probe and the per-kind starters.
// Included only by src/probe/*.cpp. Not thread-safe: everything runs on the probe's io_context.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.h"
#include "probe/probe.h"

namespace gantry::probe::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Done = std::function<void(ProbeResult)>;

// "timed out after 1s"
std::string timeout_detail(Duration timeout);
// One lower-case line for a socket error: "connection refused", "connection reset", ...
std::string describe_network_error(const boost::system::error_code& ec);
ProbeResult timeout_result(Duration timeout);
// A failed probe with its one-line detail.
ProbeResult failure_result(std::string detail);

// One in-flight probe. Its async handlers hold a shared_ptr to it, so it lives until the last
// handler ran; finish() delivers the result once, and never after cancel().
class ProbeOp {
 public:
  ProbeOp(asio::io_context& io, const ProbeConfig& config, Done done)
      : io_(io), config_(config), done_(std::move(done)), started_(Clock::now()) {}
  virtual ~ProbeOp() = default;
  ProbeOp(const ProbeOp&) = delete;
  ProbeOp& operator=(const ProbeOp&) = delete;

  void cancel() {
    if (finished_) return;
    finished_ = true;
    done_ = nullptr;
    abort();
  }
  bool finished() const { return finished_; }

 protected:
  // Stops the kind's I/O (and, for exec, kills the process group); called once by cancel().
  virtual void abort() = 0;

  void finish(ProbeResult result) {
    if (finished_) return;
    finished_ = true;
    result.elapsed = std::chrono::duration_cast<Duration>(Clock::now() - started_);
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result));
  }

  // Delivers `result` from a fresh handler: run_probe never calls back from inside itself.
  void finish_later(std::shared_ptr<ProbeOp> self, ProbeResult result) {
    asio::post(io_, [self = std::move(self), result = std::move(result)]() mutable {
      self->finish(std::move(result));
    });
  }

  Clock::time_point deadline() const { return started_ + config_.timeout; }

  asio::io_context& io_;
  ProbeConfig config_;

 private:
  Done done_;
  Clock::time_point started_;
  bool finished_ = false;
};

// A probe that connects to host:port (HTTP, TCP). Resolves the host when it is not an IP
// literal, under the probe's deadline (the resolver has none of its own: a timer cancels it),
// then calls Derived::connect(endpoints). Derived must inherit
// std::enable_shared_from_this<Derived>.
template <class Derived>
class SocketProbe : public ProbeOp {
 public:
  SocketProbe(asio::io_context& io, const ProbeConfig& config, Done done)
      : ProbeOp(io, config, std::move(done)), stream_(io), resolver_(io), guard_(io) {}

 protected:
  using tcp = asio::ip::tcp;

  void resolve_then_connect(const std::string& host, int port) {
    auto self = static_cast<Derived*>(this)->shared_from_this();
    if (port <= 0 || port > 65535) {
      return finish_later(self, failure_result("no port to probe"));
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) return self->connect({tcp::endpoint(address, static_cast<unsigned short>(port))});
    guard_.expires_at(deadline());
    guard_.async_wait([self](boost::system::error_code e) {
      if (e || self->finished()) return;
      self->resolve_timed_out_ = true;
      self->resolver_.cancel();
    });
    resolver_.async_resolve(
        host, std::to_string(port),
        [self](boost::system::error_code e, tcp::resolver::results_type results) {
          self->guard_.cancel();
          if (self->finished()) return;
          if (self->resolve_timed_out_) return self->finish(timeout_result(self->config_.timeout));
          if (e) return self->finish(failure_result(describe_network_error(e)));
          std::vector<tcp::endpoint> endpoints;
          for (const auto& r : results) endpoints.push_back(r.endpoint());
          self->connect(std::move(endpoints));
        });
  }

  void abort() override {
    boost::system::error_code ignored;
    resolver_.cancel();
    guard_.cancel();
    stream_.cancel();
    stream_.socket().close(ignored);
  }

  boost::beast::tcp_stream stream_;
  tcp::resolver resolver_;
  asio::steady_timer guard_;
  bool resolve_timed_out_ = false;
};

std::shared_ptr<ProbeOp> start_http_probe(asio::io_context& io, const ProbeConfig& config,
                                          Done done);
std::shared_ptr<ProbeOp> start_tcp_probe(asio::io_context& io, const ProbeConfig& config,
                                         Done done);
std::shared_ptr<ProbeOp> start_exec_probe(asio::io_context& io, const ProbeConfig& config,
                                          Done done);

}  // namespace gantry::probe::detail
