// Exponential backoff with jitter, restart modes, crash-loop detection.
#include "runtime/restart_policy.h"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gantry::runtime {

std::string ExitInfo::describe() const {
  if (!known) return "exited (status unknown: adopted process)";
  if (signaled) {
    const char* name = sigabbrev_np(code);
    return "killed by signal " + std::to_string(code) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "exited with status " + std::to_string(code);
}

RestartDecision RestartTracker::on_exit(const ExitInfo& exit, Clock::time_point started,
                                        Clock::time_point now, double random01) {
  RestartDecision d;
  if (config_.mode == RestartConfig::Mode::Never ||
      (config_.mode == RestartConfig::Mode::OnFailure && !exit.failed())) {
    d.action = RestartDecision::Action::Stop;
    return d;
  }
  if (now - started >= config_.stable_after) consecutive_ = 0;
  if (consecutive_ >= config_.max_retries) {
    d.action = RestartDecision::Action::GiveUp;
    d.reason = "crash loop: " + std::to_string(consecutive_ + 1) + " exits in a row (max_retries " +
               std::to_string(config_.max_retries) + "), last " + exit.describe();
    return d;
  }
  ++consecutive_;
  const double base =
      static_cast<double>(config_.initial.count()) * std::pow(config_.multiplier, consecutive_ - 1);
  const double capped = std::min(base, static_cast<double>(config_.max.count()));
  const double spread = 1.0 + config_.jitter * (2.0 * random01 - 1.0);
  d.action = RestartDecision::Action::Restart;
  d.delay = Duration(static_cast<Duration::rep>(std::max(0.0, capped * spread)));
  d.attempt = consecutive_;
  return d;
}

}  // namespace gantry::runtime
