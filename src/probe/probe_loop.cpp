// ProbeLoop: one probe repeated on an io_context with success/failure thresholds. State lives
// in a shared_ptr that handlers reach only through weak_ptrs, so stop() or destroying the loop
// (even from inside its own callback) is safe. Not thread-safe: use from the io_context thread.
#include <algorithm>

#include "probe/probe.h"
#include "probe/probe_impl.h"

namespace gantry::probe {

using detail::Clock;

struct ProbeLoop::State : std::enable_shared_from_this<ProbeLoop::State> {
  State(boost::asio::io_context& io, ProbeConfig c, ChangeHandler change)
      : io(io), config(std::move(c)), on_change(std::move(change)), timer(io) {
    config.success_threshold = std::max(config.success_threshold, 1);
    config.failure_threshold = std::max(config.failure_threshold, 1);
    config.period = std::max(config.period, Duration(1));
  }

  void schedule(Clock::time_point when) {
    timer.expires_at(when);
    timer.async_wait([weak = weak_from_this(), gen = generation](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->live(gen)) return;
      self->run_once();
    });
  }

  void run_once() {
    const auto started = Clock::now();
    in_flight = run_probe(io, config,
                          [weak = weak_from_this(), gen = generation, started](ProbeResult result) {
                            auto self = weak.lock();  // keeps the state alive while callbacks run
                            if (!self || !self->live(gen)) return;
                            self->record(std::move(result), gen, started);
                          });
  }

  void record(ProbeResult result, std::uint64_t gen, Clock::time_point started) {
    in_flight = {};
    ++runs;
    // Until the first verdict, a failure within the first period is the process still coming
    // up: look again soon (5, 10, 20 ms ... up to the period) instead of a whole period later,
    // and do not count it against failure_threshold (a startup budget keeps its length).
    const bool settling =
        !passing.has_value() && !result.ok() && started < first_due + config.period;
    if (result.ok()) {
      ++successes;
      failures = 0;
    } else if (!settling) {
      ++failures;
      successes = 0;
    }
    last = std::move(result);
    if (on_result) on_result(*last);
    if (!live(gen)) return;
    std::optional<bool> next = passing;
    if (successes >= config.success_threshold) next = true;
    if (failures >= config.failure_threshold) next = false;
    if (next != passing) {
      passing = next;
      if (on_change) on_change(*passing, *last);
      if (!live(gen)) return;
    }
    if (settling) {
      const auto quick = std::min<Duration>(
          std::chrono::milliseconds(5 << std::min<std::uint64_t>(runs - 1, 16)), config.period);
      schedule(std::min(started + quick, first_due + config.period));
      return;
    }
    schedule(started + config.period);
  }

  bool live(std::uint64_t gen) const { return running && gen == generation; }

  boost::asio::io_context& io;
  ProbeConfig config;
  ChangeHandler on_change;
  ResultHandler on_result;
  boost::asio::steady_timer timer;
  ProbeHandle in_flight;
  bool running = false;
  std::uint64_t generation = 0;  // bumped by start/stop: stale handlers see a mismatch
  std::optional<bool> passing;
  std::optional<ProbeResult> last;
  int successes = 0;
  int failures = 0;
  std::uint64_t runs = 0;
  Clock::time_point first_due{};  // when the first probe of this start() was due
};

ProbeLoop::ProbeLoop(boost::asio::io_context& io, ProbeConfig config, ChangeHandler on_change)
    : state_(std::make_shared<State>(io, std::move(config), std::move(on_change))) {}

ProbeLoop::~ProbeLoop() { stop(); }

void ProbeLoop::on_result(ResultHandler handler) { state_->on_result = std::move(handler); }

void ProbeLoop::start() {
  if (state_->running) return;
  state_->running = true;
  ++state_->generation;
  state_->first_due = Clock::now() + state_->config.initial_delay;
  state_->schedule(state_->first_due);
}

void ProbeLoop::stop() {
  if (!state_->running) return;
  state_->running = false;
  ++state_->generation;
  state_->timer.cancel();
  state_->in_flight.cancel();
}

bool ProbeLoop::running() const { return state_->running; }
std::optional<bool> ProbeLoop::passing() const { return state_->passing; }
const std::optional<ProbeResult>& ProbeLoop::last_result() const { return state_->last; }
int ProbeLoop::consecutive_successes() const { return state_->successes; }
int ProbeLoop::consecutive_failures() const { return state_->failures; }
std::uint64_t ProbeLoop::probes_run() const { return state_->runs; }
const ProbeConfig& ProbeLoop::config() const { return state_->config; }

}  // namespace gantry::probe
