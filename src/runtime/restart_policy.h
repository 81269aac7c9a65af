// When to restart a replica that exited, and when to stop trying (crash loop). Pure logic
// with injected time and randomness, so tests need no clock. Not thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "core/units.h"

namespace gantry::runtime {

using Clock = std::chrono::steady_clock;

struct RestartConfig {
  enum class Mode { Never, OnFailure, Always };
  Mode mode = Mode::OnFailure;
  int max_retries = 10;  // consecutive restarts without a stable run before giving up
  Duration initial{1000};
  Duration max{60000};
  double multiplier = 2.0;
  double jitter = 0.1;           // each delay is spread by +-jitter
  Duration stable_after{30000};  // a run this long resets the count and the backoff
};

struct ExitInfo {
  bool signaled = false;
  int code = 0;       // exit status, or the signal number when signaled
  bool known = true;  // false for an adopted process whose status the daemon cannot read
  bool failed() const { return !known || signaled || code != 0; }
  std::string describe() const;  // "exited with status 3", "killed by signal 9 (SIGKILL)"
};

struct RestartDecision {
  enum class Action { Restart, Stop, GiveUp };
  Action action = Action::Stop;
  Duration delay{0};   // Restart: wait this long first
  int attempt = 0;     // Restart: 1 for the first restart in a row
  std::string reason;  // GiveUp: "crash loop: 11 exits in a row, last exited with status 3"
};

class RestartTracker {
 public:
  explicit RestartTracker(RestartConfig config) : config_(config) {}

  // A replica that started at `started` exited at `now`; random01 in [0, 1) spreads the delay.
  RestartDecision on_exit(const ExitInfo& exit, Clock::time_point started, Clock::time_point now,
                          double random01);
  int consecutive_restarts() const { return consecutive_; }
  void reset() { consecutive_ = 0; }

 private:
  RestartConfig config_;
  int consecutive_ = 0;
};

}  // namespace gantry::runtime
