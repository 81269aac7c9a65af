// Internals of the probe module: the base of one in-flight probe and the per-kind starters.
// Included only by src/probe/*.cpp. Not thread-safe: everything runs on the probe's io_context.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/asio.h"
#include "probe/probe.h"

namespace gantry::probe::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Done = std::function<void(ProbeResult)>;

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

std::shared_ptr<ProbeOp> start_http_probe(asio::io_context& io, const ProbeConfig& config,
                                          Done done);
std::shared_ptr<ProbeOp> start_tcp_probe(asio::io_context& io, const ProbeConfig& config,
                                         Done done);
std::shared_ptr<ProbeOp> start_exec_probe(asio::io_context& io, const ProbeConfig& config,
                                          Done done);

// "timed out after 1s"
std::string timeout_detail(Duration timeout);
// One lower-case line for a socket error: "connection refused", "connection reset", ...
std::string describe_network_error(const boost::system::error_code& ec);
ProbeResult timeout_result(Duration timeout);
// A failed probe with its one-line detail.
ProbeResult failure_result(std::string detail);

}  // namespace gantry::probe::detail
